"""Small key/value memory of the transports, and Matrix's numbered-choice maps.

Besides the sync token, the device and its stored login (``matrix.session``, the bot's own
access token: see bot/transports/matrix/login.py), Matrix keeps two things per room under
keys of its own (no table of their own: a key per room is all they need):

- ``matrix.room:<room id>``: who the room is for, as the homeserver's member list said
  when it was last asked - a direct chat with one person, or a group (see
  bot/transports/matrix.py). Asked again whenever the room's membership changes.
- ``matrix.newest:<room id>``: the newest message the bot sent in the room and whether a
  typed number may press one of its buttons.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from db.clock import utcnow
from db.statements import execute, fetch_one
from db.transactions import Transactions

_ROOM = "matrix.room:"
_NEWEST = "matrix.newest:"


@dataclass(frozen=True)
class MatrixRoom:
    """``kind``: "direct" (the bot and one person), "group" (more people), "empty" (the
    bot alone) or "gone" (the bot is not in it). ``peer``: the one person of a direct chat."""

    kind: str
    peer: str = ""


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

    async def delete(self, key: str) -> None:
        async with self._tx.single_statement():
            await execute(self._tx, "DELETE FROM transport_state WHERE key = ?", (key,))

    # -- Matrix rooms ---------------------------------------------------------------------
    async def matrix_room(self, room_id: str) -> MatrixRoom | None:
        value = await self.get(_ROOM + room_id)
        if value is None:
            return None
        data = json.loads(value)
        return MatrixRoom(kind=data["kind"], peer=data.get("peer", ""))

    async def remember_matrix_room(self, room_id: str, room: MatrixRoom) -> None:
        await self.set(_ROOM + room_id, json.dumps({"kind": room.kind, "peer": room.peer}))

    async def forget_matrix_room(self, room_id: str) -> None:
        await self.delete(_ROOM + room_id)

    # -- Matrix's numbered choices --------------------------------------------------------
    async def remember_buttons(
        self, event_id: str, room_id: str, buttons: list[tuple[str, str]]
    ) -> None:
        """The buttons of a message; none forgets them (the message was edited to have
        none, so a reaction on it no longer presses anything)."""
        async with self._tx.single_statement():
            if not buttons:
                await execute(
                    self._tx, "DELETE FROM matrix_buttons WHERE event_id = ?", (event_id,)
                )
                return
            await execute(
                self._tx,
                "INSERT INTO matrix_buttons (event_id, room_id, buttons, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET"
                " room_id = excluded.room_id, buttons = excluded.buttons,"
                " created_at = excluded.created_at",
                (event_id, room_id, json.dumps(buttons, ensure_ascii=False), utcnow()),
            )

    async def buttons_of(self, event_id: str) -> list[tuple[str, str]]:
        row = await fetch_one(
            self._tx, "SELECT buttons FROM matrix_buttons WHERE event_id = ?", (event_id,)
        )
        return [tuple(b) for b in json.loads(row[0])] if row else []

    async def note_sent(self, room_id: str, event_id: str, typed: bool) -> None:
        """The bot's newest message in a room; ``typed``: a typed number may press one of
        its buttons."""
        await self.set(_NEWEST + room_id, json.dumps({"event": event_id, "typed": typed}))

    async def newest_sent(self, room_id: str) -> tuple[str, bool] | None:
        """(event id, typed) of the bot's newest message in a room."""
        value = await self.get(_NEWEST + room_id)
        if value is None:
            return None
        data = json.loads(value)
        return data["event"], bool(data["typed"])

    async def typed_choices(self, room_id: str) -> tuple[str, list[tuple[str, str]]] | None:
        """(event id, buttons) of the message a typed number in the room chooses from:
        the bot's newest message there, if it has buttons that may be chosen by typing."""
        newest = await self.newest_sent(room_id)
        if newest is None or not newest[1]:
            return None
        buttons = await self.buttons_of(newest[0])
        return (newest[0], buttons) if buttons else None
