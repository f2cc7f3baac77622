"""The phone's lines: the SIP edge (edge.py) and the line processes behind it.

PJSIP as published for Python (the pjsua2-python wheel) holds at most ``CALLS_PER_LINE`` (4)
calls at once in a process. The transport runs ``phone.lines`` line processes
(line_process.py), each a SIP stack listening on a loopback port of its own with its share
of the RTP ports, one more - the notice line - that says the busy notice (all_lines_busy.py)
as early media, then 486, and in front of them the edge: a Kamailio of the bot's own on the
phone's public SIP address (``[phone] bind``:``port``). The edge admits the provider only,
chooses the line with the fewest calls for each call it lets through (the notice line when
every line is full) and lets the lines' own requests out. So 20 calls in one instant take
the 20 places of 5 lines, the 21st hears why it is refused, and a flood of INVITEs from
anyone else is answered (or dropped) by the edge without a line seeing it.

Only the notice line registers, through the edge, with the edge's public address as its
contact (the registrar holds one contact, as for one phone); the others take calls and make
the bot's own. The notice line is the one that can: its contact is the one of its calls'
dialogs too, and those never go past early media (a line answering calls with the edge's
address as its contact would have them come back to the edge with no line named). The bot's
own calls go out through the line with the fewest calls (never the notice line), through the
edge, which counts them toward that line.

:class:`Lines` is a :class:`~bot.transports.phone.sip.call_control.CallControl` as the single
stack is, with call ids of its own: a line's call id plus 1000 times the line's number. A line
that ends by itself ends its calls and is started again, and so is the edge. The edge is told
of a line's end at once (edge_control.py): it gives the line no call until it runs again
(``_Line.ready``) and ends the line's answered calls, so their callers hear the end and their
places are free. A line that dies
or says nothing for ``START_SECONDS`` while it starts is named (its exit code or signal) and
tried once more; one that says why it cannot start (a taken port) stops the start at once.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.transports.phone.sip import edge_memory
from bot.transports.phone.sip.admission import new_token
from bot.transports.phone.sip.call_control import CallEvent, Listener, StackSettings, event
from bot.transports.phone.sip.edge import Edge, EdgePlan
from bot.transports.phone.sip.edge_control import ControlFailed
from bot.transports.phone.sip.frames import MAX_FRAME, encode, read_frame, settings_frame
from bot.transports.phone.sip.media_relay import MediaRelay, RelayPlan

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


# The private folders of the bots' edges (in the temporary folder); a running bot holds the
# lock of its folder's OWNER file (flock: the kernel drops it when the process ends, however).
FOLDER_PREFIX = "nachbarbot-lines-"
OWNER = "owner.lock"


def own_folder(folder: Path) -> int:
    """The held lock of ``folder``'s OWNER file (its descriptor, not inherited by the
    edge or the lines). Locked before it has its name: never seen unlocked."""
    making = folder / f"{OWNER}.new"
    held = os.open(making, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    fcntl.flock(held, fcntl.LOCK_EX)
    making.rename(folder / OWNER)
    return held


def forget_ended_bots(parent: Path) -> None:
    """Remove the folders of bots that ended without their stop (killed, out of memory):
    their edge, ended by the bot's end, wrote its answered calls there (edge_memory.py:
    the callers' numbers) and nobody else would ever remove them. A folder whose OWNER
    nobody holds is such a bot's; a running bot's (another city's too) is left alone."""
    for folder in parent.glob(f"{FOLDER_PREFIX}*"):
        try:
            held = os.open(folder / OWNER, os.O_RDWR)
        except OSError:  # not made by a bot that ran (or not ours to read)
            continue
        try:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # its bot runs
            continue
        finally:
            os.close(held)
        shutil.rmtree(folder, ignore_errors=True)


# How often a start is made again on other loopback ports when a line's was taken.
PORT_TRIES = 3
# What a line says when its port is bound already (the errno's words, stack.py).
TAKEN = "Address already in use"


class LinePortTaken(RuntimeError):
    """A line's loopback port, chosen by the pool, was bound by another program before the
    line bound it."""


class LineDied(RuntimeError):
    """A line process ended, or said nothing, before it started (not a refusal it named)."""


def loopback_ports(count: int) -> list[int]:
    """``count`` UDP ports free on 127.0.0.1 now (the lines' and the edge's inner ones:
    nobody outside needs to know them)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sockets.append(sock)
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def line_settings(
    settings: StackSettings, number: int, count: int, port: int = 0, inner: int = 0
) -> StackSettings:
    """Line ``number``'s settings, of ``count`` lines and the notice line (number
    ``count``): SIP on 127.0.0.1:``port`` (0: any) behind the edge (whose loopback socket,
    ``inner``, is its outbound proxy), its RTP on 127.0.0.1 at any port (the media relay
    holds ``rtp_port`` and the range outside); only the notice line registers, with the
    edge's public address as its contact - without the token, which the edge adds to the
    REGISTER alone (edge.py): a line's answers and calls carry none."""
    host = settings.public_address or EdgePlan.host_of(settings.bind)
    contact = f"<sip:{settings.user}@{host}:{settings.port}>"
    return replace(
        settings,
        sip_bind="127.0.0.1",
        port=port,
        rtp_port=0,
        line=number,
        outbound_proxy=f"sip:127.0.0.1:{inner}" if inner else "",
        trusted_peers=(f"127.0.0.1:{inner}",) if inner else (),
        contact=contact if settings.registrar and settings.port and number == count else "",
        registers=number == count,
        notice=number == count,
    )


