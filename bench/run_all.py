"""``make bench``: every benchmark in one run, one table, written to bench/RESULTS.md; the
run exits 1 when a benchmark FAILED (its row says why), after the table is written."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import telegram_bench  # noqa: E402


def _short(name: str) -> str:
    """places_bench.py → places, bench_web.py → web."""
    return name.removesuffix(".py").removesuffix("_bench").removeprefix("bench_")


def _signal_group(pid: int, sig: int) -> None:
    # The group may have ended between the time-out and the signal.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def script_rows(
    name: str, minutes: int = 20, args: tuple[str, ...] = ()
) -> list[tuple[str, str, str]]:
    """Run a benchmark script (with ``args``: ``--quick`` in CI's pass,
    tests/bench/test_quick_pass.py) and take its "label  value  reference" lines as rows;
    a last row "FAILED" with why when it failed or ran out of time."""
    # A session of its own: a benchmark that runs too long is ended with the bot processes it
    # started; an interrupt (not a kill) lets its ``finally`` blocks stop the database
    # servers, which pg_ctl puts in sessions of their own.
    with subprocess.Popen(
        [sys.executable, str(HERE / name), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as running:
        try:
            output, errors = running.communicate(timeout=minutes * 60)
        except subprocess.TimeoutExpired:
            _signal_group(running.pid, signal.SIGINT)
            try:
                running.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                _signal_group(running.pid, signal.SIGKILL)
                running.communicate()
            return [(_short(name), "FAILED", f"did not finish within {minutes} minutes")]
    done = subprocess.CompletedProcess(running.args, running.returncode, output, errors)
    rows = []
    for line in done.stdout.splitlines()[1:]:
        label, _, rest = line.partition("  ")
        value, _, reference = rest.strip().partition("  ")
        rows.append((f"{_short(name)}: {label.strip()}", value.strip(), reference.strip()))
    if done.returncode:
        # One failed measure is reported in its row; the others still run and are written.
        # A benchmark that missed a goal (bench/outcomes.py) printed its figures first.
        print(f"{name} failed:\n{done.stderr}", file=sys.stderr)
        why = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        return [*rows, (_short(name), "FAILED", why[:120])]
    return rows


def main() -> None:
    began = time.monotonic()
    try:
        rows = asyncio.run(telegram_bench.measure())
    except Exception as error:  # reported in its row; the other benchmarks still run
        rows = [("telegram", "FAILED", f"{type(error).__name__}: {error}"[:120])]
    rows += script_rows("places_bench.py")
    rows += script_rows("reminders_bench.py")
    # The handler mix and nearest places on a throwaway PostgreSQL cluster (about 2.5 min).
    rows += script_rows("postgres_bench.py")
    # Several bot processes on one PostgreSQL: throughput with 1-3, fan-out (about 2 min).
    rows += script_rows("cluster_bench.py")
    # What an added city costs in memory and start-up (about 1 min).
    rows += script_rows("cities_bench.py")
    # The desk pages over HTTP and the map in Chromium (skipped while / serves no map).
    rows += script_rows("bench_web.py")
    # Read aloud with the embedded engine, and a fan-out with every voice (about 1.5 min).
    rows += script_rows("speech_bench.py")
    # Read aloud under a flood of web requests and 10,000 senders (about 1.5 min).
    rows += script_rows("speech_soak.py")
    # The phone line: 200 calls through SIPp and Kamailio, 20 at once (about 2 min), a burst
    # (1 min), callers who vanish or do nothing (4 min), then a patient caller in de and ar,
    # every prompt heard to its end (about 10 min).
    rows += script_rows("phone_bench.py", minutes=30)
    # Text messages: segments per help story, 1,000 reminders through Kannel (about 30 s).
    rows += script_rows("sms_bench.py")
    # The offer rules' outcomes (issue 81's goals): a month of Dortmund and two of a small
    # town on a simulated clock, broadcast and waves, the first three judging seeds of the
    # rules on main, each goal under the sourced and the harsher languages (about 15 min on
    # two idle cores; Berlin's runs take longer: bench/outcomes.py --cities berlin).
    judged = ("--cities", "dortmund,town", "--count", "3", "--goals-only")
    rows += script_rows("outcomes.py", minutes=60, args=judged)
    # In a process of its own: the Telegram benchmarks above have grown this one.
    rows += script_rows("memory_bench.py")
    report(rows, time.monotonic() - began)


def report(
    rows: list[tuple[str, str, str]], took: float, results: Path = HERE / "RESULTS.md"
) -> None:
    """Print the table and write it to ``results``; then exit 1 if a row FAILED (issue 65,
    point 6: the bench runs through, or says so)."""
    day = f"{datetime.now(UTC):%Y-%m-%d}"
    width = max(len(r[0]) for r in rows) + 2
    table = [f"{'measurement':<{width}}{'result':>18}   reference / target", "-" * (width + 60)]
    table += [f"{label:<{width}}{value:>18}   {reference}" for label, value, reference in rows]
    table.append(f"make bench took {took // 60:.0f} min {took % 60:.0f} s")
    print("\n".join(table))
    print(f"measured {day} on this machine ({sys.platform}, {os.cpu_count()} cores)")
    text = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    marker = "\n## make bench"
    head, _, last = text.partition(marker)
    # The notes written below the last table (what a row's figure means) stay.
    notes = "```\n".join(last.split("```\n")[2:])
    text = head.rstrip() + "\n" + marker.strip("\n") + f" — {day}\n\n```\n"
    text += "\n".join(table) + "\n```\n" + notes
    results.write_text(text, encoding="utf-8")
    failed = [label for label, value, _ in rows if value == "FAILED"]
    if failed:
        # The table is written either way: the other rows were measured.
        raise SystemExit(f"make bench: {len(failed)} benchmark(s) FAILED: {', '.join(failed)}")


if __name__ == "__main__":
    main()
