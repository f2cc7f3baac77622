"""A call the bot talks in with its caller, run on its call runner (verbs.py) like
every other call: a call that came (transport.py), or a call-back that goes on as the
person's conversation (outbox_calls.py ``converse``, the answer after the tone; the call
that checks a caller, handlers/numbers/caller_check.py).

One loop per call takes the runner's results in the call's order and hands each to the
line (:class:`Line`, the transport); nothing here reads a SIP event:

- :class:`~bot.transports.phone.calls.verbs.Listen` for any key, as long as the caller is
  waited for (``Call.audio.idle_at``): :class:`Pressed` - the caller's key (what it means is the
  line's: what_keys_mean.py, the dialogues of handlers/numbers/caller_check.py and phone_pin.py);
  :class:`Done` - all that was to hear is said; :class:`Transferred` - how the transfer to
  a person went (press_0_for_a_person.py); :class:`Ended` - the call is over;
- :class:`TimedOut` - a caller who did nothing for ``idle_seconds`` while waited for hears
  the goodbye (a :class:`Say` step, press_0_for_a_person.py ``IDLE_GOODBYE``) and is hung up once it
  is said (a :class:`HangUp` step); a key while it is said keeps the call and is taken as
  any key; also when the pause after digits begun passed (``Keypad.pause_at``, the turn's
  gather's ``inter_digit_timeout``, turn.py): they are taken as typed
  (:meth:`Line.paused`).

So the call runs as a jambonz app does, turn by turn: an answer makes the call's turn (what
is said, what is gathered: turn.py), the loop gathers what that turn asks, and what was
gathered goes to the bot as the caller's incoming update, whose answer makes the next turn.

The call's state: :class:`Call`, ten fields at most (its turn, turn.py: what the newest
answer asks; :class:`Caller`: who is calling; :class:`CallAudio`: its media side - what it
plays, what follows the end of play, the recording, the wait for the caller; its
``Keypad``: the keys begun).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from bot.transports.phone.calls.recording import Listening
from bot.transports.phone.calls.turn import ALL_KEYS, Turn
from bot.transports.phone.calls.verbs import (
    CallRunner,
    Done,
    Ended,
    HangUp,
    Listen,
    Pressed,
    Say,
    TimedOut,
    Transferred,
)
from bot.transports.phone.words.what_keys_mean import Keypad, Meaning
from handlers.messages import Event
from locales import Translator

log = logging.getLogger(__name__)

# Keys kept from before a call's audio is on, at most (a number's length and more).
MOST_EARLY = 24


@dataclass(frozen=True)
class HungUp:
    """Put after a call's last keys: the caller hung up."""


@dataclass(frozen=True)
class EarlyKeys:
    """Put after a call's ``/start`` when keys came before its audio was on (``Call.early``):
    they are taken then, against the greeting's choices."""


@dataclass(slots=True)
class CallAudio:
    """What a call plays and hears (its media side): the prompts of the answer being said
    and of the last one (what "*" repeats), how often it went quiet (all it was to hear
    played to its end), what it does then (the tone said: record; "0": transfer), the
    recording under way, and whether the call is over."""

    saying: list[Path] = field(default_factory=list)
    last: list[Path] = field(default_factory=list)
    quiet: int = 0
    then: Any = None
    listening: Listening | None = None
    # Its audio is on (a call that came: from its ``audio`` event; a call-back: from the
    # start); keys before it wait for the greeting (``Keypad.early``).
    on: bool = False
    gone: bool = False
    # Waiting for the caller: the loop's time (``loop.time()``) when the call ends without
    # a key or a word (None: not waiting).
    idle_at: float | None = None
    # The loop's time when the call ends, keys or not (``longest_call_seconds``; None: no end).
    ends_at: float | None = None
    # Answers said (one per update that said something): the order of a call, for its tests.
    answers: int = 0
    # The rest of a message said in two parts (likely_choice_first.py), said after its first
    # part and a pause without a key: its audio until all else is said, then that pause's
    # timer (which says it).
    rest: Path | asyncio.TimerHandle | None = None


@dataclass(slots=True)
class Caller:
    """Who the caller is (handlers/numbers/caller_check.py, written by who_calls.py only): how
    the call is checked (``checked``: "call-back", a call the bot made and its holder
    confirmed; "pin", the person's PIN typed in this call - a new PIN then needs the one of
    now again, phone_pin.py; "": not), or the known number this call claims (``claimed``:
    the call is a person of its own until a call-back checks it; its updates say so,
    ``Sender.claims``); and their words (their language, easy language, the phone's
    variants: from the newest answer's reader, handlers/messages.py ``ReaderNote``, else
    read once from their row)."""

    checked: Literal["", "call-back", "pin"] = ""
    claimed: str = ""
    reader: Translator | None = None


