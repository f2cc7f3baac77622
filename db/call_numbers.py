"""A helper's own phone number for calls the bot connects (bot/transports/phone/
bridging.py): given once by them, seen by nobody, removed by them in the settings or with
the account (db/personal_data.py, the "calls" purpose)."""

from __future__ import annotations

from db.clock import utcnow
from db.statements import execute, fetch_one
from db.transactions import Transactions


class CallNumbers:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def get(self, user_id: int) -> str | None:
        row = await fetch_one(
            self._tx, "SELECT number FROM call_numbers WHERE user_id = ?", (user_id,)
        )
        return None if row is None else str(row[0])

    async def set(self, user_id: int, number: str) -> None:
        """``number`` in E.164 (handlers/helping/bridged_calls.py checks it)."""
        await execute(
            self._tx,
            "INSERT INTO call_numbers (user_id, number, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET number = excluded.number,"
            " updated_at = excluded.updated_at",
            (user_id, number, utcnow()),
        )

    async def remove(self, user_id: int) -> None:
        await execute(self._tx, "DELETE FROM call_numbers WHERE user_id = ?", (user_id,))
