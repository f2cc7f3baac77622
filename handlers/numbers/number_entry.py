"""A number to call back, typed by a caller who withholds theirs: a conversation like any
other, for any transport whose senders may be withheld (``Sender.withheld``: the phone line
says so of a caller without a number).

A withheld caller (an id for one call only) can hear places and events; to ask for help
the bot must be able to call them back. So a request begun by such a caller
(handlers/helping/requests_flow.py ``start``, :func:`needed`) first asks for a number
(:func:`ask`, state :data:`STATE`): digits until ``#`` (the message asks for typed digits,
``Message.typed_digits``: a keypad gathers them however slowly they come; ``*`` starts
again; ``#`` before any digit is the ask's way back, the help menu). A number
``phonenumbers`` does not take as valid (region DE), or one the bot may not call
(locales/phone_numbers.py: a premium, shared-cost, personal, satellite or foreign
number), gets :data:`BAD` and changes nothing; a valid one is said back digit by digit
(:data:`CONFIRM`): "1" (its first button) takes it, "2" (its way back, "#") or any other
key types it again, ``*`` says it again.

Taken ("1"), the number is not this call's: a typed number proves nothing, anyone may type
anyone's. The conversation ends with "we call you at this number" (``Message.closing``: the
call ends) and the bot calls it (the voice transport's check calls,
``HandlerSettings.check_calls``, handlers/numbers/caller_check.py); only when whoever
answers says it is them is the request made, in that call, as the number's person -
created then if there is none, with the language chosen and the consent given in this
call. Nothing the number's person already has (their requests, who comes, the code word)
is ever said in the withheld call. A check the bot cannot place is said as it is
(:data:`~handlers.numbers.caller_check.REFUSED`) and the call goes on.

Button data: ``number:yes``, ``number:again`` (the number said back). States:
:data:`STATE` (``then``: the press that waits for the number; ``number``, ``typed``: the
number said back, waiting for "1").
"""

from __future__ import annotations

import re

from markupsafe import Markup

from handlers.context import Context
from handlers.messages import Button, ButtonPress, Message, Text
from handlers.numbers.caller_check import back_button, check_by_call, profile_of, then_data
from handlers.router import Router
from locales import N_, Translator, phone_numbers

STATE = "number"
# A number longer than this is no phone number (E.164 has 15 digits, a national 0 more).
MOST_DIGITS = 20
TAKE = "number:yes"
AGAIN = "number:again"
# Where "#" before any digit goes: the help menu the request was begun from.
BACK = "menu:help"

ASK = N_(
    "📞 So that we can call you back, please type your phone number,"
    " then press the hash key. Helpers never get your number."
)
BAD = N_(
    "😔 I cannot call that number. Please type it again with the area code,"
    " then press the hash key."
)
CONFIRM = N_("📞 You typed: {digits}. If that is right, press 1. To type it again, press 2.")


def needed(ctx: Context) -> bool:
    """Whether the acting person must give a number before a request: nobody can reach
    them after this conversation (a withheld caller)."""
    return ctx.incoming.sender.withheld


def ask(ctx: Context, then: str) -> None:
    """Ask for the number; ``then``: the press that waits for it (what the checked call
    begins with)."""
    ctx.set_state(STATE, {"then": then})
    ctx.send(_asked(ctx.t, ASK))


def _asked(t: Translator, text: str) -> Message:
    """The ask (or :data:`BAD`): digits until "#"; "#" before any: back."""
    return Message(
        Markup(t._(text)),
        back_button(t, BACK),
        typed_choices=False,
        typed_digits=MOST_DIGITS,
        keys_named=True,
    )


def _said_back(t: Translator, typed: str) -> Message:
    """The number said back, digit by digit: "1" takes it, "2" (or "#") types it again."""
    digits = t.comma.join(str(t.number(int(digit))) for digit in typed)
    buttons = [
        [Button("✅ " + t._("Yes"), TAKE)],
        [Button("✍️ " + t._("No"), AGAIN, role="back")],
    ]
    return Message(t.t(CONFIRM, digits=digits), buttons, typed_choices=False, keys_named=True)


async def _typed(ctx: Context) -> None:
    """State :data:`STATE`: digits typed. Said back when the bot may call them; any input
    while a number is said back types it again."""
    state = ctx.get_state()
    assert state is not None
    data = dict(state.data)
    event = ctx.incoming.event
    if "number" in data or not isinstance(event, Text):
        ask(ctx, data.get("then", ""))
        return
    typed = re.sub(r"[\s/()-]", "", event.text)[: MOST_DIGITS + 1]
    number = (
        phone_numbers.typed(typed, ctx.settings.call_countries, phone_numbers.REGION)
        if typed.isdigit() and len(typed) <= MOST_DIGITS
        else None
    )
    if number is None:
        ctx.send(_asked(ctx.t, BAD))
        return
    ctx.set_state(STATE, {**data, "number": number, "typed": typed})
    ctx.send(_said_back(ctx.t, typed))


async def _again(ctx: Context) -> None:
    """ "2" (or "#") on the number said back: type it again."""
    state = ctx.get_state()
    ask(ctx, state.data.get("then", "") if state is not None else "")


async def _take(ctx: Context) -> None:
    """ "1" on the number said back: the call that checks it, and the caller hangs up."""
    state = ctx.get_state()
    number = state.data.get("number") if state is not None else None
    if state is None or not number:
        ctx.stale()
    then = then_data(ButtonPress(state.data.get("then") or "menu:main"))
    await check_by_call(ctx, None, number, then, profile_of(ctx.user), back=BACK)


def register(router: Router) -> None:
    router.state(STATE)(_typed)
    router.action("number", "yes", states=(STATE,))(_take)
    router.action("number", "again", states=(STATE,))(_again)
