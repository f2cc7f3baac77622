"""How a benchmark script prints its figures: a title line, then one row per figure
("label  value  reference"), the lines ``run_all.py`` collects into bench/RESULTS.md."""

from __future__ import annotations

Row = tuple[str, str, str]


def print_table(title: str, rows: list[Row]) -> None:
    print(title)
    for label, value, reference in rows:
        print(f"{label:<44}{value:>16}   {reference}")
