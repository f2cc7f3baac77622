"""What the phone line counts per number of the calls the bot makes
(bot/transports/phone/calls/dialling.py): today's call-backs against ``[phone]
calls_per_number_day``. The month's calls are the month's budget's
(bot/transports/month_budget.py, table ``call_budget``).

Taken with one conditional UPDATE, as the month is: processes calling at once never go past
the cap. A number's counts are kept for its day only: counting on a new day removes the days
before (few rows, never old ones).
"""

from __future__ import annotations

from db.statements import changed, execute
from db.transactions import Transactions


class CallDays:
    """The call-backs each number had today (table ``call_days``), in its city's database."""

    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

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
