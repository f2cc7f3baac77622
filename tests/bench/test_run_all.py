"""``make bench``'s table (bench/run_all.py): a benchmark that failed is a row of its own,
the table is written all the same, and the run exits non-zero (issue 65, point 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.run_all import report, script_rows

ROWS = [("places: import", "1.0 s", "target ≤ 60 s"), ("sms", "FAILED", "RuntimeError: no")]


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
