"""``make bench``'s table (bench/run_all.py): a benchmark that failed is a row of its own,
the table is written all the same, and the run exits non-zero (issue 65, point 6); the
standard tier fits in 20 minutes, the full tier runs what it leaves out, and every row
states how long its run took and the tier is named (issue 83, point 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.run_all import (
    LEFT_FOR_FULL,
    TIERS,
    Run,
    estimate,
    left_for_full,
    report,
    run,
    script_rows,
)

ROWS = [
    ("places: import", "1.0 s", "target ≤ 60 s", "1 min 2 s (est. 1 min)"),
    ("sms", "FAILED", "RuntimeError: no", "3 s (est. 0.5 min)"),
]


def test_a_failed_row_is_written_and_fails_the_run(tmp_path: Path):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\nnotes above the table\n", encoding="utf-8")
    with pytest.raises(SystemExit) as ended:
        report(ROWS, 61.0, results)
    assert ended.value.code not in (None, 0)
    assert "sms" in str(ended.value.code)
    written = results.read_text(encoding="utf-8")
    assert "notes above the table" in written
    assert "FAILED" in written and "places: import" in written


def test_a_run_without_a_failed_row_ends_normally(tmp_path: Path):
    results = tmp_path / "RESULTS.md"
    report(ROWS[:1], 61.0, results)
    assert "places: import" in results.read_text(encoding="utf-8")


def test_a_script_that_fails_gives_a_failed_row():
    # A name that is no script: Python exits 2, which the runner reports in a row.
    rows = script_rows("no_such_bench.py", minutes=1)
    assert rows[-1][:2] == ("no_such", "FAILED")


def test_every_row_of_a_run_states_how_long_it_took():
    rows = run(Run("no_such_bench.py", 0.5, (), 1))
    assert rows and all(took.endswith(" s (est. 0.5 min)") for *_, took in rows)


def _table(written: str) -> list[str]:
    return written.split("```\n")[1].splitlines()


def test_the_written_table_names_its_tier_and_each_row_its_duration(tmp_path: Path):
    results = tmp_path / "RESULTS.md"
    report(ROWS[:1], 61.0, results, tier="full")
    written = results.read_text(encoding="utf-8")
    assert "## make bench" in written and "full tier" in written.split("```\n")[0]
    table = _table(written)
    assert table[0].startswith("full tier")
    row = next(line for line in table if line.startswith("places: import"))
    assert "1 min 2 s (est. 1 min)" in row
    assert table[-1] == f"make bench took 1 min 1 s (estimated {estimate('full'):g} min)"


def test_the_quick_tier_writes_no_results(tmp_path: Path):
    results = tmp_path / "RESULTS.md"
    report(ROWS[:1], 5.0, results, tier="quick")
    assert not results.exists()


def test_the_standard_tier_is_estimated_within_twenty_minutes():
    assert 0 < estimate("standard") <= 20
    assert all(bench.minutes > 0 for runs in TIERS.values() for bench in runs)


def _args(tier: str, script: str) -> list[tuple[str, ...]]:
    return [bench.args for bench in TIERS[tier] if bench.script == script]


def test_the_full_tier_runs_every_benchmark_of_the_standard_one_and_more():
    standard = {bench.script for bench in TIERS["standard"]}
    assert standard == {bench.script for bench in TIERS["full"]}
    assert standard == {bench.script for bench in TIERS["quick"]}
    assert estimate("full") > estimate("standard")
    # Every patient caller and the callers who vanish: the phone bench with no part named.
    assert _args("full", "phone_bench.py") == [()]
    # The outcomes on every shape, Berlin included, every judging seed (no --count).
    outcomes = _args("full", "outcomes.py")
    cities = {city for args in outcomes for city in args[args.index("--cities") + 1].split(",")}
    assert cities == {"dortmund", "town", "berlin"}
    assert not any("--count" in args or "--no-harsher" in args for args in outcomes)


def test_the_standard_tier_names_what_it_leaves_to_the_full_one():
    (phone,) = _args("standard", "phone_bench.py")
    assert phone[phone.index("--patient-languages") + 1] == "de"
    assert "--vanish" not in phone and "--calls" in phone
    left = " ".join(label for label, _ in LEFT_FOR_FULL)
    assert "Arabic" in left and "vanish" in left and "Berlin" in left and "Dortmund" in left
    # Each such row says it was not measured, and how long the full tier takes for it.
    assert all(
        value == "full tier" and took.endswith(" min)") for _, value, _, took in left_for_full()
    )
