"""``make bench``: every benchmark in one run, one table, written to var/bench/last-run.md
(``--out PATH`` or ``NACHBARBOT_BENCH_OUT`` for another file; git ignores var/, so a run
leaves the checkout as it was: issue 104, point 3), from which the rows of bench/RESULTS.md's
current table are taken; the run exits 1 when a benchmark FAILED (its row says why) or a
row states a target without saying whether it was met (bench/table.py's ``judged`` says
"met" or "MISSED"), after the table is written; its last lines name the rows that MISSED.

Tiers (issue 83, point 3; docs/testing.md, "Benchmarks"): ``make bench`` runs the standard
tier, about 15 minutes measured on this machine's two cores (the estimates of its runs add
up to 15.55 min; before it, every script whole, it took 27 min and more) - the long
benchmarks in a shorter form that still measures what each row names (fewer rounds, timed
requests or messages: each ``Run``'s arguments say which), the phone's calls and burst
without its patient callers and callers who vanish, the outcomes' goals in the small town on
three judging seeds; ``make bench-full`` (``--full``) runs every script whole, the patient
callers, the callers who vanish, and the outcomes judged on every judging seed of every
shape, Berlin included (about an hour and forty minutes). ``--quick`` runs each
benchmark's quick pass (seconds, figures not judged, nothing written). Each run prints a
line on stderr as soon as it ends (the script, how long it took beside its estimate, the
tier's running total), so a stopped run still says how far it got; every row of the table
states how long the run that measured it took, beside its estimate."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench import telegram_bench  # noqa: E402
from bench.table import OUT_VARIABLE, last_run, unjudged  # noqa: E402
from bench.table import missed as says_missed  # noqa: E402

# (label, value, reference, took): the last says how long the run that measured it took.
Row = tuple[str, str, str, str]


@dataclass(frozen=True)
class Run:
    """One benchmark script's run in a tier: its arguments, about how long it takes on this
    machine's two cores when they are quiet (minutes; from its documented and recorded
    durations, bench/README.md and bench/history/), and when it is ended as a failure."""

    script: str
    minutes: float
    args: tuple[str, ...] = ()
    timeout: int = 20


# In make bench's own process (telegram_bench.measure), not as a script.
IN_PROCESS = "telegram_bench.py"
# The outcomes' goals only: the whole figure table is for a run of outcomes.py of its own.
GOALS = "--goals-only"
# Each run's minutes: what it took in one make bench on this machine's two cores (2026-11-27,
# 12:36-13:03, load 1-2), rounded up a little; a shorter form's: that duration less what its
# run leaves out, from the same run's parts (each script's own timings and progress lines).
# Where the standard tier runs a script in a shorter form, the full tier runs it whole.
_SAME = (
    # Five alternating rounds of 2,000 updates against the echo bot, a fan-out to 1,000, a
    # profiled pass: 2 min 42 s.
    Run(IN_PROCESS, 2.75),
    Run("places_bench.py", 0.7),  # 100,000 places imported (39 s), nearest-10 queries: 41 s
    Run("reminders_bench.py", 0.25),  # 14 s
)
# Read aloud under a flood of web requests and 10,000 senders: 33 s.
_SOAK = Run("speech_soak.py", 0.55)
# Text messages: segments per help story, 1,000 reminders through Kannel: 26 s.
_SMS = Run("sms_bench.py", 0.45)
# In a process of its own: the Telegram benchmarks above have grown this one. 25 s.
_MEMORY = Run("memory_bench.py", 0.45)
TIERS: dict[str, tuple[Run, ...]] = {
    "standard": (
        *_SAME,
        # The handler mix on PostgreSQL, on SQLite and the echo bot in two alternating rounds
        # (about 40 s a round; whole, three: 2 min 59 s), 100,000 places on PostgreSQL.
        Run("postgres_bench.py", 2.4, ("--rounds", "2")),
        # Throughput with 1-3 bot processes on 1,000 updates each, two more rounds of 1 and
        # 2 for the pooled ratio, and the fan-out to 500 through three: 1 min 17 s at load
        # 1-2 (2026-11-29, 10:47; 2 min 6 s at load 29-46; whole, 2,000 and 1,000: about
        # 3 min 40 s under that load).
        Run("cluster_bench.py", 1.35, ("--updates", "1000", "--volunteers", "500")),
        # What an added city costs: two starts of each (whole, three: 45 s).
        Run("cities_bench.py", 0.55, ("--rounds", "2")),
        # The desk pages, 20 timed GETs a page after 5 to warm (whole, 200: 9 min 27 s, of
        # which the review queue's 205 GETs took 2.6 s each), the map in Chromium.
        Run("bench_web.py", 1.5, ("--samples", "20")),
        # Read aloud with the embedded engine: memory over 2 × 300 messages said (about 60 ms
        # each) and a fan-out to 500 volunteers (floor 33 s; whole, 1,000 each: 3 min 57 s).
        Run("speech_bench.py", 1.9, ("--messages", "300", "--volunteers", "500")),
        _SOAK,
        # The phone line: 200 calls through SIPp and Kamailio, 20 at once, and a burst (1 min
        # 52 s alone at load 3). The patient callers and the callers who vanish: the full tier.
        Run("phone_bench.py", 1.9, ("--calls", "--burst")),
        _SMS,
        # Issue 81's goals in the small town on the first three judging seeds of the rules
        # on main, the sourced languages (six runs of about 20 s of a core: 30 s). Dortmund,
        # whose waves run takes about 3 minutes a seed, and the harsher languages: the full
        # tier.
        Run("outcomes.py", 0.5, ("--cities", "town", "--count", "3", "--no-harsher", GOALS)),
        _MEMORY,
    ),
    "full": (
        *_SAME,
        Run("postgres_bench.py", 3),
        Run("cluster_bench.py", 3.75),
        Run("cities_bench.py", 0.75),
        Run("bench_web.py", 9.5),
        Run("speech_bench.py", 4),
        _SOAK,
        # Everything the phone bench measures: the 200 calls and the burst (1 min 52 s), the
        # callers who vanish or do nothing (4 min of the configured waits), the patient
        # callers in German (1 min 23 s, 13:44 on 2026-11-27) and Arabic (about as long).
        Run("phone_bench.py", 9.5, (), 40),
        _SMS,
        # The goals judged on every judging seed of the rules on main (8), each under the
        # sourced and the harsher languages; Berlin's three in a run of their own (a waves
        # run of its 14 days takes about 5 minutes of a core).
        Run("outcomes.py", 45, ("--cities", "dortmund,town", GOALS), 120),
        Run("outcomes.py", 20, ("--cities", "berlin", GOALS), 90),
        _MEMORY,
    ),
}
# Every script's quick pass, the full tier's scripts (which include the standard tier's).
TIERS["quick"] = tuple(
    Run(script, 0.2, ("--quick",), 10)
    for script in dict.fromkeys(bench.script for bench in TIERS["full"])
)
# What the standard tier leaves to the full one, as rows of its table: no row goes silently.
# (the script that measures it, its label, its estimated minutes in the full tier)
LEFT_FOR_FULL: tuple[tuple[str, str, float], ...] = (
    ("phone_bench.py", "phone: patient callers in German and Arabic", 3),
    ("phone_bench.py", "phone: callers who vanish or do nothing", 4),
    ("outcomes.py", "outcomes: goals in Dortmund", 40),
    (
        "outcomes.py",
        "outcomes: the small town's goals on judging seeds 4-8, the harsher languages",
        4,
    ),
    ("outcomes.py", "outcomes: goals in Berlin", 20),
)


def estimate(tier: str) -> float:
    """The tier's estimated minutes on this machine's two quiet cores."""
    return sum(run.minutes for run in TIERS[tier])


def duration(seconds: float) -> str:
    """61.4 -> "1 min 1 s"; 41.0 -> "41 s"."""
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60} s" if whole >= 60 else f"{whole} s"


def _short(name: str) -> str:
    """places_bench.py → places, bench_web.py → web."""
    return name.removesuffix(".py").removesuffix("_bench").removeprefix("bench_")


def _signal_group(pid: int, sig: int) -> None:
    # The group may have ended between the time-out and the signal.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def _stop(running: subprocess.Popen[str]) -> None:
    """An interrupt to the benchmark's group, a kill a minute later if it is still there."""
    _signal_group(running.pid, signal.SIGINT)
    try:
        running.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        _signal_group(running.pid, signal.SIGKILL)
        running.communicate()


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
            _stop(running)
            return [(_short(name), "FAILED", f"did not finish within {minutes} minutes")]
        except KeyboardInterrupt:
            # make bench stopped (Ctrl-C reaches only this process: the benchmark has a
            # session of its own): the benchmark stops too, not left running unseen.
            _stop(running)
            raise
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


