"""The handler mix's costliest steps per update, by name: a guard without a test.

cProfile over the measured updates of one pass of the mix; a step is a function of
nachbarbot's (``handlers/``, ``bot/``, ``db/``) with the library calls it makes
(python-telegram-bot's HTTP, the JSON), less the time in functions of ours it calls, which
are steps of their own. (A sampler thread inside the process was tried first: it gets the
GIL only at the event loop's switch points and saw almost nothing but the sends.) Beside
it, a counter of the database round trips per update (``SqliteTransactions.run``), each
charged to the nachbarbot function outside ``db/`` that asked for it.

telegram_bench.measure() runs one profiled pass of the mix after the timed rounds (its
figures do not enter the ratio) and reports the five costliest steps as a row of its own:
when the ratio drops, that row names what grew. For a flame graph of the same run:
``.venv/bin/py-spy record -o bench/profiles/handler_mix.svg -- .venv/bin/python
bench/telegram_bench.py --steps 600 --plain`` (py-spy is in the ``test`` extra;
bench/profiles/README.md).
"""

from __future__ import annotations

import collections
import cProfile
import pstats
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
OURS = tuple(str(ROOT / part) + "/" for part in ("handlers", "bot", "db"))
DB = str(ROOT / "db") + "/"
# The polling loop holds every update, through python-telegram-bot's frames (not ours, so
# not subtracted): it would be named first with all the steps inside it.
SKIP = {"bot.transports.telegram_polling:_run"}


def _step(frame: FrameType | None, skip: str | None = None) -> str | None:
    """The deepest frame of ours (outside ``skip``) as module:function, or None."""
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(OURS) and not (skip and name.startswith(skip)):
            module = name[len(str(ROOT)) + 1 : -3].replace("/", ".")
            return f"{module}:{frame.f_code.co_qualname}"
        frame = frame.f_back
    return None


class Steps:
    """A profile of the calling thread and its database round trips, while ``sampling()``
    runs."""

    def __init__(self) -> None:
        self.profile = cProfile.Profile()
        self.trips: collections.Counter[str] = collections.Counter()

    @contextmanager
    def sampling(self) -> Iterator[None]:
        from db.transactions import SqliteTransactions

        run = SqliteTransactions.run
        trips = self.trips

        async def counted(self_, work, *, ends=False):
            trips[_step(sys._getframe(1), skip=DB) or "?"] += 1
            return await run(self_, work, ends=ends)

        SqliteTransactions.run = counted  # type: ignore[method-assign]
        self.profile.enable()
        try:
            yield
        finally:
            self.profile.disable()
            SqliteTransactions.run = run  # type: ignore[method-assign]

    def own(self) -> dict[str, float]:
        """Seconds per step of ours: its time with its callees', less what it spent in
        callees of ours (which are steps of their own) - so a step is our function with
        the library calls it makes."""
        stats = pstats.Stats(self.profile).stats  # type: ignore[attr-defined]
        seconds: dict[tuple[str, int, str], float] = {
            f: ct for f, (_cc, _nc, _tt, ct, _callers) in stats.items() if _ours(f[0])
        }
        for callee, (_cc, _nc, _tt, _ct, callers) in stats.items():
            if not _ours(callee[0]) or callee == ("~", 0, ""):
                continue
            for caller, edge in callers.items():
                if caller in seconds and caller != callee:
                    seconds[caller] -= edge[3]
        named = {_name(f): s for f, s in seconds.items()}
        return {name: s for name, s in named.items() if name not in SKIP}

    def costliest(self, updates: int, count: int = 5) -> list[tuple[str, float]]:
        """The ``count`` costliest steps in ms per update (profiled time, which is
        slower than unprofiled: compare names and shares, not the figures with the ratio)."""
        ranked = sorted(self.own().items(), key=lambda item: -item[1])[:count]
        return [(step, s * 1000 / updates) for step, s in ranked]

    def trips_per_update(self, updates: int) -> float:
        return sum(self.trips.values()) / updates


def _ours(filename: str) -> bool:
    return filename.startswith(OURS)


def _name(f: tuple[str, int, str]) -> str:
    return f"{f[0][len(str(ROOT)) + 1 : -3].replace('/', '.')}:{f[2]}"


def row(steps: Steps, updates: int) -> tuple[str, str, str]:
    """The bench's row: round trips per update, and the five costliest steps by name."""
    named = "; ".join(f"{step} {ms:.2f} ms" for step, ms in steps.costliest(updates))
    trips = ", ".join(f"{where} {n / updates:.2f}" for where, n in steps.trips.most_common(3))
    return (
        "handler mix: costliest steps per update",
        f"{steps.trips_per_update(updates):.1f} DB trips",
        f"{named} (profiled; most DB trips: {trips})",
    )
