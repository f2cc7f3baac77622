"""Who is calling, on the phone line: the dialogue of handlers/numbers/caller_check.py as a
call runs it (transport.py hands its keys and steps here; check_calls.py places the calls
that check; a withheld caller's number to call back is a conversation's step of its own,
handlers/numbers/number_entry.py, whose check the same calls place).

- A call from a number - a person the bot knows or nobody - is a person of its own (a
  stand-in, nothing of the number's person) until a call-back checks it (:func:`claim`), or
  the number's PIN (handlers/numbers/phone_pin.py, asked of every such call, PIN or not,
  when it asks for something personal - never at its start: right, the transport's
  ``proven`` makes the call theirs, ``Sender.pin_proven``: a new PIN then needs the one of
  now). Its updates
  say whose number it claims (``Sender.claims``): what it presses that is not free waits
  for that PIN or call-back, a step of the conversation (handlers/numbers/caller_check.py),
  whose last message ends the call (the bot hangs up whatever key comes meanwhile: the
  line must be free for that call).
- Whoever answered a check call said it is them: their conversation, on that call
  (:func:`checked`), in the words :func:`check_words` chooses.
"""

from __future__ import annotations

import logging
from typing import Protocol

from bot.transports.phone.calls.answered_call import Call, Caller, is_over
from bot.transports.phone.calls.callers_number import PLATFORM, is_withheld, withheld
from bot.transports.phone.calls.check_call_store import Waiting
from bot.transports.phone.calls.check_calls import CheckCalls, profile_of_waiting
from bot.transports.phone.calls.verbs import CallRunner
from bot.transports.phone.dialogue.answers_said import CallVoice
from handlers.channels import Ports, Profile
from handlers.messages import Event
from locales import Translator

log = logging.getLogger(__name__)


class Line(Protocol):
    """What these dialogues need of the phone transport: the city's ports, how it speaks to a
    call, the check calls, a call renamed to its person, and a call-back going on as a
    conversation."""

    city_ports: Ports
    voice: CallVoice
    checks: CheckCalls

    def rename(self, call: Call, chat_id: str) -> None: ...
    async def converse(self, chat_id: str, runner: CallRunner, data: str) -> None: ...


# -- a number, unchecked


async def claim(line: Line, call: Call) -> None:
    """A call from a number goes on as a person of its own until a call-back or the
    number's PIN checks it - whether or not anybody has the number (a caller must not
    learn that it is someone's); a withheld number has nothing to claim and stays as it
    is."""
    if is_withheld(call.chat_id):
        return
    stand_in = withheld()
    number = await line.city_ports.callers.stand_in_for(PLATFORM, call.chat_id, stand_in)
    log.info("phone: call %d: a number, unchecked", call.call_id)
    line.rename(call, stand_in)
    call.caller.claimed = number


def proven(line: Line, call: Call | None, then: Event) -> None:
    """``call``, which claims a number, proved to be its person (their PIN,
    handlers/numbers/phone_pin.py): the person's call from now on, as a call-back its
    holder confirmed, going on with ``then`` (after the update that proved it)."""
    if call is None or not call.caller.claimed or is_over(call):
        return
    log.info("phone: call %d: its number checked by its PIN", call.call_id)
    line.rename(call, call.caller.claimed)
    call.caller = Caller(checked="pin")
    call.keys.put_nowait(then)


# -- the check call answered


async def checked(line: Line, number: str, waiting: Waiting, runner: CallRunner) -> None:
    """Whoever answered the check call to ``number`` said it is them: their conversation,
    beginning with what waited (the main menu for a claimed call; a person not there yet
    made with the asking call's language, never its consent; a PIN offered first,
    handlers/numbers/phone_pin.py ``after_check``)."""
    await line.city_ports.callers.number_checked(PLATFORM, number, profile_of_waiting(waiting))
    await line.converse(number, runner, waiting.data)


async def check_words(line: Line, number: str, profile: Profile) -> Translator:
    """The words the check call asks in: the number's person's, else the asking call's
    language."""
    return await line.voice.reader_of(number, profile.language)
