"""Small key/value memory of the transports, and Matrix's numbered-choice maps."""

from __future__ import annotations

import json

from db.clock import utcnow
from db.rows import execute, fetch_one
from db.transactions import Transactions


class TransportStateStore:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def get(self, key: str) -> str | None:
        row = await fetch_one(self._tx, "SELECT value FROM transport_state WHERE key = ?", (key,))
        return None if row is None else row[0]

    async def set(self, key: str, value: str) -> None:
        async with self._tx.single_statement():
            await execute(
                self._tx,
                "INSERT INTO transport_state (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    async def remember_buttons(
        self, event_id: str, room_id: str, buttons: list[tuple[str, str]]
    ) -> None:
        async with self._tx.single_statement():
            await execute(
                self._tx,
                "INSERT OR REPLACE INTO matrix_buttons (event_id, room_id, buttons, created_at)"
                " VALUES (?, ?, ?, ?)",
                (event_id, room_id, json.dumps(buttons, ensure_ascii=False), utcnow()),
            )

    async def buttons_of(self, event_id: str) -> list[tuple[str, str]]:
        row = await fetch_one(
            self._tx, "SELECT buttons FROM matrix_buttons WHERE event_id = ?", (event_id,)
        )
        return [tuple(b) for b in json.loads(row[0])] if row else []

    async def latest_buttons(self, room_id: str) -> tuple[str, list[tuple[str, str]]] | None:
        """(event id, buttons) of the newest message with choices in a room."""
        row = await fetch_one(
            self._tx,
            "SELECT event_id, buttons FROM matrix_buttons WHERE room_id = ?"
            " ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (room_id,),
        )
        return (row[0], [tuple(b) for b in json.loads(row[1])]) if row else None