@dataclass(slots=True)
class Call:
    """One answered call (at most ten fields, tests/bot/transports/phone/calls/
    test_answered_call_state.py): its caller's chat, the runner its steps run on, its
    keys taken in order (by ``taking``), the turn its newest answer made (turn.py), who the
    caller is, its media side, the keys begun, and a helper's bridged call handed to it
    (bridging.py, a request of this caller's: the key that answers its offer, "1": talk;
    while set, the call's keys and its wait for the caller are the bridged call's)."""

    call_id: int
    chat_id: str
    runner: CallRunner | None = None
    keys: asyncio.Queue[Meaning | Event | HungUp | EarlyKeys] = field(default_factory=asyncio.Queue)
    taking: asyncio.Task[None] | None = None
    turn: Turn = field(default_factory=Turn)
    caller: Caller = field(default_factory=Caller)
    audio: CallAudio = field(default_factory=CallAudio)
    keypad: Keypad = field(default_factory=Keypad)
    handed: asyncio.Future[str] | None = None


def hinting(call: Call) -> str:
    """The number whose country hints ``call``'s first language: the caller's, also where
    the call goes on as a stand-in for a known number (it hears what any caller from that
    number hears first)."""
    return call.caller.claimed or call.chat_id


class Line(Protocol):
    """What the loop hands the results of a call's steps to (the phone transport)."""

    def pressed(self, call: Call, key: str) -> None: ...

    def said_all(self, call: Call) -> None: ...

    def transfer_went(self, call: Call, went: bool) -> None: ...

    def call_over(self, call: Call) -> None: ...

    def paused(self, call: Call) -> None:
        """The pause after digits begun passed: they are taken as typed."""

    def waited_out(self, call: Call) -> bool:
        """Whether the call waited for its caller long enough, or lasted its longest: then
        the goodbye."""

    def over(self, call: Call) -> bool:
        """Whether the call lasted its longest (its goodbye takes no key)."""

    async def goodbye(self, call: Call) -> Path | None:
        """The goodbye's prompt (noted as said)."""


async def converse(runner: CallRunner, call: Call, line: Line) -> None:
    """Run ``call`` until it ends (or the loop is cancelled: the call is over for the
    line too)."""
    try:
        while True:
            got = await runner.run(Listen(ALL_KEYS, _left(call)))
            if isinstance(got, Pressed):
                line.pressed(call, got.key)
            elif isinstance(got, Done):
                line.said_all(call)
            elif isinstance(got, Transferred):
                line.transfer_went(call, got.went)
            elif isinstance(got, TimedOut):
                line.paused(call)
                if line.waited_out(call) and isinstance(await _goodbye(runner, call, line), Ended):
                    return
            elif isinstance(got, Ended):
                return
    finally:
        line.call_over(call)


def _left(call: Call) -> float | None:
    """How long until the caller is waited for no more, or the pause after digits begun
    passed (None: neither is waited for)."""
    # The call's end while keys are taken (not while recording or a helper talks: those
    # end by their own bounds, and the wait for the caller after them is no longer).
    ends_at = call.audio.ends_at if call.audio.listening is None and call.handed is None else None
    deadlines = [at for at in (call.audio.idle_at, call.keypad.pause_at, ends_at) if at is not None]
    if not deadlines:
        return None
    return max(0.0, min(deadlines) - asyncio.get_running_loop().time())


async def _goodbye(runner: CallRunner, call: Call, line: Line) -> Ended | None:
    """The goodbye, then the hang-up; a key while it is said takes the call on."""
    log.info("phone: call %d: nothing from the caller, goodbye", call.call_id)
    try:
        said = await line.goodbye(call)
    except Exception:
        log.exception("phone: call %d: the goodbye could not be said", call.call_id)
        said = None
    # A key keeps a call that was waiting for its caller; one that lasted its longest ends.
    got = await runner.run(Say((said,) if said else (), "" if line.over(call) else ALL_KEYS))
    if isinstance(got, Pressed):
        line.pressed(call, got.key)
        return None
    if isinstance(got, Done):
        got = await runner.run(HangUp())
    return got if isinstance(got, Ended) else None
