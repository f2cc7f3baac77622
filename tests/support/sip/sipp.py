"""SIPp (Debian's ``sip-tester``, 3.6.1) running a scenario of tests/support/sip/scenarios
against a SIP target on 127.0.0.1: many scripted calls at once, where baresip is one phone.

``run_scenario`` returns SIPp's exit code (0: every call completed its script, 1: some
failed) with its final statistics (the ``-trace_stat`` CSV's last row: ``SuccessfulCall(C)``,
``FailedCall(C)``, ``ResponseTime1(C)`` …) and its error log.

``uac_dtmf.xml`` calls, waits for the 200, ACKs and then follows ``steps``: each a pause
(ms, listening to the answer) and keypad digits sent as RFC 4733 telephone-events with
SIPp's ``play_dtmf`` (new in 3.6: the events are made on the fly, payload type 96, each tone
``tone_ms`` long; SIPp sends them to the media address of the answer's SDP), then hangs up.
SIPp does not decode or keep the audio it receives.

SIPp 3.6.1's ``play_dtmf``, as measured on 127.0.0.1: before the first digit it sends a
tone's length of "no-op" packets (payload type 97, offered as ``no-op/8000``) and as long a
quiet; the digits of one step go out in one RTP sequence (each tone then an equal pause, the
end packet three times), but each further step starts its RTP sequence number and timestamp
again from about where the first one began, so a receiver that drops packets it takes for
old ones may miss the later steps' digits. baresip 1.0.0 gets them all; several digits in one
step are the safe way.
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.processes import end_group
from tests.support.sip.dtmf_pcap import write_dtmf_pcap
from tests.support.sip.kamailio import HOST, free_udp_port

SCENARIOS = Path(__file__).parent / "scenarios"
KEYPAD_MARK = "<!-- KEYPAD -->"
DIGITS = set("0123456789*#ABCD")
# Starts of SIPp on a fresh port when the one it was given was taken before it bound it.
BIND_TRIES = 3


def sipp_binary() -> str:
    found = shutil.which("sipp")
    if found is None:
        raise RuntimeError(
            "SIPp was not found: the phone tests need it."
            " `make test` installs it (Debian package sip-tester)."
        )
    return found


@dataclass(frozen=True)
class Step:
    """Listen ``pause_ms``, then press ``digits`` (may be empty: only listen)."""

    pause_ms: int
    digits: str = ""
    tone_ms: int = 200


@dataclass
class SippResult:
    returncode: int
    stats: dict[str, str] = field(default_factory=dict)
    errors: str = ""
    folder: Path = Path()

    def count(self, name: str) -> int:
        """A cumulative counter, e.g. ``count("SuccessfulCall")``."""
        return int(self.stats.get(f"{name}(C)", "0") or 0)


def keypad_xml(
    steps: Sequence[Step], after_ms: int, folder: Path, payload_type: int | None = None
) -> str:
    """The steps as scenario XML: ``play_dtmf`` (payload type 96) when ``payload_type`` is
    None, else pcaps of the events written to ``folder`` for ``play_pcap_audio``."""
    parts: list[str] = []
    seq, timestamp = 1000, 160000
    for number, step in enumerate(steps):
        if not set(step.digits) <= DIGITS:
            raise ValueError(f"not keypad digits: {step.digits!r}")
        if not 50 <= step.tone_ms <= 2000:
            raise ValueError("keypad tones of 50 to 2000 ms")
        parts.append(f'  <pause milliseconds="{step.pause_ms}"/>')
        if not step.digits:
            continue
        if payload_type is None:
            action = f'play_dtmf="{step.digits},{step.tone_ms}"'
            # play_dtmf only schedules the packets; SIPp 3.6.1 sends a tone's length of
            # "no-op" packets (payload type 97) and as much quiet first, then each digit
            # followed by a pause as long as the tone: wait until the last one has gone.
            sent_ms = (len(step.digits) + 2) * 2 * step.tone_ms + 200
        else:
            pcap = folder / f"keys-{number}.pcap"
            write_dtmf_pcap(
                pcap,
                step.digits,
                payload_type=payload_type,
                tone_ms=step.tone_ms,
                first_seq=seq,
                first_timestamp=timestamp,
            )
            seq += len(step.digits) * (step.tone_ms // 20 + 3)
            timestamp += len(step.digits) * 2 * step.tone_ms * 8 + 8000
            action = f'play_pcap_audio="{pcap}"'
            sent_ms = len(step.digits) * 2 * step.tone_ms + 200
        parts.append(f"  <nop><action><exec {action}/></action></nop>")
        parts.append(f'  <pause milliseconds="{sent_ms}"/>')
    parts.append(f'  <pause milliseconds="{after_ms}"/>')
    return "\n".join(parts)


def _prepare(
    scenario: str,
    steps: Sequence[Step],
    after_ms: int,
    payload_type: int | None,
    numbered_callers: bool = False,
    display: str = "",
    headers: Sequence[str] = (),
    rewrites: Sequence[tuple[str, str]] = (),
) -> tuple[Path, Path]:
    folder = Path(tempfile.mkdtemp(prefix="nachbarbot-sipp-"))
    text = (SCENARIOS / scenario).read_text()
    if numbered_callers:  # the From user: the caller and SIPp's call number
        text = text.replace("sip:[caller]@", "sip:[caller][call_number]@")
    if display:  # the From header's display name, as written (quoted or tokens)
        text = text.replace('From: "SIPp" <sip:', f"From: {display} <sip:")
    if headers:  # more header fields of the INVITE, after its Max-Forwards
        first = text.index("Max-Forwards: 70\n")
        indent = text[text.rindex("\n", 0, first) + 1 : first]
        added = "".join(f"{indent}{header}\n" for header in headers)
        end = first + len("Max-Forwards: 70\n")
        text = text[:end] + added + text[end:]
    for old, new in rewrites:  # in every message, after the above ("From:" -> "f:")
        text = text.replace(old, new)
    if KEYPAD_MARK in text:
        text = text.replace(KEYPAD_MARK, keypad_xml(steps, after_ms, folder, payload_type))
    scenario_path = folder / scenario
    scenario_path.write_text(text)
    return folder, scenario_path


def _media_port() -> int:
    """SIPp's media port: even (RTP), and SIPp binds the three after it too (RTCP, video's
    RTP and RTCP). Five consecutive free ports, of which the four from the even one are
    used: one free port rounded down to even once handed SIPp a port another caller of the
    same worker held ("Unable to bind audio RTP socket ... Address already in use")."""
    first = free_udp_port(5)
    return first + (first & 1)


def _options(
    folder: Path, scenario_path: Path, service: str, port: int, source: str = HOST
) -> list[str]:
    return [
        "-sf", str(scenario_path),
        "-s", service,
        "-i", source,
        "-p", str(port),
        "-mi", source,
        "-mp", str(_media_port()),
        "-t", "u1",
        "-nostdin",
        "-trace_stat", "-stf", str(folder / "stats.csv"), "-fd", "1",
        "-trace_err", "-error_file", str(folder / "errors.log"),
    ]  # fmt: skip


def _result(folder: Path, returncode: int, stderr: bytes) -> SippResult:
    result = SippResult(returncode, folder=folder)
    stats_path = folder / "stats.csv"
    if stats_path.exists():
        rows = list(csv.reader(stats_path.read_text().splitlines(), delimiter=";"))
        if len(rows) >= 2:
            result.stats = dict(zip(rows[0], rows[-1], strict=False))
    errors_path = folder / "errors.log"
    errors = errors_path.read_text(errors="replace") if errors_path.exists() else ""
    result.errors = (errors + stderr.decode(errors="replace"))[-4000:]
    return result


def run_scenario(
    target: str,
    service: str,
    *,
    scenario: str = "uac_dtmf.xml",
    steps: Sequence[Step] = (),
    after_ms: int = 500,
    caller: str = "sipp",
    calls: int = 1,
    rate: float = 10.0,
    limit: int | None = None,
    timeout_s: int = 60,
    payload_type: int | None = None,
    extra: Sequence[str] = (),
    numbered_callers: bool = False,
    display: str = "",
    headers: Sequence[str] = (),
    rewrites: Sequence[tuple[str, str]] = (),
) -> SippResult:
    """Runs ``calls`` calls of ``scenario`` to ``service`` (the user called) at ``target``
    ("127.0.0.1:port": Kamailio or a phone), ``limit`` at once (default all), and waits.
    ``numbered_callers``: each call from a number of its own, ``caller`` followed by the
    call's number; ``display`` the From header's display name as written (default
    ``"SIPp"``), ``headers`` more fields of the INVITE ("P-Asserted-Identity: <…>"),
    ``rewrites`` texts replaced in every message of the scenario (a header's compact form,
    another From URI)."""
    folder, scenario_path = _prepare(
        scenario, steps, after_ms, payload_type, numbered_callers, display, headers, rewrites
    )
    for _ in range(BIND_TRIES):
        command = [
            sipp_binary(),
            target,
            *_options(folder, scenario_path, service, free_udp_port()),
            "-key", "caller", caller,
            "-m", str(calls),
            "-r", str(rate),
            "-l", str(limit or calls),
            "-timeout", f"{timeout_s}s",
            "-timeout_error",
            "-recv_timeout", "20s",
            *extra,
        ]  # fmt: skip
        process = subprocess.run(
            command,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=timeout_s + 30,
        )
        if not _bind_failed(process.stderr.decode(errors="replace")):
            break
    return _result(folder, process.returncode, process.stderr)


def callers_at_once(
    target: str,
    service: str,
    prefix: str,
    calls: int,
    steps: Sequence[Step],
    *,
    after_ms: int = 500,
    timeout_s: int = 90,
) -> SippResult:
    """``calls`` new callers at once, each from a number of its own (``prefix`` and the
    call's number, from 1), each following ``steps``: the load of many people calling."""
    return run_scenario(
        target,
        service,
        steps=steps,
        after_ms=after_ms,
        caller=prefix,
        calls=calls,
        rate=float(calls),
        limit=calls,
        timeout_s=timeout_s,
        numbered_callers=True,
    )


def vanishing_callers(target: str, service: str, prefix: str, calls: int) -> SippResult:
    """``calls`` callers at once, each from a number of its own (``prefix`` and the call's
    number), who send no audio and never a BYE once answered (``uac_vanish.xml``): each
    call succeeds when the bot's BYE comes within two minutes."""
    return run_scenario(
        target,
        service,
        scenario="uac_vanish.xml",
        after_ms=0,
        caller=prefix,
        calls=calls,
        rate=float(calls),
        limit=calls,
        timeout_s=180,
        numbered_callers=True,
    )


class SippPhone:
    """SIPp as a phone that is called (the bot's call-backs), in the background:
    ``uas_answer.xml`` (answers, then the keypad ``steps`` as telephone-events of
    ``payload_type``, the caller's offer's: 101 for baresip and PJSIP; then hangs up),
    ``uas_busy.xml`` (486), ``uas_no_answer.xml`` (rings until CANCEL).

    ``with SippPhone("uas_busy.xml") as phone:`` … call ``phone.uri`` … ``phone.wait()``
    returns the ``SippResult`` once ``calls`` calls have been handled.
    """

    def __init__(
        self,
        scenario: str = "uas_answer.xml",
        *,
        user: str = "resident",
        steps: Sequence[Step] = (),
        after_ms: int = 500,
        calls: int = 1,
        timeout_s: int = 120,
        payload_type: int = 101,
    ) -> None:
        self.user = user
        self.port = 0
        self.folder, self._scenario = _prepare(scenario, steps, after_ms, payload_type)
        self._after = [
            "-m", str(calls),
            "-timeout", f"{timeout_s}s",
            "-timeout_error",
        ]  # fmt: skip
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr = self.folder / "stderr.log"

    @property
    def uri(self) -> str:
        return f"sip:{self.user}@{HOST}:{self.port}"

    def start(self) -> None:
        def command(port: int) -> list[str]:
            return [
                sipp_binary(),
                *_options(self.folder, self._scenario, self.user, port),
                *self._after,
            ]

        self._process, self.port = _start_bound(command, self.folder, self._stderr)

    def wait(self, timeout: float = 120) -> SippResult:
        process = self._process
        if process is None:
            raise RuntimeError("not started")
        returncode = process.wait(timeout=timeout)
        return _result(self.folder, returncode, self._stderr.read_bytes())

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            end_group(process, 5)

    def __enter__(self) -> SippPhone:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _bind_failed(stderr: str) -> bool:
    """SIPp could not bind a port it was given: taken between our probe and its start
    (seen in CI: "Unable to bind main socket, errno = 98 (Address already in use)")."""
    return "Address already in use" in stderr


def _socket_inodes(pid: int) -> set[str]:
    inodes: set[str] = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    return inodes


def _owns_udp_port(pid: int, port: int) -> bool:
    """Whether process ``pid`` itself has bound UDP ``port`` (/proc/net/udp's inode of the
    socket among the process's descriptors): a port merely taken says nothing of whom by."""
    inodes = _socket_inodes(pid)
    with contextlib.suppress(OSError):
        for line in Path("/proc/net/udp").read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[9] in inodes:
                return True
    return False


def _start_bound(
    command: Callable[[int], list[str]], folder: Path, stderr_path: Path
) -> tuple[subprocess.Popen[bytes], int]:
    """SIPp started in the background on a free UDP port, once it holds that port; started
    again on another port when the one it was given was taken before it could bind it."""
    said = ""
    for _ in range(BIND_TRIES):
        port = free_udp_port()
        with stderr_path.open("wb") as stderr:
            process = subprocess.Popen(
                command(port),
                cwd=folder,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        # SIPp binds its port at once; the wait is long only for a busy machine.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if _owns_udp_port(process.pid, port):
                return process, port
            if process.poll() is not None:
                break
            time.sleep(0.05)
        else:
            end_group(process, 5)
            raise RuntimeError(f"SIPp did not bind port {port} in 30 s")
        said = stderr_path.read_text(errors="replace")
        if not _bind_failed(said):
            raise RuntimeError(f"SIPp stopped at start: {said[-2000:]}")
    raise RuntimeError(f"SIPp found no free port in {BIND_TRIES} tries: {said[-2000:]}")


class HeldCallers:
    """``calls`` callers whose INVITEs SIPp sends in one instant (``uac_held.xml``; a
    rate of ``calls`` per millisecond, all open at once), in the background: each answered
    call is held until the bot hangs it up, each refused one ends with its 486. Each
    caller's number is ``prefix`` and the call's number (from 1). ``ear_port``: the audio
    port the INVITEs offer (0: SIPp's own media port).

    :meth:`outcomes` reads what the calls got so far ({call number: ["early", "busy"]} or
    ["answered"]); :meth:`wait_for` waits until ``count`` calls have a final answer."""

    def __init__(
        self,
        target: str,
        service: str,
        prefix: str,
        calls: int,
        *,
        ear_port: int = 0,
        timeout_s: int = 600,
    ) -> None:
        self.calls = calls
        self.folder, scenario_path = _prepare("uac_held.xml", (), 0, None, True)
        text = scenario_path.read_text()
        ear = str(ear_port) if ear_port else "[media_port]"
        scenario_path.write_text(text.replace("[ear_port]", ear))
        self.log = self.folder / "calls.log"
        self._target, self._service, self._scenario = target, service, scenario_path
        self._after = [
            "-key", "caller", prefix,
            "-m", str(calls),
            "-r", str(calls),
            "-rp", "1",
            "-l", str(calls),
            "-timeout", f"{timeout_s}s",
            "-timeout_error",
            "-trace_logs", "-log_file", str(self.log),
        ]  # fmt: skip
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr = self.folder / "stderr.log"

    def start(self) -> None:
        def command(port: int) -> list[str]:
            return [
                sipp_binary(),
                self._target,
                *_options(self.folder, self._scenario, self._service, port),
                *self._after,
            ]

        self._process, _ = _start_bound(command, self.folder, self._stderr)

    def outcomes(self) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        if not self.log.exists():
            return found
        for line in self.log.read_text(errors="replace").splitlines():
            number, _, what = line.strip().partition(" ")
            if number.isdecimal() and what in ("early", "answered", "busy"):
                found.setdefault(int(number), []).append(what)
        return found

    def ended(self) -> set[int]:
        """The answered calls that the other side ended (their BYE answered 200)."""
        if not self.log.exists():
            return set()
        lines = self.log.read_text(errors="replace").splitlines()
        return {
            int(number)
            for number, _, what in (line.strip().partition(" ") for line in lines)
            if number.isdecimal() and what == "ended"
        }

    def finished(self) -> dict[int, list[str]]:
        """The calls with a final answer (answered or busy)."""
        return {
            number: got
            for number, got in self.outcomes().items()
            if "answered" in got or "busy" in got
        }

    def wait_for(self, count: int, timeout: float = 180) -> dict[int, list[str]]:
        """Wait until ``count`` calls have their final answer (or SIPp ended, or
        ``timeout`` s passed: a machine's slowness only delays it); the calls that have."""
        deadline = time.monotonic() + timeout
        while len(self.finished()) < count and time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                break
            time.sleep(0.1)
        return self.finished()

    def stop(self) -> SippResult:
        process, self._process = self._process, None
        returncode = -1
        if process is not None:
            if process.poll() is None:
                end_group(process, 5)
            returncode = process.returncode if process.returncode is not None else -1
        said = self._stderr.read_bytes() if self._stderr.exists() else b""  # never started
        return _result(self.folder, returncode, said)

    def __enter__(self) -> HeldCallers:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def flood(target: str, service: str, *, source: str, rate: int, seconds: int) -> SippResult:
    """``rate`` INVITEs a second for ``seconds`` to ``service`` at ``target``, sent by SIPp
    from the address ``source`` (another loopback address than the provider's 127.0.0.1:
    127.0.0.2), each a new call, none waited on (uac_flood.xml); returns when all went out."""
    folder, scenario_path = _prepare("uac_flood.xml", (), 0, None)
    calls = rate * seconds
    command = [
        sipp_binary(),
        target,
        *_options(folder, scenario_path, service, 0, source),  # port 0: any
        "-key", "caller", "+4923100000",
        "-m", str(calls),
        "-r", str(rate),
        "-l", str(calls),
        "-timeout", f"{seconds * 6}s",
        "-timeout_error",
    ]  # fmt: skip
    process = subprocess.run(
        command,
        cwd=folder,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=seconds * 6 + 30,
    )
    return _result(folder, process.returncode, process.stderr)
