"""The phone line (bot/transports/phone): 20 calls at once through SIPp and Kamailio.

The bot runs in this process as in ``run`` (the phone transport, the dispatcher, SQLite, the
embedded eSpeak NG saying the prompts at 16 kHz), registered at Kamailio on 127.0.0.1.
SIPp (tests/support/sip/sipp.py) makes ``CALLS`` calls at once, each from a number of its
own, and follows a new caller's script: listen 1.5 s to the languages, press "1#" (German),
"1" (agree to the privacy notice) and "#" (the main menu's way back: the menu again), listen,
hang up. Rounds of ``CALLS`` calls until ``TOTAL`` calls were made; a first call before them
makes the prompts (they are cached per text, as in a running bot).

Measured on the bot's side (SIPp keeps no audio): the SIP stack's thread notes when a call
is answered, when a key comes (``onDtmfDigit``) and when a prompt starts playing (a player
connected to the call), by wrapping those methods of bot/transports/phone/stack.py here -
the bot's code is not changed for the bench.

1. Answer → the first prompt's audio starts: p95, target ≤ 500 ms.
2. The key that completes a choice → the next prompt starts: p95, target ≤ 300 ms.
3. Gaps between the RTP packets the bot sends, p99, target ≤ 30 ms: read on the loopback
   interface with a packet socket (AF_PACKET, needs root; kernel timestamps), the bot's RTP
   ports only, every call's flow on its own.
4. Resident memory after the first round and after all calls: flat.

Run: .venv/bin/python bench/phone_bench.py
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import struct
import sys
import tempfile
import threading
import time
from array import array
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.transports.phone import stack as sip
from bot.transports.phone.stack import StackSettings
from bot.transports.phone.transport import PhoneTransport
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support.sip.kamailio import HOST, KamailioServer
from tests.support.sip.sipp import SCENARIOS, Step, run_scenario

CALLS = 20
TOTAL = 200
BOT_USER, BOT_PASSWORD = "nachbarbot", "bench-secret"
RTP_FIRST = 42000  # the bot's RTP ports: this and the next 99
# Linux's SO_TIMESTAMPNS, which Python's socket module does not name.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
# Each call's From user: the round's prefix and SIPp's call number, a number of its own.
SCRIPT = [Step(1500, "1#1#")]
AFTER_MS = 2500


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fp:
        for line in fp:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def counted_percentile(counts: Counter[int], share: float) -> float:
    """The percentile of values counted by value."""
    total = sum(counts.values())
    if not total:
        return float("nan")
    rank = round(share * (total - 1))
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen > rank:
            return float(value)
    return float(max(counts))


class Notes:
    """What the stack's thread did when, per call (time.monotonic(), seconds); a call's
    delays are worked out when it ends and kept as numbers only (the bench's own memory
    stays small next to the bot's)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: dict[int, list[tuple[float, str]]] = defaultdict(list)
        self.first: array[float] = array("d")
        self.after_key: array[float] = array("d")
        self.complete = 0

    def note(self, call_id: int, what: str) -> None:
        with self.lock:
            self.events[call_id].append((time.monotonic(), what))

    def end(self, call_id: int) -> None:
        with self.lock:
            events = self.events.pop(call_id, [])
        first, after_key, complete = delays([events])
        self.first.extend(first)
        self.after_key.extend(after_key)
        self.complete += complete

    def clear(self) -> None:
        self.first, self.after_key, self.complete = array("d"), array("d"), 0


def instrument(notes: Notes) -> None:
    """Wrap the stack's answer, key and play methods (in its own thread) to note times."""
    incoming, digit, play_next, ended = (
        sip.Stack._incoming,
        sip._Call.onDtmfDigit,
        sip._Call.play_next,
        sip.Stack._ended,
    )

    def noted_incoming(self, account, call_id):  # type: ignore[no-untyped-def]
        notes.note(call_id, "answer")
        incoming(self, account, call_id)

    def noted_digit(self, prm):  # type: ignore[no-untyped-def]
        notes.note(self.getId(), "key:" + str(prm.digit))
        digit(self, prm)

    def noted_play(self):  # type: ignore[no-untyped-def]
        before = self.player
        play_next(self)
        if before is None and self.player is not None:
            notes.note(self.getId(), "play")

    def noted_end(self, call):  # type: ignore[no-untyped-def]
        notes.end(call.getId())
        ended(self, call)

    sip.Stack._incoming = noted_incoming  # type: ignore[method-assign]
    sip._Call.onDtmfDigit = noted_digit  # type: ignore[method-assign]
    sip._Call.play_next = noted_play  # type: ignore[method-assign]
    sip.Stack._ended = noted_end  # type: ignore[method-assign]


def delays(calls: list[list[tuple[float, str]]]) -> tuple[list[float], list[float], int]:
    """Answer → first play, and each completing key → the next play; how many calls
    followed the whole script (four prompts: languages, notice, menu, menu again)."""
    first: list[float] = []
    after_key: list[float] = []
    complete = 0
    for events in calls:
        answer = next((at for at, what in events if what == "answer"), None)
        plays = [at for at, what in events if what == "play"]
        if answer is not None and plays:
            first.append(plays[0] - answer)
        keys = [(at, what[4:]) for at, what in events if what.startswith("key:")]
        # "1#": the "#" completes the language (ten choices); "1": consent at once; "#":
        # the menu's way back. Each is followed by a prompt.
        completing = [keys[i][0] for i in (1, 2, 3) if i < len(keys)]
        for pressed in completing:
            following = [at for at in plays if at > pressed]
            if following:
                after_key.append(following[0] - pressed)
        if len(plays) >= 4 and len(keys) == 4:
            complete += 1
    return first, after_key, complete


class RtpGaps:
    """Gaps between the RTP packets sent from the bot's ports, per flow, by kernel
    timestamps of a packet socket on the loopback interface."""

    def __init__(self, first_port: int, count: int = 100) -> None:
        self.ports = range(first_port, first_port + count)
        self.last: dict[tuple[int, int], float] = {}
        # Gaps counted per 0.1 ms: bounded, whatever the number of packets.
        self.gaps: Counter[int] = Counter()
        self.running = False
        self.error = ""
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        try:
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.ntohs(0x0800))
            sock.bind(("lo", 0))
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            sock.settimeout(0.2)
        except (OSError, AttributeError) as exc:
            self.error = f"no packet socket ({type(exc).__name__}: needs root)"
            return
        self._sock = sock
        self.running = True
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        sock = self._sock
        assert sock is not None
        while self.running:
            try:
                data, ancillary, _, _ = sock.recvmsg(128, socket.CMSG_SPACE(16))
            except TimeoutError:
                continue
            except OSError:
                return
            if len(data) < 28 or data[9] != 17:  # IPv4 / UDP
                continue
            header = (data[0] & 0x0F) * 4
            source, target = struct.unpack("!HH", data[header : header + 4])
            if source not in self.ports:
                continue
            payload_type = data[header + 9] & 0x7F if len(data) > header + 9 else -1
            if payload_type >= 96:  # keypad events, not audio
                continue
            stamp = time.monotonic()
            for level, kind, value in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    seconds, nanos = struct.unpack("qq", value[:16])
                    stamp = seconds + nanos / 1e9
            flow = (source, target)
            last = self.last.get(flow)
            # A port taken again by a later call after a pause is a new flow.
            if last is not None and stamp - last < 1.0:
                self.gaps[round((stamp - last) * 10000)] += 1
            self.last[flow] = stamp

    def stop(self) -> None:
        self.running = False
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._sock is not None:
            self._sock.close()


