"""What the phone line keeps of its check calls (bot/transports/phone/calls/check_calls.py): the
check waiting for each number (``check_calls``) and the day's check calls placed
(``check_call_days``: per number with the time of the last, the city's pool as the number
``POOL``, each hour as ``POOL`` + "HH"; the share of checks of numbers whose person has
nothing to protect as ``NEWCOMERS`` and ``NEWCOMERS`` + "HH"; a pool whose running dry the
coordinators were told of, once, as ``TOLD`` + its name).

A call is counted with conditional UPDATEs in one transaction, as the month's calls are
(calls_per_number_day.py): processes placing at once never go past a cap, and a call refused by one
cap is counted by none. Counting on a new day removes the days before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.clock import from_text, to_text
from db.statements import changed, execute, fetch_all, fetch_one
from db.transactions import Transactions

# The number that counts the city's pool of the day; with the hour ("*14") the hour's.
POOL = "*"
# The checks of numbers whose person has nothing to protect, of the day ("*new14": the
# hour's): they may spend the pool only up to its reserve (check_calls.py).
NEWCOMERS = "*new"
# A pool that ran dry and was told of ("!*", "!*new14"): counted once, so told once.
TOLD = "!"
# The checks of one block of numbers ("#+49231555": all but the last digits alike), of the
# day (at most :data:`PER_BLOCK_DAY`).
BLOCK = "#"
# Check calls a day at most to one block of numbers (a thousand numbers - a range a
# provider sells, a row of residents' numbers a caller ID can be set to; neighbours of one
# exchange share it too, so it is more than one number's two; check_calls.py).
PER_BLOCK_DAY = 4
# Sorts after every stored time: no gap asked for.
_ANY_TIME = "~"


@dataclass(frozen=True)
class Waiting:
    """A check waiting to be placed: the number, the button its call begins with, the
    asking call's language ('' none), consent and easy texts, the tries made, when due,
    when it was asked for (the check call says it; None: not read yet)."""

    number: str
    data: str
    language: str
    consented: bool
    easy: bool
    tries: int
    next_at: datetime
    asked_at: datetime | None = None


class _Full(Exception):
    """A cap is reached: the counting is rolled back."""


_COLUMNS = "number, data, language, consented, easy, tries, next_at"
_READ = _COLUMNS + ", asked_at"


def _waiting(row: Any) -> Waiting:
    asked_at = from_text(row[7]) if row[7] else None
    return Waiting(
        row[0],
        row[1],
        row[2],
        bool(row[3]),
        bool(row[4]),
        int(row[5]),
        from_text(row[6]),
        asked_at,
    )


class CheckCallStore:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def ask(self, waiting: Waiting, now: datetime) -> Waiting:
        """Keep ``waiting`` unless a check waits for its number already: the one that waits."""
        async with self._tx.transaction():
            await execute(
                self._tx,
                f"INSERT INTO check_calls ({_COLUMNS}, asked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (number) DO NOTHING",
                (
                    waiting.number,
                    waiting.data,
                    waiting.language,
                    int(waiting.consented),
                    int(waiting.easy),
                    waiting.tries,
                    to_text(waiting.next_at),
                    to_text(now),
                ),
            )
            found = await self.get(waiting.number)
        assert found is not None
        return found

    async def get(self, number: str) -> Waiting | None:
        row = await fetch_one(
            self._tx, f"SELECT {_READ} FROM check_calls WHERE number = ?", (number,)
        )
        return None if row is None else _waiting(row)

    async def due(self, now: datetime) -> list[Waiting]:
        rows = await fetch_all(
            self._tx,
            f"SELECT {_READ} FROM check_calls WHERE next_at <= ? ORDER BY next_at",
            (to_text(now),),
        )
        return [_waiting(row) for row in rows]

    async def wait_until(self, number: str, at: datetime, tries: int | None = None) -> None:
        """The check of ``number`` is due at ``at`` (after ``tries`` tries, if given)."""
        if tries is None:
            await execute(
                self._tx,
                "UPDATE check_calls SET next_at = ? WHERE number = ?",
                (to_text(at), number),
            )
            return
        await execute(
            self._tx,
            "UPDATE check_calls SET next_at = ?, tries = ? WHERE number = ?",
            (to_text(at), tries, number),
        )

    async def claim(self, waiting: Waiting, until: datetime) -> bool:
        """Take ``waiting`` for a try, as it was read: it is not due again before ``until``
        (a process that dies during the call leaves it for then). False: another took it,
        or it changed meanwhile."""
        return (
            await changed(
                self._tx,
                "UPDATE check_calls SET next_at = ? WHERE number = ? AND next_at = ? AND tries = ?",
                (to_text(until), waiting.number, to_text(waiting.next_at), waiting.tries),
            )
            == 1
        )

    async def done(self, number: str) -> None:
        await execute(self._tx, "DELETE FROM check_calls WHERE number = ?", (number,))

    async def placed(self, day: str, number: str) -> tuple[int, datetime | None]:
        """How many check calls ``number`` (or ``POOL``...) had on ``day``, and when the last."""
        row = await fetch_one(
            self._tx,
            "SELECT calls, last_at FROM check_call_days WHERE day = ? AND number = ?",
            (day, number),
        )
        if row is None:
            return 0, None
        return int(row[0]), from_text(row[1]) if row[1] else None

    async def used(self, day: str) -> list[tuple[str, int]]:
        """Each number called to check on ``day`` and how often (not the pool's counts,
        which are not numbers), the most called first."""
        rows = await fetch_all(
            self._tx,
            "SELECT number, calls FROM check_call_days WHERE day = ? AND calls > 0"
            " AND number LIKE '+%' ORDER BY calls DESC, number",
            (day,),
        )
        return [(str(row[0]), int(row[1])) for row in rows]

    async def told(self, day: str) -> list[str]:
        """The pools (and blocks) whose running dry on ``day`` was told (:meth:`first_told`):
        spent still, as a count never falls within its day."""
        rows = await fetch_all(
            self._tx,
            "SELECT number FROM check_call_days WHERE day = ? AND number LIKE ? ORDER BY number",
            (day, TOLD + "%"),
        )
        return [str(row[0]).removeprefix(TOLD) for row in rows]

    async def first_told(self, day: str, pool: str) -> bool:
        """Whether ``pool`` running dry on ``day`` is told now: True only the first time
        it is asked (of processes asking at once, one)."""
        return (
            await changed(
                self._tx,
                "INSERT INTO check_call_days (day, number, calls, last_at)"
                " VALUES (?, ?, 1, '') ON CONFLICT (day, number) DO NOTHING",
                (day, TOLD + pool),
            )
            == 1
        )

    async def count(
        self, day: str, now: datetime, caps: list[tuple[str, int, datetime | None]]
    ) -> bool:
        """Count a call placed now on ``day`` under each of ``caps`` - (number, the most
        a day, no call since) - if every one has room; else count none."""
        try:
            async with self._tx.transaction():
                await execute(self._tx, "DELETE FROM check_call_days WHERE day <> ?", (day,))
                for number, cap, since in caps:
                    await execute(
                        self._tx,
                        "INSERT INTO check_call_days (day, number, calls, last_at)"
                        " VALUES (?, ?, 0, '') ON CONFLICT (day, number) DO NOTHING",
                        (day, number),
                    )
                    taken = await changed(
                        self._tx,
                        "UPDATE check_call_days SET calls = calls + 1, last_at = ?"
                        " WHERE day = ? AND number = ? AND calls < ? AND last_at <= ?",
                        (to_text(now), day, number, cap, to_text(since) if since else _ANY_TIME),
                    )
                    if taken != 1:
                        raise _Full
        except _Full:
            return False
        return True
