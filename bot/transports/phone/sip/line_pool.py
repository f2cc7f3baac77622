"""Several lines for more calls at once: line processes that take the calls of one SIP user.

PJSIP as published for Python (the pjsua2-python wheel) takes at most 4 calls at once in a
process. With ``phone.lines`` above 1 the transport runs that many line processes (line_process.py),
each a SIP stack with its own SIP port and its share of the RTP ports, each registered at
the registrar for the same user: the registrar then has one contact per line and rings
them all for every call (parallel forking, RFC 3261 16.7 - sipgate, Kamailio, Asterisk with
``max_contacts`` of at least the lines do). Which line takes a call is decided once, by
the first line process that sees its INVITE, in the places all lines share (places.py),
before any PJSIP takes the call into one of its 4 slots (invite_filter.py): the line given
the call answers it, the others answer their branch 486 at once (which ends only their
branch). One more process, the notice line (number ``count``, registered as the lines
are), takes the calls that come when every place is taken: each hears the busy notice
(busy_notice.py) as early media, then 486, and the registrar answers the caller 486 once
every branch did. So 20 calls in one instant take the 20 places of 5 lines, and the 21st
hears why it is refused. The bot's own calls go out through the line with the fewest
calls (never the notice line).

:class:`Lines` is a :class:`~bot.transports.phone.sip.call_control.CallControl` as the single
stack is, with call ids of its own: a line's call id plus 1000 times the line's number. A line
that ends by itself ends its calls and is started again. Registration is told as the
lines' worst answer: a refusal by any line is a refusal (doctor says so), all of them
registered is registered. The INVITE filter is told likewise, once every line's start
checked it: on at every line is on, else the first line's reason it is off (a line
without it still asks the places, when the call comes); the requests the lines' filters
refused are told as they come. A line that dies or says nothing for ``START_SECONDS`` while it
starts is named (its exit code or signal) and tried once more; one that says why it cannot
start (a taken port) stops the start at once.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.transports.phone.sip.call_control import CallEvent, Listener, StackSettings, event
from bot.transports.phone.sip.frames import MAX_FRAME, encode, read_frame, settings_frame
from bot.transports.phone.sip.places import SharedPlaces

log = logging.getLogger(__name__)

# A line's call ids are below PJSUA_MAX_CALLS: the line's number is the thousands.
SPAN = 1000
# A line that ended by itself is started again after this pause (seconds), so a line that
# cannot start does not spin.
RESTART_PAUSE = 2.0
# A line says it started within this many seconds (a SIP stack starts in well under one);
# one that says nothing by then is stuck: ended and named, not waited for without end.
START_SECONDS = 30.0
# How a line is run (its entry point, ``python -m``).
LINE_COMMAND = ("-m", "bot.transports.phone.sip.line_process")


class LineDied(RuntimeError):
    """A line process ended, or said nothing, before it started (not a refusal it named)."""


def line_settings(
    settings: StackSettings, number: int, count: int, places_file: str = ""
) -> StackSettings:
    """Line ``number``'s SIP port (``port`` + number; 0: any) and its share of the RTP
    ports, of ``count`` lines and the notice line (number ``count``)."""
    share = max(8, settings.rtp_ports // (count + 1))
    return replace(
        settings,
        port=settings.port + number if settings.port else 0,
        rtp_port=settings.rtp_port + number * share if settings.rtp_port else 0,
        rtp_ports=share,
        places_file=places_file,
        line=number,
        lines=count,
    )


class _Line:
    def __init__(self, number: int, settings: StackSettings) -> None:
        self.number = number
        self.settings = settings
        self.process: asyncio.subprocess.Process | None = None
        self.port = 0
        self.calls: set[int] = set()  # the line's own call ids, answered or made
        self.registered = ""  # the registrar's last answer to this line
        self.filter = ""  # its INVITE filter's state, as its start's check found it
        self.reading: asyncio.Task[None] | None = None


class Lines:
    """``count`` line processes behind the stack's methods; ``on_event`` gets
    :class:`CallEvent` with the lines' call ids."""

    def __init__(
        self, settings: StackSettings, on_event: Callable[[CallEvent], None], count: int
    ) -> None:
        self.settings = settings
        self.on_event = on_event
        self.port = 0
        self.count = count
        # The places the line processes share (places.py), in a folder of the bot's own.
        self._folder = Path(tempfile.mkdtemp(prefix="nachbarbot-lines-"))
        places = self._folder / "places.json"
        self.places = SharedPlaces(places, -1, count)
        # The lines that take calls, then the notice line.
        self._lines = [
            _Line(number, line_settings(settings, number, count, str(places)))
            for number in range(count + 1)
        ]
        self._asks: dict[int, asyncio.Future[Any]] = {}
        self._told: dict[int, Listener] = {}
        self._made: dict[int, int] = {}  # a made call's id → its make_call's number
        self._next_ask = 0
        self._stopping = False
        self._restarts: set[asyncio.Task[None]] = set()

    # -- starting and stopping

    async def start(self) -> None:
        self._stopping = False
        self._folder.mkdir(mode=0o700, exist_ok=True)
        SharedPlaces.create(self.places.path, self.count)
        try:
            for line in self._lines:
                await self._start_or_again(line)
        except BaseException:
            await self.stop()
            raise
        self.port = self._lines[0].port

    async def _start(self, line: _Line) -> None:
        # The whole start is timed, the process's making and end too, not only its first
        # frame: a start that stuck anywhere is named and tried again, never waited for.
        try:
            async with asyncio.timeout(START_SECONDS):
                await self._spawn(line)
        except TimeoutError:
            process, line.process = line.process, None
            if process is not None and process.returncode is None:
                process.kill()
            raise LineDied(
                f"phone line {line.number} did not start: "
                f"nothing from it within {START_SECONDS:.0f} s"
            ) from None
        log.info("phone line %d started", line.number)

    async def _spawn(self, line: _Line) -> None:
        env = dict(os.environ)
        env.setdefault("NACHBARBOT_LOG_LEVEL", logging.getLevelName(log.getEffectiveLevel()))
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *LINE_COMMAND,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
            limit=MAX_FRAME,
        )
        assert process.stdin is not None and process.stdout is not None
        line.process = process
        process.stdin.write(encode(settings_frame(line.settings)))
        first = await read_frame(process.stdout)
        if first is None or "started" not in first:
            failed = (first or {}).get("failed")
            if failed:
                raise RuntimeError(f"phone line {line.number} did not start: {failed}")
            ended = _ended(await process.wait())
            raise LineDied(f"phone line {line.number} did not start: {ended}")
        line.port = int(first["started"])
        line.reading = asyncio.create_task(self._read(line, process))

    async def _start_or_again(self, line: _Line) -> None:
        """Start ``line``; a line that died or stuck while starting (not one that said why
        it cannot, such as a taken port) is tried once more."""
        try:
            await self._start(line)
        except LineDied as died:
            log.warning("%s: starting it again", died)
            await asyncio.sleep(RESTART_PAUSE)
            await self._start(line)

    async def stop(self) -> None:
        self._stopping = True
        for task in list(self._restarts):
            task.cancel()
        for line in self._lines:
            process, line.process = line.process, None
            if process is None:
                continue
            if process.stdin is not None:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    process.stdin.write(encode({"op": "stop"}))
                    process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
            if line.reading is not None:
                await line.reading
                line.reading = None
        for waiting in self._asks.values():
            if not waiting.done():
                waiting.set_exception(RuntimeError("the phone lines stopped"))
        self._asks.clear()
        shutil.rmtree(self._folder, ignore_errors=True)

    # -- what the lines tell

    async def _read(self, line: _Line, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        try:
            while (message := await read_frame(process.stdout)) is not None:
                self._heard(line, message)
        except (ValueError, OSError):
            log.warning("phone line %d: a broken frame", line.number)
        finally:
            self._gone(line)
        if not self._stopping and process.returncode is None:
            process.kill()
        if not self._stopping:
            restart = asyncio.create_task(self._restart(line))
            self._restarts.add(restart)
            restart.add_done_callback(self._restarts.discard)

    def _gone(self, line: _Line) -> None:
        line.port = 0
        with contextlib.suppress(OSError):
            self.places.set_down(line.number)  # given no call until it runs again
        for own in list(line.calls):
            self._call_ended(line, own)
        line.calls.clear()

    async def _restart(self, line: _Line) -> None:
        log.warning("phone line %d ended by itself: started again", line.number)
        await asyncio.sleep(RESTART_PAUSE)
        if self._stopping:
            return
        try:
            await self._start(line)
        except (RuntimeError, OSError):
            log.warning("phone line %d did not start again", line.number)
            restart = asyncio.create_task(self._restart(line))
            self._restarts.add(restart)
            restart.add_done_callback(self._restarts.discard)

    def _heard(self, line: _Line, message: dict[str, Any]) -> None:
        if "answer" in message:
            self._answered(line, message)
        elif "told" in message:
            self._told_about(line, message)
        elif "event" in message:
            self._event(line, str(message["event"]), int(message["call"]), message["value"])

    def _answered(self, line: _Line, message: dict[str, Any]) -> None:
        waiting = self._asks.pop(int(message["answer"]), None)
        if waiting is None or waiting.done():
            return
        if "error" in message:
            waiting.set_exception(RuntimeError(str(message["error"])))
        else:
            waiting.set_result(message.get("result"))

    def _told_about(self, line: _Line, message: dict[str, Any]) -> None:
        ask = int(message["told"])
        listener = self._told.get(ask)
        if listener is None:
            return
        own = int(message.get("call", -1))
        told = event(str(message["kind"]), line.number * SPAN + own, str(message["value"]))
        if told.kind == "ended":
            self._told.pop(ask, None)
            for whose, made in list(self._made.items()):
                if made == ask:
                    del self._made[whose]
                    line.calls.discard(whose % SPAN)
        listener(told)

    def _event(self, line: _Line, kind: str, own: int, value: str) -> None:
        if kind == "registered":
            line.registered = value
            self._registered()
            return
        if kind == "filter":
            line.filter = value
            self._filtered()
            return
        if kind == "unreadable":
            self.on_event(CallEvent("unreadable", -1, value))
            return
        if kind == "call":
            line.calls.add(own)
        elif own not in line.calls:
            return
        if kind == "ended":
            self._call_ended(line, own)
            return
        self.on_event(event(kind, line.number * SPAN + own, value))

    def _call_ended(self, line: _Line, own: int) -> None:
        line.calls.discard(own)
        whose = line.number * SPAN + own
        ask = self._made.pop(whose, None)
        if ask is not None:
            listener = self._told.pop(ask, None)
            if listener is not None:
                listener(CallEvent("ended", whose, "0"))
            return
        self.on_event(CallEvent("ended", whose))

    def set_busy_notice(self, prompts: list[Path]) -> None:
        """Handed to the notice line when it starts (its settings frame)."""
        notice = tuple(str(path) for path in prompts)
        notice_line = self._lines[self.count]
        notice_line.settings = replace(notice_line.settings, busy_notice=notice)

    def _filtered(self) -> None:
        """The lines' filter, told when every line's start checked it: on when on at
        every line, else the first line's reason it is off."""
        states = [line.filter for line in self._lines]
        if all(states):
            off = next((state for state in states if state != "on"), "on")
            self.on_event(CallEvent("filter", -1, off))

    def _registered(self) -> None:
        answers = [line.registered for line in self._lines]
        refused = next((code for code in answers if code and not code.startswith("2")), None)
        if refused is not None:
            self.on_event(CallEvent("registered", -1, refused))
        elif all(answers):
            self.on_event(CallEvent("registered", -1, answers[0]))

    # -- the stack's methods

    def _send(self, line: _Line, message: dict[str, Any]) -> bool:
        process = line.process
        if process is None or process.stdin is None or process.stdin.is_closing():
            return False
        process.stdin.write(encode(message))
        return True

    def _line_of(self, call_id: int) -> tuple[_Line, int] | None:
        number, own = divmod(call_id, SPAN)
        if 0 <= number < len(self._lines):
            return self._lines[number], own
        return None

    def _command(self, call_id: int, op: str, **more: Any) -> None:
        found = self._line_of(call_id)
        if found is not None:
            self._send(found[0], {"op": op, "call": found[1], **more})

    def _ask(self, line: _Line, op: str, **more: Any) -> tuple[int, asyncio.Future[Any]]:
        self._next_ask += 1
        ask = self._next_ask
        waiting: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if self._send(line, {"op": op, "ask": ask, **more}):
            self._asks[ask] = waiting
        else:
            waiting.set_exception(RuntimeError("the phone line is not running"))
        return ask, waiting

    def say(self, call_id: int, prompts: list[Path]) -> None:
        self._command(call_id, "say", prompts=[str(path) for path in prompts])

    def hush(self, call_id: int) -> None:
        self._command(call_id, "hush")

    def hang_up(self, call_id: int) -> None:
        self._command(call_id, "hang_up")

    async def _asked(self, call_id: int, op: str, gone: Any, **more: Any) -> Any:
        found = self._line_of(call_id)
        if found is None:
            return gone
        try:
            return await self._ask(found[0], op, call=found[1], **more)[1]
        except RuntimeError:
            return gone

    async def record(self, call_id: int) -> bool:
        return bool(await self._asked(call_id, "record", False))

    async def end_recording(self, call_id: int) -> bytes:
        words = await self._asked(call_id, "end_recording", "")
        return base64.b64decode(words) if words else b""

    async def level(self, call_id: int) -> int:
        return int(await self._asked(call_id, "level", -1))

    async def transfer(self, call_id: int, uri: str) -> bool:
        return bool(await self._asked(call_id, "transfer", False, uri=uri))

    async def bridge(self, call_id: int, other_id: int) -> bool:
        """As :meth:`Stack.bridge`; False for calls on two lines (each line's conference
        bridge is its own process's)."""
        one, other = self._line_of(call_id), self._line_of(other_id)
        if one is None or other is None or one[0] is not other[0]:
            return False
        return bool(await self._asked(call_id, "bridge", False, other=other[1]))

    async def make_call(self, uri: str, listener: Listener, *, beside: int | None = None) -> int:
        """As :meth:`Stack.make_call`, through the line with the fewest calls - or, with
        ``beside``, through the line of that call (two calls bridged must share a line's
        conference bridge, :meth:`bridge`)."""
        running = [line for line in self._lines[: self.count] if line.process is not None]
        if not running:
            raise RuntimeError("no phone line is running")
        line = min(running, key=lambda line: len(line.calls))
        if beside is not None:
            found = self._line_of(beside)
            if found is None or found[0].process is None:
                raise RuntimeError("the call's line is not running")
            line = found[0]
        ask, waiting = self._ask(line, "make_call", uri=uri)
        self._told[ask] = listener
        try:
            own = int(await waiting)
        except BaseException:
            self._told.pop(ask, None)
            raise
        if ask in self._told:  # not ended at once
            line.calls.add(own)
            self._made[line.number * SPAN + own] = ask
        return line.number * SPAN + own


def _ended(code: int) -> str:
    """How a line process that said nothing ended: its exit code, or the signal that
    ended it (a crash in the SIP stack: SIGSEGV, SIGABRT), for the operator's log."""
    if code < 0:
        try:
            return f"it ended by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"it ended by signal {-code}"
    return f"it ended with exit code {code}"
