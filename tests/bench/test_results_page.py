"""bench/RESULTS.md stays a front door (issue 82, point 6): at its top one current table of
every benchmark's targets - figure, goal, met or missed, spread over seeds, date, machine,
duration - and at most 200 lines in all; below the table only a short list of what is missed
(issue 103, point 6: no paragraphs of reasoning grow back under it). The method and the
reasoning are in docs/testing.md, the history in git and bench/history/; what the scripts
print goes to var/bench/last-run.md (untracked: issue 104, point 3), so a run of make bench
can neither grow the page nor change the checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bench.run_all import main
from bench.table import OUT_VARIABLE, last_run

PAGE = Path(__file__).resolve().parents[2] / "bench" / "RESULTS.md"
LIMIT = 200
# A row's characters at the most (issue 103, point 6d): a figure, a goal, a verdict, a
# spread, the date, the machine, the duration; what it rests on is in docs/testing.md.
ROW_MOST = 400
# The title and a short introduction, then the table.
TOP = 12
# Below the table: which goals are missed, a line each, and where their reasoning is - at
# most this many characters in all (the list of 2026-11-29: 726). What it replaced was
# 14,210: two paragraphs of 6,109 and 1,768 characters on a line and 55 wrapped lines.
BELOW_MOST = 1_200
# A line outside the table at the most: an item of that list, or a wrapped sentence.
LINE_MOST = 200
COLUMNS = [
    "figure",
    "goal",
    "met or missed",
    "spread over seeds (or rounds)",
    "date",
    "machine",
    "duration",
]
# What a row's verdict may say, for each of its parts ("met; harsher MISSED").
VERDICTS = ("met", "MISSED", "harsher met", "harsher MISSED", "not run", "not measured", "-")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _tables(lines: list[str]) -> list[tuple[int, list[str]]]:
    """(first line's index, its lines) for every block of consecutive table lines."""
    tables: list[tuple[int, list[str]]] = []
    for number, line in enumerate(lines):
        if not line.startswith("|"):
            continue
        if tables and tables[-1][0] + len(tables[-1][1]) == number:
            tables[-1][1].append(line)
        else:
            tables.append((number, [line]))
    return tables


def problems(text: str) -> list[str]:
    """What keeps ``text`` from being the page the issue asks for (empty: none)."""
    lines = text.splitlines()
    found = []
    if len(lines) > LIMIT:
        found.append(f"{len(lines)} lines, more than {LIMIT}")
    if "```" in text:
        found.append("a block of printed output: it belongs in make bench's last run")
    tables = _tables(lines)
    if len(tables) != 1:
        return [*found, f"{len(tables)} tables, not one"]
    start, rows = tables[0]
    below = lines[start + len(rows) :]
    below_text = "\n".join(below).strip()
    if len(below_text) > BELOW_MOST:
        found.append(
            f"{len(below_text)} characters below the table, more than {BELOW_MOST}: "
            "the reasoning belongs in docs/testing.md"
        )
    for line in lines[:start] + below:
        if len(line) > LINE_MOST:
            found.append(f"a line of {len(line)} characters outside the table: {line[:80]}")
    if start > TOP:
        found.append(f"the table begins on line {start + 1}, not at the top")
    if _cells(rows[0]) != COLUMNS:
        return [*found, f"columns {_cells(rows[0])}, not {COLUMNS}"]
    if len(rows) < 3:
        return [*found, "a table without rows"]
    for row in rows[2:]:
        if len(row) > ROW_MOST:
            found.append(f"a row of {len(row)} characters, more than {ROW_MOST}: {row[:80]}")
        cells = _cells(row)
        if len(cells) != len(COLUMNS):
            found.append(f"{len(cells)} cells, not {len(COLUMNS)}: {row}")
            continue
        figure, goal, verdict, _, day, machine, took = cells
        if not all(part.strip() in VERDICTS for part in verdict.split(";")):
            found.append(f"neither met nor MISSED: {row}")
        if verdict.startswith(("met", "MISSED")) and "-" in (goal, day, machine, took):
            found.append(f"a verdict without its goal, date, machine or duration: {row}")
        if not figure or not took:
            found.append(f"a row without its figure or its duration: {row}")
    if "MISSED" in text and "missed, plainly" not in text:
        found.append("missed goals, but no paragraph that says which, plainly")
    return found


def test_the_page_is_one_current_table_at_its_top_within_200_lines():
    assert problems(PAGE.read_text(encoding="utf-8")) == []


def test_the_check_fails_a_page_that_grew_or_has_more_than_one_table():
    page = PAGE.read_text(encoding="utf-8")
    assert problems(page + "\n" * LIMIT)
    assert problems(page + "\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert problems(page + "\n```\nprinted rows\n```\n")
    assert problems("# Benchmark results\n\n" + "\n" * TOP + page.split("\n\n", 1)[1])
    row = next(line for line in page.splitlines() if "| met |" in line)
    assert problems(page.replace(row, row.replace("| met |", "| fine |")))


def test_the_check_fails_a_row_that_carries_its_reasoning():
    page = PAGE.read_text(encoding="utf-8")
    row = next(line for line in page.splitlines() if "| met |" in line)
    figure = _cells(row)[0]
    reasoning = figure + "; tried and dropped on tuning seeds 1-4:" + " a rule, 71.4 %," * 20
    assert any("characters" in said for said in problems(page.replace(figure, reasoning, 1)))


def test_the_check_fails_reasoning_grown_back_below_the_table():
    page = PAGE.read_text(encoding="utf-8").rstrip("\n")
    sentence = (
        "Tried on tuning seeds 1-4 and dropped: a rule, 71.4 % within 2 h (the rules 69.0 %)."
    )
    one_line = " ".join([sentence] * 20)
    assert any("outside the table" in said for said in problems(page + "\n" + one_line + "\n"))
    wrapped = "\n".join([sentence] * 20)
    assert any("below the table" in said for said in problems(page + "\n\n" + wrapped + "\n"))


def test_make_bench_writes_its_printed_table_outside_the_checkout(monkeypatch):
    monkeypatch.delenv(OUT_VARIABLE, raising=False)
    written = last_run()
    assert written != PAGE and written.is_relative_to(PAGE.parents[1] / "var")
    # git ignores it: a run of make bench leaves `git status` as it was.
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", str(written)], cwd=PAGE.parent, check=False
    )
    assert ignored.returncode == 0
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", "bench/LAST-RUN.md"],
        cwd=PAGE.parents[1],
        capture_output=True,
        check=False,
    )
    assert tracked.returncode != 0, "bench/LAST-RUN.md is tracked again"


def test_the_table_goes_where_the_command_line_says(tmp_path: Path, monkeypatch):
    monkeypatch.delenv(OUT_VARIABLE, raising=False)
    out = tmp_path / "runs" / "tonight.md"
    monkeypatch.setattr("bench.run_all.TIERS", {"standard": (), "full": (), "quick": ()})
    monkeypatch.setattr("bench.run_all.left_for_full", lambda: [("places: x", "1 s", "", "1 s")])
    main(["--out", str(out)])
    assert "places: x" in out.read_text(encoding="utf-8")
    monkeypatch.delenv(OUT_VARIABLE)
    with pytest.raises(SystemExit):
        main(["--out"])
