"""The PIN on the phone line (handlers/numbers/phone_pin.py has its dialogue and rule,
db/phone_pins.py its store): what the transport does with it in a call.

- A claimed call (handlers/numbers/caller_check.py: a known number, not yet checked) whose person
  has a PIN not locked today is asked it before anything else (:func:`ask_at_start`); the
  call's start waits. Right: the call is the person's from then on (as a call the bot made
  and its holder confirmed), and starts as their call. Wrong: counted in the database for
  the day; the third wrong of a day, or "#": the call starts as the stand-in it was.
- A checked call (a call-back its holder confirmed) offers a PIN once, before what the
  person had pressed, where they have none (:func:`first_of_check`); the settings' "🔢 PIN
  for your calls" (:func:`pressed`) chooses one in a checked call, asks for the call-back in
  a call that is not, and is refused to a withheld number.

The hash is made and compared off the event loop (scrypt is slow on purpose). The log
says that a PIN was chosen, right or wrong (with the call id), never a digit.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from bot.transports.phone.calls.answered_call import Call
from bot.transports.phone.calls.call_runner import HUSH
from bot.transports.phone.calls.caller_id import PLATFORM, is_withheld
from bot.transports.phone.calls.outbox_calls import CallingBack
from bot.transports.phone.dialogue import who_calls
from db.clock import local_day
from db.phone_pins import MOST_WRONG
from db.users import User
from handlers.messages import ButtonPress, Command, Event
from handlers.numbers.phone_pin import (
    CHOOSE_PIN,
    LOCKED,
    SAVED,
    WITHHELD,
    PinEntry,
    PinStep,
    entry,
    hashed,
    matches,
    message,
)


class PhoneTransport(who_calls.Line, Protocol):
    """What the PIN needs of the phone transport (transport.py, which calls this module):
    what the dialogues of who is calling need (who_calls.py), and the call-backs' clock."""

    calling: CallingBack


log = logging.getLogger(__name__)


async def ask_at_start(line: PhoneTransport, call: Call, known: User) -> bool:
    """Whether the claimed call of ``known`` is asked their PIN first (then it is)."""
    pin = await line.dispatcher.db.phone_pins.get(known.id)
    if pin is None or pin.locked(_today(line)):
        return False
    call.pin, first = entry("ask", Command("start"))
    await step(line, call, first)
    return True


async def first_of_check(line: PhoneTransport, call: Call, data: str) -> Event | PinStep:
    """What a checked call to ``call``'s person begins with: the PIN's offer where they have
    none (then what they had pressed, ``data``), else that press. Not before they agreed to
    the privacy notice (a resident the desk entered answers it first): a PIN is data of
    theirs, chosen only once they agreed; the settings offer it later."""
    db = line.dispatcher.db
    then = ButtonPress(data)
    person = await db.users.find(PLATFORM, call.chat_id)
    if (
        data == CHOOSE_PIN
        or person is None
        or person.consent_at is None
        or await db.phone_pins.get(person.id) is not None
    ):
        return then
    call.pin, first = entry("offer", then)
    return first


async def pressed(line: PhoneTransport, call: Call) -> bool:
    """The settings' "PIN for your calls": chosen in a checked call only. Whether it was
    taken here (withheld: why not; checked: the entry); False: an unchecked call's, which
    claims its number (the call-back is offered, handlers/numbers/caller_check.py)."""
    if is_withheld(call.chat_id):
        await line.voice.say_alone(call, WITHHELD)
        return True
    if not call.checked:
        return False
    call.pin, first = entry("choose", ButtonPress("menu:settings"))
    await step(line, call, first)
    return True


def key(line: PhoneTransport, call: Call, pin: PinEntry, key: str) -> None:
    """A key while the PIN entry runs: its alone."""
    line.voice.runner(call).start(HUSH)
    got = pin.key(key)
    if got is not None:
        call.keys.put_nowait(got)


async def step(line: PhoneTransport, call: Call, got: PinStep) -> None:
    """A step of the call's PIN entry, in the call's order."""
    pin = call.pin
    if pin is None:
        return
    if got.step == "typed":
        await _typed(line, call, pin, got.pin)
    elif got.step == "chosen":
        await _chosen(line, call, pin, got.pin)
    elif got.step == "done":
        _leave(call, pin)
    else:
        await line.voice.say_message(call, message(got.step, await line.voice.words(call)))


def _leave(call: Call, pin: PinEntry) -> None:
    """The entry is over: what waited goes on."""
    call.pin = None
    call.keys.put_nowait(pin.then)


async def _chosen(line: PhoneTransport, call: Call, pin: PinEntry, digits: str) -> None:
    db = line.dispatcher.db
    person = await db.users.find(PLATFORM, call.chat_id)
    if not call.checked or person is None:  # never but in a checked call
        _leave(call, pin)
        return
    stored = await asyncio.to_thread(hashed, digits)
    await db.phone_pins.set(person.id, stored)
    log.info("phone: call %d: a PIN was chosen", call.call_id)
    call.pin = None
    await line.voice.say_alone(call, SAVED)
    call.keys.put_nowait(pin.then)


async def _typed(line: PhoneTransport, call: Call, pin: PinEntry, digits: str) -> None:
    db = line.dispatcher.db
    person = await db.users.find(PLATFORM, call.claimed) if call.claimed else None
    stored = await db.phone_pins.get(person.id) if person is not None else None
    today = _today(line)
    # The try is counted before the comparison: calls at once share the day's three.
    wrong = await db.phone_pins.wrong_try(person.id, today) if person is not None else 0
    if person is None or stored is None or not 0 < wrong <= MOST_WRONG:
        _leave(call, pin)  # cleared meanwhile, or locked by another call
        return
    if await asyncio.to_thread(matches, digits, stored.pin_hash):
        await db.phone_pins.right(person.id, today)
        log.info("phone: call %d: the PIN was right", call.call_id)
        # The call is the person's now, as a call-back its holder confirmed.
        line.rename(call, call.claimed)
        call.claimed, call.checked, call.reader = "", True, None
        _leave(call, pin)
        return
    log.info("phone: call %d: a wrong PIN (%d of %d today)", call.call_id, wrong, MOST_WRONG)
    if wrong >= MOST_WRONG:
        call.pin = None
        await line.voice.say_alone(call, LOCKED)
        call.keys.put_nowait(pin.then)
        return
    await line.voice.say_message(call, message("wrong", await line.voice.words(call)))


def _today(line: PhoneTransport) -> str:
    """Today in Europe/Berlin, by the line's clock (the call-backs')."""
    return local_day(line.calling.clock())
