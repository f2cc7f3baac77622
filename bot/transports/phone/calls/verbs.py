"""What a call does, as steps: one small runner that carries out a step on one call and
says how it went (as jambonz's feature server runs one task per verb of a voice app).

Every call runs on one: the call-backs (outbox_calls.py: ring, "if you are NAME, press
1", the messages, "press 1 to hear it again"), the bridged calls (bridging.py: ring the
helper, "please wait", ring the resident, "press 1 to talk", connect) and the calls the
bot talks in with its caller (answered_call.py: a call that came, or a call-back that goes
on as the person's conversation - on the same runner). None of them reads a SIP event or
a status code itself.

Steps (data):

- :class:`Ring` - a call the bot made rings: :class:`Answered`, or :class:`Ended` (its
  status code; after ``seconds`` the bot hangs up: ``gave_up``);
- :class:`Say` - what is playing stops (``after``: not; the prompts follow it), the
  prompts are played: :class:`Done` at their end, :class:`Pressed` for one of ``keys``
  (which cuts them short); ``wait=False``: done at once, said while the call does
  something else (:data:`HUSH`: nothing said, what plays stopped);
- :class:`Gather` - jambonz's ``gather`` verb for keys: after its prompts (a key of
  ``keys`` cuts them short), at most ``max_digits`` keys of ``keys``, ended by
  ``finish_on_key`` (jambonz ``finishOnKey``, not one of the digits), by the pause
  ``inter_digit_timeout`` after a key (``interDigitTimeout``; None: only by the end key or
  the most) or when none came for ``seconds`` (``timeout``; None: no limit): one key
  (``max_digits`` 1) is :class:`Pressed`, more are :class:`Gathered` (fewer than
  ``min_digits``: :class:`TimedOut`); :class:`TimedOut` when nothing came. Of several, the
  end key with nothing typed, or a key of ``keys`` that is no digit ("*"), is
  :class:`Pressed` (digits begun given up); without an ``inter_digit_timeout``,
  ``seconds`` is the wait for each key and digits begun are given up with it
  (:class:`TimedOut`). Without prompts of its own, an end of play or a transfer's outcome
  that comes meanwhile is kept for the next step (the answered call's ``Listen``);
- :class:`Bridge` - this call and ``other`` hear each other until this call ends:
  :class:`Ended`, or :class:`Failed` when they could not be connected;
- :class:`HangUp` - :class:`Ended`;
- :class:`Record` - what the caller says is kept until ``listening`` ends it:
  :class:`Recorded` (empty: the recording could not begin);
- :class:`Transfer` - a blind transfer to ``uri`` is asked: :class:`Done`, or
  :class:`Failed` when it could not be; how it went comes to :class:`Listen`;
- :class:`Listen` - what the call tells next, as a conversation takes it: :class:`Pressed`
  for a key of ``keys`` (nothing is stopped: what a key stops is the conversation's to say;
  a :class:`Record` or :class:`Transfer` may run beside it, taking no event), :class:`Done`
  when all it was to hear is said, :class:`Transferred` when a transfer is answered or
  failed, :class:`Answered` when the audio of a call that came is on, :class:`Saying` when
  a ``Say`` begun beside it (:meth:`CallRunner.start`) speaks, :class:`Ended`;
  :class:`TimedOut` after ``seconds`` (None: no limit). An end of play left from before is
  kept: it is the conversation's.

A step that is not waited for (a ``Say`` with ``wait=False``, a ``HangUp``) may also be
begun at once by code that cannot wait (:meth:`CallRunner.start`: a key's answer, the end
of play's); a ``Say`` so begun that has prompts is then told to the step that listens (the
conversation's: the bot speaks, nobody waits for the caller meanwhile), in the order of the
call's events - a ``Gather`` keeps it for the next step. A call that ended answers every
step with :class:`Ended`. Keys outside a
step's ``keys`` are not for it (they neither stop what is said nor end the step). An end
of play (``quiet``) left from before a step that waits for one (``Ring``, ``Say``, a
``Gather`` with prompts) is not that step's.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bot.transports.phone.calls.recording import Listening, listen
from bot.transports.phone.sip.call_control import CallControl, CallEvent, status_code, transferred

T = TypeVar("T")
# The keys a gather of several takes as digits (any other of its keys ends it at once).
DIGITS = "0123456789"


@dataclass(frozen=True)
class Ring:
    seconds: float


@dataclass(frozen=True)
class Say:
    prompts: tuple[Path, ...]
    keys: str = ""
    wait: bool = True
    # Played after what the call is playing, which is not stopped (a conversation's
    # answer in several parts).
    after: bool = False


@dataclass(frozen=True)
class Gather:
    """jambonz's ``gather`` (input ``digits``): ``seconds`` is its ``timeout``."""

    keys: str
    seconds: float | None = None
    prompts: tuple[Path, ...] = ()
    min_digits: int = 1
    max_digits: int = 1
    finish_on_key: str = ""
    inter_digit_timeout: float | None = None


