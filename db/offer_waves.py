"""The search for a helper of each open request (handlers/helping/matching/waves.py): its waves,
when the next one is due, how far it reaches, and whether the coordinators took it over.
Times are stored text of the offer rules' clock."""

from __future__ import annotations

from dataclasses import dataclass

from db.request_states import OPEN
from db.statements import execute, fetch_all, fetch_one
from db.transactions import Transactions


@dataclass(frozen=True)
class Search:
    request_id: int
    waves: int
    started_at: str
    last_at: str | None
    next_at: str | None
    reach: int
    handed_over_at: str | None
    # Until when a "just talk" request is offered to volunteers on a talk shift (None: the
    # usual waves; handlers/helping/talk_now.py).
    talk_until: str | None = None


class WaveStore:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def get(self, request_id: int) -> Search | None:
        row = await fetch_one(
            self._tx,
            "SELECT request_id, waves, started_at, last_at, next_at, reach, handed_over_at,"
            " talk_until FROM request_waves WHERE request_id = ?",
            (request_id,),
        )
        return None if row is None else Search(*row)

    async def start(self, request_id: int, now: str, talk_until: str | None = None) -> Search:
        """The search begins (published, or open again after a hand-back): it counts from
        ``now`` in the volunteers' own areas again; the waves and asked so far stay.
        ``talk_until``: a "just talk" request is offered to volunteers on a talk shift until
        then (None: the usual waves from now)."""
        await execute(
            self._tx,
            "INSERT INTO request_waves (request_id, started_at, talk_until) VALUES (?, ?, ?)"
            " ON CONFLICT (request_id) DO UPDATE SET started_at = excluded.started_at,"
            " reach = 0, next_at = NULL, talk_until = excluded.talk_until",
            (request_id, now, talk_until),
        )
        search = await self.get(request_id)
        assert search is not None
        return search

    async def sent(self, request_id: int, now: str, next_at: str | None, reach: int) -> None:
        """A wave went at ``now``; the next is due at ``next_at``."""
        await execute(
            self._tx,
            "UPDATE request_waves SET waves = waves + 1, last_at = ?, next_at = ?, reach = ?"
            " WHERE request_id = ?",
            (now, next_at, reach, request_id),
        )

    async def wait(self, request_id: int, next_at: str | None, reach: int) -> None:
        """Nobody to ask now: look again at ``next_at``."""
        await execute(
            self._tx,
            "UPDATE request_waves SET next_at = ?, reach = ? WHERE request_id = ?",
            (next_at, reach, request_id),
        )

    async def hand_over(self, request_id: int, now: str) -> bool:
        """The budget is spent: the coordinators have it, the bot asks nobody more on its
        own. False if that happened before."""
        rows = await fetch_all(
            self._tx,
            "UPDATE request_waves SET handed_over_at = ?, next_at = NULL"
            " WHERE request_id = ? AND handed_over_at IS NULL RETURNING request_id",
            (now, request_id),
        )
        return bool(rows)

    async def due(self, now: str) -> list[int]:
        """Open requests whose next wave (or look) is due, longest waiting first."""
        rows = await fetch_all(
            self._tx,
            "SELECT w.request_id FROM request_waves w JOIN help_requests r"
            " ON r.id = w.request_id WHERE w.next_at IS NOT NULL AND w.next_at <= ?"
            f" AND w.handed_over_at IS NULL AND r.state = '{OPEN}' ORDER BY w.started_at",
            (now,),
        )
        return [row[0] for row in rows]
