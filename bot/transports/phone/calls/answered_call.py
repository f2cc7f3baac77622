"""A call the bot talks in with its caller, run on its call runner (verbs.py) like
every other call: a call that came (transport.py), or a call-back that goes on as the
person's conversation (outbox_calls.py ``converse``, the answer after the tone; the call
that checks a caller, handlers/numbers/caller_check.py).

One loop per call runs the call's steps in its order and hands each result to the line
(:class:`Line`, the transport); nothing here reads a SIP event:

- :class:`~bot.transports.phone.calls.verbs.Listen` for the caller's next key, as long as
  the caller is waited for (the loop's own clock, :class:`_Wait`): :class:`Pressed` - what
  the key asks
  of the call's turn (turn.py ``Turn.key``: "*", "#", a choice at once; a digit where the
  caller types digits of their own begins them, and the loop runs the turn's
  :class:`~bot.transports.phone.calls.verbs.Gather` for the rest - its end key "#", its
  most, its pause between keys, the wait for the caller as its timeout - whose digits go
  to the line typed, turn.py ``entered``); :class:`Done` - all that was to hear is said
  (the caller is waited for from then on); :class:`Saying` - an answer is said (the caller
  is not waited for meanwhile); :class:`Answered` - the audio of a call that came is on (its
  clock runs, ``longest_call_seconds``; the transport takes its updates from then on);
  :class:`Transferred` - how the transfer to a person went (press_0_for_a_person.py);
  :class:`Ended` - the call is over;
- :class:`TimedOut` - a caller who did nothing for ``idle_seconds`` while waited for hears
  the goodbye (a :class:`Say` step, press_0_for_a_person.py ``IDLE_GOODBYE``) and is hung
  up once it is said (a :class:`HangUp` step); a key while it is said keeps the call and
  is taken as any key.

The phone keeps no digits of its own: the gather holds them while it runs; the loop
knows only until when a "#" ends the entry just ended by its most (what_keys_mean.py). The
wait for the caller is the loop's too: nothing of it is kept on the call.

So the call runs as a jambonz app does, turn by turn: an answer makes the call's turn (what
is said, what is gathered: turn.py), the loop gathers what that turn asks, and what was
gathered goes to the bot as the caller's incoming update, whose answer makes the next turn.

The call's state: :class:`Call`, ten fields at most (its turn, turn.py: what the newest
answer asks, what follows all said, the rest said after a pause, what "*" says again;
:class:`Caller`: who is calling; its media side: what is being said, the recording under
way); whether it is over is its runner's (:func:`is_over`). Keys that
came before its audio was on, or before its greeting was made (:func:`greeted`), wait in
its queue of updates after its ``/start``, as the line told them (``CallEvent("key", …)``):
the runner takes them once the greeting is.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, Protocol

from bot.transports.phone.calls.answering_settings import CallSettings
from bot.transports.phone.calls.recording import Listening
from bot.transports.phone.calls.turn import ALL_KEYS, Turn, ended_by_most, entered
from bot.transports.phone.calls.verbs import (
    Answered,
    CallRunner,
    Done,
    Ended,
    Gather,
    HangUp,
    Listen,
    Pressed,
    Say,
    Saying,
    TimedOut,
    Transferred,
)
from bot.transports.phone.sip.call_control import CallEvent
from bot.transports.phone.words import what_keys_mean
from bot.transports.phone.words.likely_choice_first import FOLLOW_SECONDS
from bot.transports.phone.words.what_keys_mean import Meaning
from handlers.messages import Event
from locales import Translator

log = logging.getLogger(__name__)

# Keys kept from before a call's greeting, at most (a number's length and more).
MOST_EARLY = 24
# A call's turn until its greeting is said: no key means anything yet (:func:`greeted`).
FIRST_TURN = Turn()


@dataclass(frozen=True)
class HungUp:
    """Put after a call's last keys: the caller hung up."""


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
    test_answered_call_state.py): its caller's chat, the runner its steps run on, what its
    keys meant, taken in order (by a task of the transport's once its audio is on), the turn
    its newest answer made (turn.py), who the caller is, a helper's
    bridged call handed to it (bridging.py, a request of this caller's: the key that answers
    its offer, "1": talk; while set, the call's keys and its wait for the caller are the
    bridged call's), and its media side: what is being said, the recording under way."""

    call_id: int
    chat_id: str
    runner: CallRunner | None = None
    keys: asyncio.Queue[Meaning | Event | HungUp | CallEvent] = field(default_factory=asyncio.Queue)
    turn: Turn = field(default_factory=lambda: FIRST_TURN)
    caller: Caller = field(default_factory=Caller)
    handed: asyncio.Future[str] | None = None
    # The prompts of the answer being said (they become what "*" says again, the turn's,
    # once all of it is: answers_said.py ``asked``).
    saying: list[Path] = field(default_factory=list)
    # The recording under way (spoken_answers.py).
    listening: Listening | None = None


def is_over(call: Call) -> bool:
    """Whether ``call`` is over: its runner ended (the caller hung up, the bot did, or the
    line is done with it, ``CallRunner.end``)."""
    return call.runner is not None and call.runner.ended.done()


def greeted(call: Call) -> bool:
    """Whether ``call`` has heard anything that asks for keys: its turn is no longer the one
    it came with (every answer said makes one, turn.py)."""
    return call.turn is not FIRST_TURN


def hinting(call: Call) -> str:
    """The number whose country hints ``call``'s first language: the caller's, also where
    the call goes on as a stand-in for a known number (it hears what any caller from that
    number hears first)."""
    return call.caller.claimed or call.chat_id


class Line(Protocol):
    """What the loop hands the results of a call's steps to (the phone transport)."""

    in_call: CallSettings

    def pressed(self, call: Call, key: str, *, after_entry: bool = False) -> Gather | None:
        """The caller's ``key`` (``after_entry``: the next key right after digits of their
        own ended by their most); a digit that begins digits of their own: the gather of
        the rest (the call's turn's), which the loop runs."""

    def typed(self, call: Call, meaning: Meaning | None) -> None:
        """What the digits a gather took mean (None: nothing, they were given up)."""

    def said_all(self, call: Call) -> None: ...

    def transfer_went(self, call: Call, went: bool) -> None: ...

    def call_over(self, call: Call) -> None: ...

    def pause_passed(self, call: Call) -> None:
        """All was said and a pause passed without a key: the rest of the message said in
        two parts that the call's turn keeps back (if it still does)."""

    def waits(self, call: Call) -> bool:
        """Whether the call waits for its caller's keys (not while recording, before the
        tone or a transfer, while a helper's call is offered or talks, nor once over)."""

    async def goodbye(self, call: Call, *, longest: bool) -> Path | None:
        """The goodbye's prompt (noted as said); ``longest``: the call lasted its longest."""


@dataclass
class _Wait:
    """The loop's clock of one call (the loop's time, ``loop.time()``): when the call ends,
    keys or not (``longest_call_seconds`` from its audio on; None: not on yet - keys wait
    for the greeting in its queue), when it ends without a key or a word (``idle_seconds``
    after all was said or the last key; None: the caller is not waited for), and until
    when a "#" is the end of the caller's digits just ended by their most (None: no such
    entry); and when the rest of a message said in two parts that the call's turn keeps
    back is said (likely_choice_first.py ``FOLLOW_SECONDS`` after all else was said; None:
    not waited for)."""

    ends_at: float | None = None
    idle_at: float | None = None
    entry_end: float | None = None
    rest_at: float | None = None

    def left(self, call: Call) -> float | None:
        """How long until the next of them (None: none is waited for)."""
        # The call's end while keys are taken (not while recording or a helper talks: those
        # end by their own bounds, and the wait for the caller after them is no longer).
        taking = call.listening is None and call.handed is None
        ends_at = self.ends_at if taking else None
        deadlines = [
            at for at in (self.idle_at, self.entry_end, ends_at, self.rest_at) if at is not None
        ]
        if not deadlines:
            return None
        return max(0.0, min(deadlines) - _now())

    def for_caller(self, call: Call, line: Line) -> None:
        """All is said, or a key came: the caller is waited for ``idle_seconds``, where the
        call waits for them at all."""
        if not line.waits(call):
            self.idle_at = None
            return
        at = _now() + line.in_call.idle_seconds
        self.idle_at = at if self.ends_at is None else min(at, self.ends_at)

    def said_all(self, call: Call) -> None:
        """All is said: the pause before the rest the call's turn keeps back begins (once:
        a say begun begins it again at its end, :meth:`saying`)."""
        if call.turn.rest is not None and self.rest_at is None:
            self.rest_at = _now() + FOLLOW_SECONDS

    def saying(self) -> None:
        """The bot speaks: nobody waits for the caller, nor the pause before a rest."""
        self.idle_at = self.rest_at = None

    def rest_due(self) -> bool:
        """Whether the pause before the rest passed (then it is no longer waited for)."""
        if self.rest_at is None or _now() < self.rest_at:
            return False
        self.rest_at = None
        return True

    def longest(self) -> bool:
        """Whether the call lasted its ``longest_call_seconds``."""
        return self.ends_at is not None and _now() >= self.ends_at


async def converse(runner: CallRunner, call: Call, line: Line, *, answered: bool = False) -> None:
    """Run ``call`` until it ends (or the loop is cancelled: the call is over for the
    line too); ``answered``: its audio is on already (a call-back), else the loop waits for
    it (a call that came: the runner's :class:`Answered`)."""
    wait = _Wait()
    if answered:
        wait.ends_at = _now() + line.in_call.longest_call_seconds
    try:
        while True:
            got = await runner.run(Listen(ALL_KEYS, wait.left(call)))
            if isinstance(got, Pressed):
                await _key(runner, call, line, got.key, wait)
                if runner.ended.done():
                    return
            elif isinstance(got, Done):
                line.said_all(call)
                wait.for_caller(call, line)
                wait.said_all(call)
            elif isinstance(got, Saying):
                wait.saying()
            elif isinstance(got, Answered) and wait.ends_at is None:
                wait.ends_at = _now() + line.in_call.longest_call_seconds
            elif isinstance(got, Transferred):
                line.transfer_went(call, got.went)
            elif isinstance(got, TimedOut):
                if wait.entry_end is not None and _now() >= wait.entry_end:
                    wait.entry_end = None
                if wait.rest_due():
                    line.pause_passed(call)
                if _waited_out(call, line, wait) and isinstance(
                    await _goodbye(runner, call, line, wait), Ended
                ):
                    return
            elif isinstance(got, Ended):
                return
    finally:
        line.call_over(call)


def _waited_out(call: Call, line: Line, wait: _Wait) -> bool:
    """Whether the call waited for its caller its ``idle_seconds``, or lasted its longest:
    then the goodbye (not while recording: the recording ends first)."""
    idle = wait.idle_at is not None and _now() >= wait.idle_at
    if not idle and not wait.longest():
        return False
    wait.idle_at = None
    return not is_over(call) and call.listening is None


async def _key(runner: CallRunner, call: Call, line: Line, key: str, wait: _Wait) -> None:
    """The caller's ``key``, and the rest of the digits it begins (their turn's gather);
    the wait for the caller starts again."""
    # Before its audio is on, or before its greeting is made (a caller who knows the
    # menu, a busy machine): taken after the greeting, from its choices (bounded).
    if wait.ends_at is None or not greeted(call):
        if call.keys.qsize() <= MOST_EARLY:
            call.keys.put_nowait(CallEvent("key", call.call_id, key))
        return
    after_entry = wait.entry_end is not None and _now() < wait.entry_end
    wait.entry_end = None
    rest = line.pressed(call, key, after_entry=after_entry)
    # A key is the caller there: the wait starts again (a key that is only the first
    # digit of an entry and says nothing still ends in a goodbye when no more come).
    wait.for_caller(call, line)
    if rest is None:
        return
    if rest.seconds is None:  # digits ended by "#" only: as long as the caller is waited for
        rest = replace(rest, seconds=wait.left(call))
    got = await runner.run(rest)
    if isinstance(got, Ended):
        return
    line.typed(call, entered(key, rest, got))
    wait.for_caller(call, line)
    if ended_by_most(rest, got):
        wait.entry_end = _now() + what_keys_mean.KEY_PAUSE


def _now() -> float:
    return asyncio.get_running_loop().time()


async def _goodbye(runner: CallRunner, call: Call, line: Line, wait: _Wait) -> Ended | None:
    """The goodbye, then the hang-up; a key while it is said takes the call on."""
    log.info("phone: call %d: nothing from the caller, goodbye", call.call_id)
    longest = wait.longest()
    try:
        said = await line.goodbye(call, longest=longest)
    except Exception:
        log.exception("phone: call %d: the goodbye could not be said", call.call_id)
        said = None
    # A key keeps a call that was waiting for its caller; one that lasted its longest ends.
    got = await runner.run(Say((said,) if said else (), "" if longest else ALL_KEYS))
    if isinstance(got, Pressed):
        wait.entry_end = None
        await _key(runner, call, line, got.key, wait)
        return Ended(runner.ended.result()) if runner.ended.done() else None
    if isinstance(got, Done):
        got = await runner.run(HangUp())
    return got if isinstance(got, Ended) else None