def bench_scenario(folder: Path) -> str:
    """uac_dtmf.xml with the From user [caller][call_number]: every call a caller of its own."""
    text = (SCENARIOS / "uac_dtmf.xml").read_text()
    text = text.replace("sip:[caller]@", "sip:[caller][call_number]@")
    path = folder / "uac_bench.xml"
    path.write_text(text)
    return str(path)  # absolute: sipp.py takes it in place of a name in its folder


async def measure() -> list[tuple[str, str, str]]:
    logging.basicConfig(level=logging.WARNING)
    notes = Notes()
    instrument(notes)
    folder = Path(tempfile.mkdtemp(prefix="nachbarbot-phone-bench-"))
    scenario = bench_scenario(folder)
    db = await Database.open(f"sqlite:///{folder / 'bench.sqlite3'}")
    settings = HandlerSettings(city="Dortmund", inactive_account_days=365, max_text_length=500)
    settings = replace(settings, heard_platforms=frozenset({"phone"}))
    dispatcher = Dispatcher(db, build_router(), settings)
    kamailio = KamailioServer(users={BOT_USER: BOT_PASSWORD})
    kamailio.start()
    phone = PhoneTransport(
        dispatcher,
        StackSettings(
            bind=HOST,
            rtp_port=RTP_FIRST,
            registrar=kamailio.registrar_uri,
            user=BOT_USER,
            password=BOT_PASSWORD,
            clock_rate=16000,
        ),
    )
    gaps = RtpGaps(RTP_FIRST)
    rows: list[tuple[str, str, str]] = []
    try:
        await phone.connect()
        await asyncio.wait_for(phone.registered.wait(), 20)

        async def round_of(calls: int, prefix: str) -> tuple[int, int]:
            result = await asyncio.to_thread(
                run_scenario,
                kamailio.domain,
                BOT_USER,
                scenario=scenario,
                steps=SCRIPT,
                after_ms=AFTER_MS,
                caller=prefix,
                calls=calls,
                rate=float(calls),
                limit=calls,
                timeout_s=120,
            )
            return result.count("SuccessfulCall"), result.count("FailedCall")

        # The prompts made once (cached per text, as in a running bot).
        await round_of(1, "+4923199000")
        for _ in range(200):
            if not phone._calls:
                break
            await asyncio.sleep(0.05)
        notes.clear()
        gaps.start()
        succeeded = failed = 0
        memory: list[float] = []
        for number in range(TOTAL // CALLS):
            done, lost = await round_of(CALLS, f"+49231{number:03d}00")
            succeeded, failed = succeeded + done, failed + lost
            for _ in range(200):  # the bot's side of the calls ended too
                if not phone._calls:
                    break
                await asyncio.sleep(0.05)
            memory.append(rss_mb())
        gaps.stop()
        first, after_key, complete = list(notes.first), list(notes.after_key), notes.complete
        rows.append(
            (
                f"{TOTAL} calls, {CALLS} at once: completed",
                f"{succeeded} of {TOTAL}",
                f"SIPp: {failed} failed; the bot heard the whole script in {complete}",
            )
        )
        rows.append(
            (
                "answer → first prompt p95",
                f"{percentile(first, 0.95) * 1000:.0f} ms",
                f"target ≤ 500 ms; p50 {percentile(first, 0.5) * 1000:.0f} ms, {len(first)} calls",
            )
        )
        rows.append(
            (
                "keypress → next prompt p95",
                f"{percentile(after_key, 0.95) * 1000:.0f} ms",
                f"target ≤ 300 ms; p50 {percentile(after_key, 0.5) * 1000:.0f} ms, "
                f"{len(after_key)} keys",
            )
        )
        if gaps.error:
            rows.append(("RTP gaps p99", "not measured", gaps.error))
        else:
            count = sum(gaps.gaps.values())
            rows.append(
                (
                    "RTP gaps p99",
                    f"{counted_percentile(gaps.gaps, 0.99) / 10:.1f} ms",
                    f"target ≤ 30 ms; max {max(gaps.gaps, default=0) / 10:.1f} ms, {count} gaps",
                )
            )
        rows.append(
            (
                "RSS after round 1 / last",
                f"{memory[0]:.0f} / {memory[-1]:.0f} MB",
                f"flat over {TOTAL} calls (after each round: "
                + " ".join(f"{m:.0f}" for m in memory)
                + ")",
            )
        )
    finally:
        gaps.stop()
        await phone.stop()
        kamailio.stop()
        await db.close()
    return rows


def main() -> None:
    # PJSIP writes its start to the C library's stdout, where make bench reads rows: to
    # stderr while the bot runs.
    sys.stdout.flush()
    kept = os.dup(1)
    os.dup2(2, 1)
    try:
        rows = asyncio.run(measure())
    finally:
        sys.stdout.flush()
        os.dup2(kept, 1)
        os.close(kept)
    load = os.getloadavg()
    print(
        f"phone benchmark, {TOTAL} calls, {CALLS} at once, {datetime.now(UTC):%Y-%m-%d}, "
        f"load {load[0]:.1f}"
    )
    for label, value, reference in rows:
        print(f"{label:<40}{value:>16}  {reference}")


if __name__ == "__main__":
    main()
