"""The bench's one row formatter (bench/table.py, issue 104, point 2): a figure below its
target prints MISSED, one that meets it "met"; make bench's table counts the misses and
refuses a row that states a target without a verdict (the PostgreSQL row printed "ratio
0.54 (target ≥ 0.7)" without MISSED)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.run_all import missed, report, script_rows
from bench.table import MISSED, at_least, at_most, judged, line, unjudged


def test_a_ratio_below_its_target_is_missed_and_above_it_met():
    low = judged("handler mix on PostgreSQL", "92 updates/s", 0.54, at_least(0.7))
    high = judged("handler mix on PostgreSQL", "140 updates/s", 0.71, at_least(0.7))
    assert low[2] == "target ≥ 0.7: MISSED"
    assert high[2] == "target ≥ 0.7: met"
    assert judged("x", "0.70", 0.7, at_least(0.7))[2].endswith(": met")


def test_a_time_above_its_limit_is_missed_and_below_it_met():
    slow = judged("handler latency p99", "51.0 ms", 51.0, at_most(50, " ms"), "worst round")
    fast = judged("handler latency p99", "6.6 ms", 6.6, at_most(50, " ms"), "worst round")
    assert slow[2] == "target ≤ 50 ms: MISSED; worst round"
    assert fast[2] == "target ≤ 50 ms: met; worst round"
    shown = judged("fan-out", "40 s", 0.2, at_most(0.15, shown="≤ +15 %"))
    assert shown[2] == "target ≤ +15 %: MISSED"
    assert judged("lost", "0", float("inf"), at_most(0))[2].endswith(MISSED)


def test_a_printed_row_reaches_the_table_whole(tmp_path: Path):
    script = tmp_path / "fake_bench.py"
    rows = [
        judged("handler mix on PostgreSQL", "92 updates/s", 0.54, at_least(0.7), "SQLite 170/s"),
        judged(
            "a label as long as the longest rows the benchmarks print",
            "6.6 ms",
            6.6,
            at_most(50, " ms"),
        ),
    ]
    script.write_text(
        "print('fake benchmark')\n" + "".join(f"print({line(r)!r})\n" for r in rows),
        encoding="utf-8",
    )
    printed = script_rows(str(script), minutes=1)
    assert [(a.rpartition("/")[2], b, c) for a, b, c in printed] == [
        (f"fake: {a}", b, c) for a, b, c in rows
    ]


def test_a_target_without_its_verdict_is_unjudged():
    assert unjudged("SQLite 170/s, ratio 0.54 (target ≥ 0.7)")
    assert unjudged("target ≤ 50 ms: met; and target ≥ 2 of something")
    assert not unjudged("target ≥ 0.7: MISSED; SQLite 170/s")
    assert not unjudged("worst round")


def test_the_table_names_the_misses_and_refuses_an_unjudged_row(tmp_path: Path):
    took = "1 min (est. 1 min)"
    below = ("postgres: handler mix", "92 updates/s", "target ≥ 0.7: MISSED; SQLite 170/s", took)
    goal = ("outcomes: goal town", MISSED, "within 24 h 78 %", took)
    fine = ("places: import", "29.4 s", "target ≤ 60 s: met", took)
    assert missed([below, goal, fine]) == ["postgres: handler mix", "outcomes: goal town"]
    out = tmp_path / "last-run.md"
    report([below, fine], 60.0, out)
    assert "MISSED: 1 rows - postgres: handler mix" in out.read_text(encoding="utf-8")
    unjudged_row = ("postgres: handler mix", "92 updates/s", "ratio 0.54 (target ≥ 0.7)", took)
    with pytest.raises(SystemExit) as ended:
        report([unjudged_row, fine], 60.0, out)
    assert "a target without met or MISSED" in str(ended.value.code)
