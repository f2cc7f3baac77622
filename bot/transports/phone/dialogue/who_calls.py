"""Who is calling, on the phone line: the dialogues of handlers/numbers/caller_check.py and
handlers/numbers/number_entry.py as a call runs them (transport.py hands their keys and steps here;
check_calls.py places the calls that check).

- A call from the number of a person the bot knows is a person of its own (a stand-in with
  their language and consent) until a call-back checks it (:func:`claim`; their PIN first
  where they chose one, pin_line.py). What such a call presses that is not free waits for
  that call-back (:func:`offer_check`; "1" takes the offer, :func:`call_me_back`).
- A withheld caller who asks for help types a number to call back (:func:`number`,
  :func:`number_key`); the request is made in a call to that number, once its holder said
  it is them (:func:`check_typed`), never in this call.
- The caller hears when the check call comes and the call ends (the bot hangs up whatever
  key comes meanwhile: the line must be free for that call), or why it does not come
  (:func:`check_asked`).
- Whoever answered a check call said it is them: their conversation, on that call
  (:func:`checked`), in the words :func:`check_words` chooses.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from bot.transports.phone.calls.answered_call import Call
from bot.transports.phone.calls.call_runner import HUSH, CallRunner, HangUp
from bot.transports.phone.calls.caller_id import PLATFORM, is_withheld, withheld
from bot.transports.phone.calls.check_call_store import Waiting
from bot.transports.phone.calls.check_calls import WITHHELD, CheckCalls, profile_of_waiting
from bot.transports.phone.dialogue.call_voice import CallVoice
from bot.transports.phone.words.keypad import BACK, Meaning
from db.users import User
from handlers.dispatcher import Dispatcher
from handlers.messages import Event
from handlers.numbers.caller_check import (
    REFUSED,
    Profile,
    Refusal,
    calling,
    claimed,
    made,
    offer,
    profile_of,
    then_data,
)
from handlers.numbers.dialable import language_hint
from handlers.numbers.number_entry import NumberEntry, NumberStep
from handlers.reader import reader_of
from locales import Translator

log = logging.getLogger(__name__)


class Line(Protocol):
    """What these dialogues need of the phone transport: its dispatcher, how it speaks to a
    call, the check calls, the calls told to hang up, a call renamed to its person, what a
    key means, and a call-back going on as a conversation."""

    dispatcher: Dispatcher
    voice: CallVoice
    checks: CheckCalls
    closing: set[int]

    def rename(self, call: Call, chat_id: str) -> None: ...
    async def meant(self, call: Call, meaning: Meaning) -> None: ...
    async def converse(
        self, chat_id: str, runner: CallRunner, data: str, *, check: bool = False
    ) -> None: ...


# -- a known number, unchecked


async def claim(line: Line, call: Call) -> User | None:
    """A call from the number of a person the bot knows goes on as a person of its own
    (their language and consent) until a call-back checks it: that person (None: a new
    caller or a withheld number, nothing of theirs to give away)."""
    if is_withheld(call.chat_id):
        return None
    db = line.dispatcher.db
    known = await claimed(db, PLATFORM, call.chat_id)
    if known is None:
        return None
    stand_in = withheld()
    await made(db, PLATFORM, stand_in, profile_of(known))
    log.info("phone: call %d: a known number, unchecked", call.call_id)
    line.rename(call, stand_in)
    call.claimed = known.platform_user_id
    return known


async def offer_check(line: Line, call: Call, event: Event) -> None:
    """What the caller pressed waits for a call-back to their number (OFFER)."""
    await line.voice.say_message(call, offer(await line.voice.words(call)))
    call.waiting = event


async def call_me_back(line: Line, call: Call) -> None:
    """ "1" on the offer: the check call to the number claimed, or to a new caller's own (a
    PIN is chosen in a checked call only)."""
    waiting, call.waiting = call.waiting, None
    number = call.claimed or ("" if is_withheld(call.chat_id) else call.chat_id)
    if waiting is None or not number:
        return
    at = await line.checks.ask(number, number, then_data(waiting), Profile())
    await check_asked(line, call, at, typed=False)


# -- a withheld caller's number to call back (handlers/numbers/number_entry.py)


def number_key(line: Line, call: Call, entry: NumberEntry, key: str) -> None:
    """A key while the number is typed: its alone."""
    line.voice.runner(call).start(HUSH)
    step = entry.key(key)
    if step is not None:
        call.keys.put_nowait(step)


async def number(line: Line, call: Call, meaning: Event | NumberStep) -> None:
    """The number entry: asked for (``meaning`` the press that waits), its steps."""
    if not isinstance(meaning, NumberStep):
        call.entry = NumberEntry(meaning, line.dispatcher.settings.call_countries)
        meaning = NumberStep("ask")
    entry = call.entry
    if entry is None:
        return
    if meaning.step == "back":
        call.entry = None
        await line.meant(call, BACK)
        return
    if meaning.step == "confirmed" and entry.number is not None:
        call.entry = None
        await check_typed(line, call, entry.number, entry.then)
        return
    await line.voice.say_message(call, entry.message(meaning.step, await line.voice.words(call)))


async def check_typed(line: Line, call: Call, number: str, then: Event) -> None:
    """A withheld caller's typed number: the request is made in a call to it, once its
    holder said it is them (handlers/numbers/caller_check.py), never in this call."""
    profile = profile_of(await line.dispatcher.db.users.find(PLATFORM, call.chat_id))
    log.info("phone: call %d: a number to call back was typed", call.call_id)
    at = await line.checks.ask(WITHHELD, number, then_data(then), profile)
    await check_asked(line, call, at, typed=True)


async def check_asked(line: Line, call: Call, at: datetime | Refusal, *, typed: bool) -> None:
    """The caller hears when the check call comes and the call ends, or why it does not
    come (and the call goes on)."""
    voice = line.voice
    if not isinstance(at, datetime):
        await voice.say_alone(call, REFUSED[at])
        return
    t = await voice.words(call)
    await voice.say_message(
        call, calling(t, typed=typed, when=None if line.checks.soon(at) else at)
    )
    line.closing.add(call.call_id)
    call.audio.then = lambda: voice.runner(call).start(HangUp())


# -- the check call answered


async def checked(line: Line, number: str, waiting: Waiting, runner: CallRunner) -> None:
    """Whoever answered the check call to ``number`` said it is them: their conversation,
    beginning with what waited (a person not there yet made with the asking call's
    language and consent), a PIN offered first (pin_line.py)."""
    await made(line.dispatcher.db, PLATFORM, number, profile_of_waiting(waiting))
    await line.converse(number, runner, waiting.data, check=True)


async def check_words(line: Line, number: str, profile: Profile) -> Translator:
    """The words the check call asks in: the number's person's, else the asking call's
    language."""
    if await line.dispatcher.db.users.find(PLATFORM, number) is not None:
        return await line.voice.reader_of(number)
    newcomer = line.dispatcher.settings.newcomer_language(language_hint(number))
    return reader_of(None, profile.language or newcomer, on=PLATFORM).t