class _Line:
    def __init__(self, number: int, settings: StackSettings) -> None:
        self.number = number
        self.settings = settings
        self.process: asyncio.subprocess.Process | None = None
        self.port = 0
        self.calls: set[int] = set()  # the line's own call ids, answered or made
        self.reading: asyncio.Task[None] | None = None
        # Set while the line runs and the edge gives it calls; cleared when it ends.
        self.ready = asyncio.Event()
        # It died while the edge could not be told (the edge was starting again).
        self.unsaid = False
        # When its process was last started since it died (time.time(); 0: not since).
        # The calls the edge kept of the dead one were answered before (RESTART_PAUSE
        # lies between): only those are ended when the edge is told late (_retell).
        self.spawned = 0.0

    @property
    def at_edge(self) -> str:
        """The line's name in the edge's profile ``line``: its number, or ``notice``."""
        return "notice" if self.settings.notice else str(self.number)


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
        # The edge's configuration, in a folder of the bot's own.
        self._folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
        self._owner: int | None = None  # the held lock of its OWNER file, while it runs
        # The lines that take calls, then the notice line (their ports: at the start).
        self._lines = [
            _Line(number, line_settings(settings, number, count)) for number in range(count + 1)
        ]
        self.edge: Edge | None = None
        self.relay: MediaRelay | None = None
        self._watching: asyncio.Task[None] | None = None
        self._watching_relay: asyncio.Task[None] | None = None
        self._asks: dict[int, asyncio.Future[Any]] = {}
        self._told: dict[int, Listener] = {}
        self._made: dict[int, int] = {}  # a made call's id → its make_call's number
        self._next_ask = 0
        self._stopping = False
        self._restarts: set[asyncio.Task[None]] = set()

    # -- starting and stopping

    async def start(self) -> None:
        """The relay, the edge and the lines on loopback ports chosen now; a line whose
        chosen port another program took between the choice and its binding (any UDP
        socket of the machine bound to "any port" may get it: a call's RTP, a resolver's
        query) is no fault of the operator's - the start is made again on other ports, at
        most PORT_TRIES times."""
        for attempt in range(1, PORT_TRIES + 1):
            try:
                await self._start_once()
                return
            except LinePortTaken as taken:
                if attempt == PORT_TRIES:
                    raise
                log.warning("%s: its loopback port was taken meanwhile: other ports", taken)

    async def _start_once(self) -> None:
        self._stopping = False
        self._folder.mkdir(mode=0o700, exist_ok=True)
        forget_ended_bots(self._folder.parent)
        self._owner = self._owner or own_folder(self._folder)
        settings = self.settings
        if not settings.port:
            settings = self.settings = replace(settings, port=loopback_ports(1)[0])
        # A token of this start's own (admission.py): one that leaked before dies with it,
        # and the notice line registers the new one.
        if settings.registrar:
            settings = replace(settings, token=new_token())
        control, inner, *ports = loopback_ports(self.count + 3)
        plan = EdgePlan.of(settings, inner=inner, lines=ports[:-1], notice=ports[-1], relay=control)
        # The address the provider reaches the edge at: the lines' contact too.
        settings = replace(settings, public_address=plan.public_address)
        self.relay = MediaRelay(RelayPlan.of(settings, plan, control))
        try:
            await self.relay.start()
            self._watching_relay = asyncio.create_task(self._watch_relay(self.relay))
            # The loopback ports are chosen again once the relay runs: the shorter the
            # while between the choice and the binding, the less another program takes one.
            inner, *ports = loopback_ports(self.count + 2)
            plan = replace(plan, inner=inner, lines=tuple(ports[:-1]), notice=ports[-1])
            for line, port in zip(self._lines, ports, strict=True):
                line.settings = replace(
                    line_settings(settings, line.number, self.count, port, inner),
                    busy_notice=line.settings.busy_notice,
                )
            self.edge = Edge(plan, self._folder)
            await self.edge.start()
            self._watching = asyncio.create_task(self._watch(self.edge))
            for line in self._lines:
                await self._start_or_again(line)
        except BaseException:
            await self.stop()
            raise
        self.port = settings.port

    async def _watch(self, edge: Edge) -> None:
        """An edge that ended by itself is started again: it knows the answered calls
        again where Kamailio shut down in order (edge_memory.py), else they are lost (the
        lines keep their calls, the edge counts them no more)."""
        failed_in_a_row = 0
        while True:
            code = await edge.wait()
            if self._stopping:
                return
            log.warning("phone: the SIP edge ended by itself (exit code %s): started again", code)
            await asyncio.sleep(RESTART_PAUSE)
            try:
                await edge.start()
            except (RuntimeError, OSError) as failed:
                failed_in_a_row += 1
                log.error("phone: the SIP edge did not start again: %s", failed)
                # The second failure in a row is tried without the calls it kept: a table it
                # could not read would keep it down for good, while a passing failure (its
                # port still held a moment) must not throw the callers' calls away.
                if failed_in_a_row >= 2:
                    edge_memory.forget(edge.folder)
                continue
            failed_in_a_row = 0
            await self._retell()

    async def _watch_relay(self, relay: MediaRelay) -> None:
        """A media relay that ended by itself is started again: the calls it carried
        lost their audio (the lines hang them up, rtp_timeout_seconds), new ones have it."""
        while True:
            code = await relay.wait()
            if self._stopping:
                return
            log.warning(
                "phone: the media relay ended by itself (exit code %s): started again", code
            )
            await asyncio.sleep(RESTART_PAUSE)
            try:
                await relay.start()
            except (RuntimeError, OSError) as failed:
                log.error("phone: the media relay did not start again: %s", failed)

    async def _retell(self) -> None:
        """After the edge's restart: a line not running is marked down again, and the
        calls the edge kept (edge_memory.py) of a line that died meanwhile are ended."""
        for line in self._lines:
            if line.unsaid or not line.ready.is_set():
                await self._tell_edge(line, down=True)
                if line.ready.is_set():
                    await self._tell_edge(line, down=False)

    async def _start(self, line: _Line) -> None:
        # The whole start is timed, the process's making and end too, not only its first
        # frame: a start that stuck anywhere is named and tried again, never waited for.
        try:
            async with asyncio.timeout(START_SECONDS):
                port = await self._spawn(line)
        except TimeoutError:
            process, line.process = line.process, None
            if process is not None and process.returncode is None:
                process.kill()
            raise LineDied(
                f"phone line {line.number} did not start: "
                f"nothing from it within {START_SECONDS:.0f} s"
            ) from None
        await self._tell_edge(line, down=False)
        if line.reading is None or line.reading.done():
            return  # it died meanwhile: told to the edge again, started again
        # Its port is known once the edge gives it calls again (what the tests wait for).
        line.port = port
        line.ready.set()
        log.info("phone line %d started", line.number)

    async def _tell_edge(self, line: _Line, *, down: bool) -> None:
        """The edge learns that ``line`` died (it gives it no call and ends its answered
        calls at once: the callers hear the end, the places are free) or runs again."""
        edge = self.edge
        if edge is None or not edge.running:
            line.unsaid = line.unsaid or down
            return
        try:
            if down:
                before = int(line.spawned) if line.spawned else None
                ended = await asyncio.to_thread(edge.control.line_down, line.at_edge, before)
                line.unsaid = False
                log.warning("phone line %d: the edge ended its %d calls", line.number, ended)
            else:
                await asyncio.to_thread(edge.control.line_up, line.at_edge)
        except ControlFailed as failed:
            line.unsaid = line.unsaid or down
            if down:
                log.warning("phone line %d: %s", line.number, failed)
            else:
                log.error(
                    "phone line %d gets no call (marked down at the edge): %s", line.number, failed
                )

    async def _spawn(self, line: _Line) -> int:
        env = dict(os.environ)
        env.setdefault("NACHBARBOT_LOG_LEVEL", logging.getLevelName(log.getEffectiveLevel()))
        line.spawned = time.time()
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
                # The line's SIP port is one the pool chose on loopback (line_settings):
                # taken, it is chosen again (start), never the operator's to mend.
                kind = LinePortTaken if TAKEN in str(failed) else RuntimeError
                raise kind(f"phone line {line.number} did not start: {failed}")
            ended = _ended(await process.wait())
            raise LineDied(f"phone line {line.number} did not start: {ended}")
        line.reading = asyncio.create_task(self._read(line, process))
        return int(first["started"])

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
        for watching in (self._watching, self._watching_relay):
            if watching is not None:
                watching.cancel()
        self._watching = self._watching_relay = None
        # All lines are told at once, then waited for: each hangs up and ends in its own
        # time (its BYEs, its unregistering), none after the others.
        stopping: list[tuple[_Line, asyncio.subprocess.Process]] = []
        for line in self._lines:
            process, line.process = line.process, None
            if process is None:
                continue
            if process.stdin is not None:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    process.stdin.write(encode({"op": "stop"}))
                    process.stdin.close()
            stopping.append((line, process))
        for line, process in stopping:
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
        if self.edge is not None:
            await self.edge.stop()
        if self.relay is not None:
            await self.relay.stop()
        shutil.rmtree(self._folder, ignore_errors=True)
        if self._owner is not None:
            os.close(self._owner)
            self._owner = None

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
            restart = asyncio.create_task(self._died(line))
            self._restarts.add(restart)
            restart.add_done_callback(self._restarts.discard)

    def _gone(self, line: _Line) -> None:
        line.ready.clear()
        line.spawned = 0.0
        line.port = 0
        for own in list(line.calls):
            self._call_ended(line, own)
        line.calls.clear()

    async def _died(self, line: _Line) -> None:
        await self._tell_edge(line, down=True)
        await self._restart(line)

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
        if kind == "registered":  # only the notice line registers
            self.on_event(CallEvent("registered", -1, value))
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
