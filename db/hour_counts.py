"""Counts of the clock hour at hand (UTC, "YYYY-MM-DDTHH"), all people together, against a
limit of the city or the installation: one row an hour in a table of (hour, a count, told),
earlier hours' rows gone at the next count - nobody's data. The one owner of that SQL, for
the city's wrong PINs (``phone_pin_hours``, db/phone_pins.py), its wrong SMS codes
(``sms_code_hours``) and the code texts sent (``sms_code_texts``, both
bot/transports/sms/store.py)."""

from __future__ import annotations

from db.statements import changed, execute, fetch_one
from db.transactions import Transactions


class HourCount:
    """The count ``column`` of ``table``'s hour rows (names from the code, never input)."""

    def __init__(self, transactions: Transactions, table: str, column: str) -> None:
        self._tx = transactions
        self._table = table
        self._column = column

    async def add(self, hour: str) -> int:
        """Count one in ``hour``: the hour's count so far, this one included. Callers that
        count before they compare (a try before the PIN or code is checked, a text before it
        is sent) give it back (:meth:`give_back`) when it was not one after all, so that
        processes at once never pass the limit between them."""
        async with self._tx.transaction(savepoint=False):
            await self._row(hour)
            await execute(
                self._tx,
                f"UPDATE {self._table} SET {self._column} = {self._column} + 1 WHERE hour = ?",
                (hour,),
            )
            return await self.count(hour)

    async def give_back(self, hour: str) -> None:
        """One counted in ``hour`` was not one (a right code, a text not sent)."""
        await execute(
            self._tx,
            f"UPDATE {self._table} SET {self._column} = {self._column} - 1"
            f" WHERE hour = ? AND {self._column} > 0",
            (hour,),
        )

    async def count(self, hour: str) -> int:
        """The count of ``hour`` (0 for an hour not counted in)."""
        row = await fetch_one(
            self._tx, f"SELECT {self._column} FROM {self._table} WHERE hour = ?", (hour,)
        )
        return 0 if row is None else int(row[0])

    async def claim_told(self, hour: str, level: int = 1, reached: int = 0) -> int | None:
        """The count of ``hour`` when the caller is the first to tell the coordinators of
        ``level`` this hour (a level above any told, the count at ``reached`` at least;
        marked told at once, so that processes at once tell it once); else None. Where the
        count is kept elsewhere (the installation's, in the main city's database) the
        table holds the city's told alone."""
        async with self._tx.transaction(savepoint=False):
            await self._row(hour)
            told = await changed(
                self._tx,
                f"UPDATE {self._table} SET told = ? WHERE hour = ? AND told < ?"
                f" AND {self._column} >= ?",
                (level, hour, level, reached),
            )
            return await self.count(hour) if told else None

    async def _row(self, hour: str) -> None:
        """``hour``'s row, made if need be; earlier hours' rows go - not a later one: at the
        hour's turn a process whose clock is a moment behind must not start the new hour's
        count again (nor, on PostgreSQL, wait for the other process's deletion while it
        waits for its own). "YYYY-MM-DDTHH" sorts as time does."""
        table = self._table
        await execute(self._tx, f"DELETE FROM {table} WHERE hour < ?", (hour,))
        await execute(
            self._tx,
            f"INSERT INTO {table} (hour, {self._column}, told) VALUES (?, 0, 0)"
            " ON CONFLICT (hour) DO NOTHING",
            (hour,),
        )
