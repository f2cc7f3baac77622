"""How a benchmark script prints its figures: a title line, then one row per figure
("label  value  reference"), the lines ``run_all.py`` collects into make bench's table.

A row with a target is made by ``judged``, which compares the figure with the target and
says "met" or "MISSED" (issue 104, point 2: a PostgreSQL ratio of 0.54 was printed beside
"target ≥ 0.7" without MISSED, because each script wrote its own verdict or none).
``run_all.py`` refuses a row that states a target without a verdict, and counts the misses
in the table's last line."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

Row = tuple[str, str, str]

# What a judged row's reference says after its target.
MET, MISSED = "met", "MISSED"

# Where make bench writes its table (and the phone bench its patient callers' section):
# var/bench/, which git ignores, so that a run does not change the checkout (issue 104,
# point 3); NACHBARBOT_BENCH_OUT or run_all.py's --out names another file. bench/RESULTS.md
# is the one current table, edited by hand from these figures (docs/testing.md).
ROOT = Path(__file__).resolve().parent.parent
OUT_VARIABLE = "NACHBARBOT_BENCH_OUT"


def last_run() -> Path:
    """The file make bench's table goes to: ``NACHBARBOT_BENCH_OUT`` or var/bench/last-run.md."""
    named = os.environ.get(OUT_VARIABLE)
    return Path(named) if named else ROOT / "var" / "bench" / "last-run.md"


@dataclass(frozen=True)
class Target:
    """A figure's goal: at least or at most ``limit``. ``shown`` is how the goal reads when
    it is not ``limit`` and ``unit`` ("≤ +15 %" for a figure kept as a fraction)."""

    limit: float
    at_least: bool
    unit: str = ""
    shown: str = ""

    def met(self, figure: float) -> bool:
        return figure >= self.limit if self.at_least else figure <= self.limit

    def __str__(self) -> str:
        if self.shown:
            return f"target {self.shown}"
        return f"target {'≥' if self.at_least else '≤'} {self.limit:g}{self.unit}"


def at_least(limit: float, unit: str = "", shown: str = "") -> Target:
    return Target(limit, True, unit, shown)


def at_most(limit: float, unit: str = "", shown: str = "") -> Target:
    return Target(limit, False, unit, shown)


def verdict(figure: float, target: Target) -> str:
    """'target ≥ 0.7: MISSED' - the target and whether ``figure`` meets it."""
    return f"{target}: {MET if target.met(figure) else MISSED}"


def judged(label: str, value: str, figure: float, target: Target, note: str = "") -> Row:
    """A row with a target: ``value`` as printed, ``figure`` the number compared with it;
    the reference opens with the target and its verdict, then ``note``."""
    reference = verdict(figure, target) + (f"; {note}" if note else "")
    return (label, value, reference)


# A target as ``Target`` prints it, and the same followed by its verdict.
_TARGET = re.compile(r"target [≥≤]")
_VERDICT = re.compile(rf"target [≥≤][^:;]*: ({MET}|{MISSED})\b")


def unjudged(reference: str) -> bool:
    """Whether a row's reference states a target without saying whether it was met."""
    return len(_TARGET.findall(reference)) > len(_VERDICT.findall(reference))


def missed(value: str, reference: str) -> bool:
    """Whether a row says its figure missed: a verdict of ``judged``, or the value MISSED
    (the outcomes' goals, whose row's value is the verdict)."""
    return value == MISSED or any(found == MISSED for found in _VERDICT.findall(reference))


def line(row: Row) -> str:
    """One printed row: the runner splits it at its runs of two spaces."""
    label, value, reference = row
    return f"{label:<44}  {value:>16}   {reference}".rstrip()


def print_table(title: str, rows: list[Row]) -> None:
    print(title)
    for row in rows:
        print(line(row))