@dataclass(frozen=True)
class Bridge:
    other: int


@dataclass(frozen=True)
class HangUp:
    pass


@dataclass(frozen=True)
class Listen:
    keys: str
    seconds: float | None = None


@dataclass(frozen=True)
class Record:
    # When it ends (the caller quiet, the most, a key: recording.py), set by the conversation.
    listening: Listening


@dataclass(frozen=True)
class Transfer:
    uri: str


Step = Ring | Say | Gather | Bridge | HangUp | Listen | Record | Transfer
# What is playing stops, nothing is said instead.
HUSH = Say((), wait=False)


@dataclass(frozen=True)
class Answered:
    pass


@dataclass(frozen=True)
class Saying:
    """A :class:`Say` begun beside the step (:meth:`CallRunner.start`) speaks."""


@dataclass(frozen=True)
class Done:
    pass


@dataclass(frozen=True)
class Pressed:
    key: str


@dataclass(frozen=True)
class Gathered:
    """The keys a :class:`Gather` of more than one took, its end key left out."""

    digits: str


@dataclass(frozen=True)
class TimedOut:
    pass


@dataclass(frozen=True)
class Failed:
    pass


@dataclass(frozen=True)
class Recorded:
    """What the caller said (16-bit mono PCM at the clock rate)."""

    pcm: bytes


@dataclass(frozen=True)
class Transferred:
    """How a transfer went (call_control.py ``transferred``): answered, or failed."""

    went: bool


@dataclass(frozen=True)
class Ended:
    """The call ended: its last SIP status code (call_control.py ``unanswered`` reads it);
    ``gave_up``: the bot stopped its ringing."""

    code: int
    gave_up: bool = False


Result = (
    Answered
    | Done
    | Pressed
    | Saying
    | Gathered
    | TimedOut
    | Failed
    | Recorded
    | Transferred
    | Ended
)


