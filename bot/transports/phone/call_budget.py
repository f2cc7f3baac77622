"""What the phone line counts of the calls the bot makes (bot/transports/phone/dialling.py):
the month's calls against ``[phone] monthly_calls`` and, per number, today's call-backs
against ``[phone] calls_per_number_day``.

Both are taken with one conditional UPDATE, as the SMS budget is
(bot/transports/sms/store.py): processes calling at once never spend past them. The month is
the installation's, counted in the main city's database; which share of it a city's
coordinators were told of (``told``) is the city's own, claimed the same way, so they are
told once. A number's counts are kept for its day only: counting on a new day removes the
days before (few rows, never old ones).
"""

from __future__ import annotations

from db.statements import changed, execute, fetch_one
from db.transactions import Transactions


class CallBudgetStore:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def _month(self, month: str) -> None:
        await execute(
            self._tx,
            "INSERT INTO call_budget (month, calls, told) VALUES (?, 0, 0)"
            " ON CONFLICT (month) DO NOTHING",
            (month,),
        )

    async def spend(self, month: str, limit: int) -> bool:
        """Take one call of ``month`` if fewer than ``limit`` were taken, else nothing."""
        async with self._tx.transaction():
            await self._month(month)
            return (
                await changed(
                    self._tx,
                    "UPDATE call_budget SET calls = calls + 1 WHERE month = ? AND calls < ?",
                    (month, limit),
                )
                == 1
            )

    async def spent(self, month: str) -> int:
        row = await fetch_one(self._tx, "SELECT calls FROM call_budget WHERE month = ?", (month,))
        return int(row[0]) if row else 0

    async def claim_notice(self, month: str, share: int) -> bool:
        """Whether this caller tells the coordinators that ``share`` per cent of ``month``'s
        calls are spent: true once a month a share."""
        async with self._tx.transaction():
            await self._month(month)
            return (
                await changed(
                    self._tx,
                    "UPDATE call_budget SET told = ? WHERE month = ? AND told < ?",
                    (share, month, share),
                )
                == 1
            )

    async def count_call(self, day: str, number: str, cap: int) -> bool:
        """Count a call to ``number`` on ``day`` if fewer than ``cap`` were, else nothing."""
        async with self._tx.transaction():
            await execute(self._tx, "DELETE FROM call_days WHERE day <> ?", (day,))
            await execute(
                self._tx,
                "INSERT INTO call_days (day, number, calls) VALUES (?, ?, 0)"
                " ON CONFLICT (day, number) DO NOTHING",
                (day, number),
            )
            return (
                await changed(
                    self._tx,
                    "UPDATE call_days SET calls = calls + 1"
                    " WHERE day = ? AND number = ? AND calls < ?",
                    (day, number, cap),
                )
                == 1
            )

    async def uncount_call(self, day: str, number: str) -> None:
        """Take back a call counted for ``number`` on ``day`` that was not placed."""
        await execute(
            self._tx,
            "UPDATE call_days SET calls = calls - 1 WHERE day = ? AND number = ? AND calls > 0",
            (day, number),
        )