def run(bench: Run) -> tuple[list[Row], float]:
    """One benchmark's rows, each with how long its run took and the run's estimate; and the
    run's seconds."""
    began = time.monotonic()
    if bench.script == IN_PROCESS:
        try:
            sizes = telegram_bench.sizes("--quick" in bench.args)
            rows = asyncio.run(telegram_bench.measure(*sizes))
        except Exception as error:  # reported in its row; the other benchmarks still run
            rows = [("telegram", "FAILED", f"{type(error).__name__}: {error}"[:120])]
    else:
        rows = script_rows(bench.script, bench.timeout, bench.args)
    seconds = time.monotonic() - began
    took = f"{duration(seconds)} (est. {bench.minutes:g} min)"
    return [(label, value, reference, took) for label, value, reference in rows], seconds


def progress(number: int, runs: tuple[Run, ...], seconds: float, so_far: float) -> str:
    """The line a run prints on stderr as it ends: the script, how long it took beside its
    estimate, and the tier's running total beside the estimates' so far."""
    bench = runs[number - 1]
    named = " ".join((Path(bench.script).name, *bench.args))
    estimated = sum(r.minutes for r in runs[:number])
    whole = sum(r.minutes for r in runs)
    return (
        f"make bench, run {number} of {len(runs)}, {named}: {duration(seconds)}"
        f" (est. {bench.minutes:g} min); {duration(so_far)} so far"
        f" (est. {estimated:g} of {whole:g} min)"
    )