class CallRunner:
    """One call and the steps run on it, one at a time."""

    def __init__(self, control: CallControl, call_id: int = -1) -> None:
        """A runner for ``call_id`` (a call that came; its events are fed by whoever
        takes the stack's, :meth:`feed`), or for a call made by :meth:`dial`."""
        self.control = control
        self.call_id = call_id
        # What the call tells, and the says begun beside its steps (:meth:`start`).
        self._events: asyncio.Queue[CallEvent | Say] = asyncio.Queue()
        # The call's last status code once it ended (awaited shielded: a step given up
        # must not cancel it).
        self.ended: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    @classmethod
    async def dial(cls, control: CallControl, uri: str, *, beside: int | None = None) -> CallRunner:
        """A call the bot makes to ``uri`` (``beside``: a call it may be bridged with)."""
        runner = cls(control)
        runner.call_id = await control.make_call(uri, runner.feed, beside=beside)
        return runner

    def feed(self, event: CallEvent) -> None:
        """What the call tells (the listener of ``make_call``)."""
        if event.kind == "ended" and not self.ended.done():
            self.ended.set_result(status_code(event.value))
        self._events.put_nowait(event)

    def end(self) -> None:
        """The line is done with the call (its loop stopped, the bot stops): it is over for
        every step from now on, as if it ended without a status code."""
        if not self.ended.done():
            self.feed(CallEvent("ended", self.call_id, ""))

    def start(self, step: Say | HangUp) -> None:
        """Begin ``step`` at once, without waiting for it: a :class:`Say` with
        ``wait=False``, or a :class:`HangUp` (its :class:`Ended` comes to the step that
        runs on the call). None of the call's events is taken."""
        if isinstance(step, HangUp):
            self.control.hang_up(self.call_id)
            return
        if step.wait:
            raise ValueError("a Say that waits is run, not started")
        self._begin_say(step)
        if step.prompts:  # told to the step that listens: the bot speaks
            self._events.put_nowait(step)

    async def run(self, step: Step) -> Result:
        if self.ended.done():
            return Ended(self.ended.result())
        if isinstance(step, Ring | Say) or (isinstance(step, Gather) and step.prompts):
            self._drop_old_quiet()  # the steps that wait for an end of play of their own
        match step:
            case Ring():
                return await self._ring(step)
            case Say():
                return await self._say(step)
            case Gather():
                return await self._gather(step)
            case Bridge():
                return await self._bridge(step)
            case HangUp():
                return await self._hang_up()
            case Listen():
                return await self._listen(step)
            case Record():
                return await self._record(step)
            case Transfer():
                asked = await self.control.transfer(self.call_id, step.uri)
                return Done() if asked else Failed()

    # -- the steps

    async def _ring(self, step: Ring) -> Result:
        try:
            async with asyncio.timeout(step.seconds):
                event = await self._next(("answered", "ended"))
        except TimeoutError:
            return await self._hang_up(gave_up=True)
        return Answered() if event.kind == "answered" else Ended(status_code(event.value))

    def _begin_say(self, step: Say) -> None:
        if not step.after:
            self.control.hush(self.call_id)
        if step.prompts:
            self.control.say(self.call_id, list(step.prompts))

    async def _say(self, step: Say) -> Result:
        self._begin_say(step)
        if not step.prompts or not step.wait:
            return Done()
        event = await self._next(("quiet", "ended"), step.keys)
        return self._result(event)

    async def _gather(self, step: Gather) -> Result:
        if step.prompts:
            said = await self._say(Say(step.prompts, step.keys))
            if not isinstance(said, Done):
                return said
        # Without prompts of its own, what plays beside it is another's: its end of play,
        # a transfer's outcome and a say begun are kept for the next step (a
        # conversation's Listen).
        kept: list[CallEvent | Say] = []
        try:
            return await self._digits(step, kept)
        finally:
            self._put_back(kept)

    async def _digits(self, step: Gather, kept: list[CallEvent | Say]) -> Result:
        typed, wait = "", step.seconds
        keep = () if step.prompts else ("quiet", "transfer")
        while True:
            try:
                async with asyncio.timeout(wait):
                    event = await self._next(
                        ("ended", *keep), step.keys + step.finish_on_key, said=kept
                    )
            except TimeoutError:
                # Digits nobody ended (no pause ends them: only the end key or the most)
                # are given up with the time.
                return _typed(step, typed) if step.inter_digit_timeout is not None else TimedOut()
            if event.kind in keep:
                kept.append(event)
                continue
            if event.kind != "key" or step.max_digits == 1:
                return self._result(event)
            if event.value == step.finish_on_key:
                return _typed(step, typed) if typed else Pressed(event.value)
            if event.value not in DIGITS:  # "*": what it means is the caller's, digits given up
                return Pressed(event.value)
            typed += event.value
            if len(typed) >= step.max_digits:
                return Gathered(typed)
            pause = step.inter_digit_timeout
            wait = pause if pause is not None else step.seconds

    async def _bridge(self, step: Bridge) -> Result:
        if not await self.control.bridge(self.call_id, step.other):
            return Failed()
        return Ended(await asyncio.shield(self.ended))

    async def _listen(self, step: Listen) -> Result:
        try:
            async with asyncio.timeout(step.seconds):
                while True:
                    event = await self._events.get()
                    if isinstance(event, Say):
                        return Saying()
                    if event.kind == "audio":
                        return Answered()
                    if event.kind == "transfer":
                        went = transferred(event.value)
                        if went is not None:
                            return Transferred(went)
                    elif event.kind in ("quiet", "ended") or (
                        event.kind == "key" and len(event.value) == 1 and event.value in step.keys
                    ):
                        return self._result(event)
        except TimeoutError:
            return TimedOut()

    async def _record(self, step: Record) -> Recorded:
        if not await self.control.record(self.call_id):
            return Recorded(b"")
        await listen(lambda: self.control.level(self.call_id), step.listening)
        return Recorded(await self.control.end_recording(self.call_id))

    async def _hang_up(self, *, gave_up: bool = False) -> Ended:
        self.control.hang_up(self.call_id)
        return Ended(await asyncio.shield(self.ended), gave_up)

    # -- the call's events

    async def _next(
        self, kinds: tuple[str, ...], keys: str = "", *, said: list[CallEvent | Say] | None = None
    ) -> CallEvent:
        """The next event of ``kinds``, or of a key of ``keys`` (which stops what plays);
        the says begun meanwhile go to ``said`` (None: they are no step's)."""
        while True:
            event = await self._events.get()
            if isinstance(event, Say):
                if said is not None:
                    said.append(event)
                continue
            if event.kind in kinds:
                return event
            if event.kind == "key" and len(event.value) == 1 and event.value in keys:
                self.control.hush(self.call_id)
                return event

    def _result(self, event: CallEvent) -> Result:
        if event.kind == "ended":
            return Ended(status_code(event.value))
        if event.kind == "key":
            return Pressed(event.value)
        return Done()

    def _put_back(self, kept: list[CallEvent | Say]) -> None:
        """``kept`` first again, before the events that came after them."""
        if not kept:
            return
        later = []
        while not self._events.empty():
            later.append(self._events.get_nowait())
        for event in (*kept, *later):
            self._events.put_nowait(event)

    def _drop_old_quiet(self) -> None:
        kept = []
        while not self._events.empty():
            event = self._events.get_nowait()
            if isinstance(event, Say) or event.kind != "quiet":
                kept.append(event)
        for event in kept:
            self._events.put_nowait(event)


def _typed(step: Gather, typed: str) -> Gathered | TimedOut:
    """What a gather of several keys took when it ended before its most."""
    return Gathered(typed) if typed and len(typed) >= step.min_digits else TimedOut()


async def unless_ended(step: Awaitable[T], other: CallRunner) -> T | None:
    """The step's result, or None when ``other`` ended first (the step is given up): two
    calls that go together, as the two legs of a bridged call."""
    running = asyncio.ensure_future(step)
    try:
        either: set[asyncio.Future[Any]] = {running, other.ended}
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not running.done():
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
    return None if running.cancelled() else running.result()
