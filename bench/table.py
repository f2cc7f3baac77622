"""How a benchmark script prints its figures: a title line, then one row per figure
("label  value  reference"), the lines ``run_all.py`` collects into bench/LAST-RUN.md."""

from __future__ import annotations

from pathlib import Path

Row = tuple[str, str, str]

# Where the scripts write what they last printed (make bench's table, the patient caller's
# section): bench/RESULTS.md is the one current table, edited by hand from these figures, and
# stays short (tests/bench/test_results_page.py).
LAST_RUN = Path(__file__).resolve().parent / "LAST-RUN.md"


def print_table(title: str, rows: list[Row]) -> None:
    print(title)
    for label, value, reference in rows:
        print(f"{label:<44}{value:>16}   {reference}")
