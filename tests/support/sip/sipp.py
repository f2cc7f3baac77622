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

import csv
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.sip.kamailio import HOST, free_udp_port

SCENARIOS = Path(__file__).parent / "scenarios"
KEYPAD_MARK = "<!-- KEYPAD -->"
DIGITS = set("0123456789*#ABCD")


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


def keypad_xml(steps: Sequence[Step], after_ms: int) -> str:
    parts: list[str] = []
    for step in steps:
        if not set(step.digits) <= DIGITS:
            raise ValueError(f"not keypad digits: {step.digits!r}")
        if not 50 <= step.tone_ms <= 2000:
            raise ValueError("SIPp's play_dtmf takes tones of 50 to 2000 ms")
        parts.append(f'  <pause milliseconds="{step.pause_ms}"/>')
        if step.digits:
            parts.append(
                f'  <nop><action><exec play_dtmf="{step.digits},{step.tone_ms}"/></action></nop>'
            )
            # play_dtmf only schedules the packets; SIPp 3.6.1 sends a tone's length of
            # "no-op" packets (payload type 97) and as much quiet first, then each digit
            # followed by a pause as long as the tone: wait until the last one has gone.
            sent_ms = (len(step.digits) + 2) * 2 * step.tone_ms + 200
            parts.append(f'  <pause milliseconds="{sent_ms}"/>')
    parts.append(f'  <pause milliseconds="{after_ms}"/>')
    return "\n".join(parts)


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
    extra: Sequence[str] = (),
) -> SippResult:
    """Runs ``calls`` calls of ``scenario`` to ``service`` (the user called) at ``target``
    ("127.0.0.1:port": Kamailio or a phone), ``limit`` at once (default all), and waits."""
    folder = Path(tempfile.mkdtemp(prefix="nachbarbot-sipp-"))
    text = (SCENARIOS / scenario).read_text()
    if KEYPAD_MARK in text:
        text = text.replace(KEYPAD_MARK, keypad_xml(steps, after_ms))
    scenario_path = folder / scenario
    scenario_path.write_text(text)
    stats_path = folder / "stats.csv"
    errors_path = folder / "errors.log"
    command = [
        sipp_binary(),
        target,
        "-sf", str(scenario_path),
        "-s", service,
        "-key", "caller", caller,
        "-i", HOST,
        "-p", str(free_udp_port()),
        "-mi", HOST,
        "-mp", str(free_udp_port() & ~1),
        "-t", "u1",
        "-m", str(calls),
        "-r", str(rate),
        "-l", str(limit or calls),
        "-timeout", f"{timeout_s}s",
        "-timeout_error",
        "-recv_timeout", "20s",
        "-nostdin",
        "-trace_stat", "-stf", str(stats_path), "-fd", "1",
        "-trace_err", "-error_file", str(errors_path),
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
    result = SippResult(process.returncode, folder=folder)
    if stats_path.exists():
        rows = list(csv.reader(stats_path.read_text().splitlines(), delimiter=";"))
        if len(rows) >= 2:
            result.stats = dict(zip(rows[0], rows[-1], strict=False))
    errors = errors_path.read_text(errors="replace") if errors_path.exists() else ""
    result.errors = (errors + process.stderr.decode(errors="replace"))[-4000:]
    return result