def run_tier(runs: tuple[Run, ...]) -> list[Row]:
    """Every run of a tier, one after the other; each prints its ``progress`` line on stderr
    as soon as it ends, so that a run stopped halfway (Ctrl-C, a session's end) still says
    how far it got and how long each part took."""
    began = time.monotonic()
    rows: list[Row] = []
    for number, bench in enumerate(runs, 1):
        measured, seconds = run(bench)
        rows += measured
        failed = " - FAILED" if any(value == "FAILED" for _, value, *_ in measured) else ""
        line = progress(number, runs, seconds, time.monotonic() - began)
        print(line + failed, file=sys.stderr, flush=True)
    return rows


def left_for_full() -> list[Row]:
    """The standard tier's rows for what only the full tier measures, with its estimate."""
    return [
        (label, "full tier", "not run in this tier: make bench-full", f"- (est. {m:g} min)")
        for _, label, m in LEFT_FOR_FULL
    ]


def main(argv: list[str] | None = None) -> None:
    """``run_all.py`` (the standard tier), ``--full`` or ``--quick``; ``--out PATH``: where
    the table goes (by default ``table.last_run()``)."""
    argv = sys.argv[1:] if argv is None else argv
    if "--out" in argv:
        # The scripts that write sections of their own (the phone's patient callers) read it
        # from the environment.
        named = argv[argv.index("--out") + 1 :]
        if not named:
            raise SystemExit("run_all.py: --out needs the file to write the table to")
        os.environ[OUT_VARIABLE] = str(Path(named[0]).resolve())
    tier = "full" if "--full" in argv else "quick" if "--quick" in argv else "standard"
    print(
        f"make bench, {tier} tier: {len(TIERS[tier])} runs, estimated"
        f" {estimate(tier):g} min on two quiet cores",
        flush=True,
    )
    began = time.monotonic()
    rows = run_tier(TIERS[tier])
    if tier == "standard":
        rows += left_for_full()
    report(rows, time.monotonic() - began, tier=tier)


def missed(rows: list[Row]) -> list[str]:
    """The labels of the rows whose figure missed its target."""
    return [label for label, value, reference, _ in rows if says_missed(value, reference)]


def report(
    rows: list[Row], took: float, results: Path | None = None, tier: str = "standard"
) -> None:
    """Print the table and write it to ``results`` (by default ``table.last_run()``; not for
    the quick tier, whose figures are not judged); then exit 1 if a row FAILED (issue 65,
    point 6: the bench runs through, or says so) or states a target without a verdict."""
    results = results or last_run()
    day = f"{datetime.now(UTC):%Y-%m-%d}"
    width = max(len(r[0]) for r in rows) + 2
    table = [
        f'{tier} tier (bench/run_all.py; docs/testing.md, "Benchmarks"), estimated'
        f" {estimate(tier):g} min",
        f"{'measurement':<{width}}{'result':>18}   {'took (its run)':<26}reference / target",
        "-" * (width + 90),
    ]
    table += [f"{r[0]:<{width}}{r[1]:>18}   {r[3]:<26}{r[2]}" for r in rows]
    misses = missed(rows)
    table.append(f"MISSED: {len(misses)} rows" + (f" - {'; '.join(misses)}" if misses else ""))
    table.append(f"make bench took {duration(took)} (estimated {estimate(tier):g} min)")
    print("\n".join(table))
    print(f"measured {day} on this machine ({sys.platform}, {os.cpu_count()} cores)")
    if tier != "quick":
        _write(table, day, tier, results)
    failed = [label for label, value, *_ in rows if value == "FAILED"]
    # A target printed without its verdict is the bench's own defect (issue 104, point 2).
    failed += [
        f"{label} (a target without met or MISSED)" for label, _, ref, _ in rows if unjudged(ref)
    ]
    if failed:
        # The table is written either way: the other rows were measured.
        raise SystemExit(f"make bench: {len(failed)} benchmark(s) FAILED: {', '.join(failed)}")


def _write(table: list[str], day: str, tier: str, results: Path) -> None:
    results.parent.mkdir(parents=True, exist_ok=True)
    text = results.read_text(encoding="utf-8") if results.exists() else "# The last runs\n"
    marker = "\n## make bench"
    head, _, last = text.partition(marker)
    # The notes written below the last table (what a row's figure means) stay.
    notes = "```\n".join(last.split("```\n")[2:])
    text = head.rstrip() + "\n" + marker.strip("\n") + f" — {day}, {tier} tier\n\n```\n"
    text += "\n".join(table) + "\n```\n" + notes
    results.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
