"""A number that is none of the choices: said so, and the same choices again.

Where choices are numbered (a phone's keys, a text's numbers, Matrix, the console) a typed
number presses the choice of the chat's newest message it names (bot/transports/
numbered_choices.py). One beyond them - "9" on the six choices of the events - comes as text
marked with the choices it missed (``Text.not_a_choice``). Outside any step nothing else
means it, and it is no words to ask for help with: before, it fell through to the "start
with anything" offer (handlers/helping/requests_flow.py ``offer_help_with``) and brought the
main menu, the person taken out of where they were. This taker (``router.free_input``, rank
80: after a running contact, which passes a number on to the helper, and after a place's
postcode, before that offer) answers that it is not a choice and gives the same choices
again, so the next number presses one of them; nothing else changes. A step that takes
text (a postcode, a description) still takes the number first, as any text.

No buttons or states of its own: the choices given again are the message's own.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.messages import Button, Text
from handlers.router import Router
from locales import N_

RANK = 80

# A caller hears "That key …" (handlers/media/medium_texts.py).
NOT_A_CHOICE = N_("🔢 That number is not one of the choices. Please choose:")


async def take(ctx: Context) -> bool:
    event = ctx.incoming.event
    if not isinstance(event, Text) or not event.not_a_choice:
        return False
    ctx.refuse(
        ctx.t.t(NOT_A_CHOICE),
        [[Button(label, data)] for label, data in event.not_a_choice],
    )
    return True


def register(router: Router) -> None:
    router.free_input_taker(RANK)(take)
