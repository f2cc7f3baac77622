"""Small key/value memory of the transports, and where Matrix keeps its numbered choices.

Besides the sync token, the device and its stored login (``matrix.session``, the bot's own
access token: see bot/transports/matrix/login.py), Matrix keeps two things per room under
keys of its own (no table of their own: a key per room is all they need):

- ``matrix.room:<room id>``: who the room is for, as the homeserver's member list said
  when it was last asked - a direct chat with one person, or a group (see
  bot/transports/matrix/rooms.py). Asked again whenever the room's membership changes;
  removed when the bot leaves the room.
- ``matrix.newest:<room id>``: the newest message the bot sent in the room and whether a
  typed number may press one of its buttons; with each message's buttons (the
  ``matrix_buttons`` table), the memory of bot/transports/numbered_choices.py.
- ``matrix.leave:<room id>``: a room the bot leaves once the next sync has shown it (an
  encrypted room is written to only then), with the note it says first: "group" or
  "enough" (bot/transports/matrix/rooms.py); meanwhile ``matrix.room:`` says "leaving".
- ``matrix.greet:<room id>``: a direct chat just joined whose greeting waits for the next
  sync (the person's first message may be there already, and then it greets instead).
- ``matrix.undecrypted:<room id>``: encrypted events of the room whose key has not arrived
  yet (the whole event, still encrypted), answered once it does; a few per sender and per
  room, with who was asked to send again and when (bounded: see
  bot/transports/matrix/inbound.py).

``installation.city`` is the slug of the city whose data the database holds, recorded at
its first open by a command or the bot (bot/app.py ``open_city_database``) and never
changed: ``db restore`` refuses a backup recorded for another city (bot/cli/backups.py).

The phone line keeps ``phone.registration``: the registrar's last answer (code and time),
which ``doctor`` reads (bot/transports/phone/sip/registration.py).

The bot's end-to-end encryption state has a table of its own (``matrix_crypto``): see
bot/transports/matrix/crypto_state.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from db.clock import utcnow
from db.statements import changed, execute, fetch_all, fetch_one
from db.transactions import Transactions

_ROOM = "matrix.room:"
_NEWEST = "matrix.newest:"
GREET = "matrix.greet:"
LEAVE = "matrix.leave:"
UNDECRYPTED = "matrix.undecrypted:"
NEXT_BATCH = "matrix.next_batch"
# This database's prefix of Matrix transaction ids (bot/transports/matrix/outbound.py).
TRANSACTIONS = "matrix.transactions"
# The slug of the city whose data this database holds (see above).
CITY = "installation.city"
# The fencing token of the process that holds the Matrix role now: made anew by each holder
# as it takes the role, before it opens the device's keys. A write of the keys names the
# token its process took and is refused once another holder has taken a newer one.
HOLDER = "matrix.holder"


class NotHolder(RuntimeError):
    """A write of the Matrix keys from a process that no longer holds the Matrix role."""


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

    async def claim_city(self, slug: str) -> None:
        """Record ``slug`` as the city whose data this database holds, unless a city is
        recorded already (``db restore`` reads the record with :meth:`get`)."""
        async with self._tx.single_statement():
            await execute(
                self._tx,
                "INSERT INTO transport_state (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO NOTHING",
                (CITY, slug),
            )

    async def delete(self, key: str) -> None:
        async with self._tx.single_statement():
            await execute(self._tx, "DELETE FROM transport_state WHERE key = ?", (key,))

    async def keys_under(self, prefix: str) -> list[str]:
        """The keys that start with ``prefix`` (e.g. every room with a greeting due)."""
        rows = await fetch_all(
            self._tx,
            "SELECT key FROM transport_state WHERE substr(key, 1, ?) = ? ORDER BY key",
            (len(prefix), prefix),
        )
        return [row[0] for row in rows]

    # -- Matrix end-to-end encryption -----------------------------------------------------
    async def crypto_store(self, user_id: str, device_id: str) -> str | None:
        """The device's matrix-nio store (base64 of its SQLite file), if one was saved."""
        row = await fetch_one(
            self._tx,
            "SELECT store FROM matrix_crypto WHERE user_id = ? AND device_id = ?",
            (user_id, device_id),
        )
        return None if row is None else row[0]

    async def take_holder(self, token: str) -> None:
        """This process holds the Matrix role from now on, under ``token``: the writes of
        any earlier holder are refused from the commit of this one on."""
        await self.set(HOLDER, token)

    async def save_crypto_store(
        self,
        user_id: str,
        device_id: str,
        store: str | None,
        next_batch: str | None = None,
        *,
        holder: str,
    ) -> None:
        """The device's store and the sync token it belongs with, committed together: a
        process that takes over never has keys older than the events it goes on from.

        Fenced: raises :class:`NotHolder`, writing nothing, unless ``holder`` is still the
        newest holder's token. The check is an update of the token's row, so it waits for
        (or holds off) a new holder's :meth:`take_holder` and sees the newest token: an
        old holder's write is either committed before the new holder reads the keys or
        refused."""
        async with self._tx.transaction():
            fenced = await changed(
                self._tx,
                "UPDATE transport_state SET value = value WHERE key = ? AND value = ?",
                (HOLDER, holder),
            )
            if fenced != 1:
                raise NotHolder("another process holds the Matrix role now")
            if store is not None:
                await execute(
                    self._tx,
                    "INSERT INTO matrix_crypto (user_id, device_id, store, updated_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (user_id, device_id) DO UPDATE SET"
                    " store = excluded.store, updated_at = excluded.updated_at",
                    (user_id, device_id, store, utcnow()),
                )
            if next_batch is not None:
                await execute(
                    self._tx,
                    "INSERT INTO transport_state (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (NEXT_BATCH, next_batch),
                )

    # -- Matrix rooms ---------------------------------------------------------------------
    async def matrix_room(self, room_id: str) -> MatrixRoom | None:
        value = await self.get(_ROOM + room_id)
        if value is None:
            return None
        data = json.loads(value)
        return MatrixRoom(kind=data["kind"], peer=data.get("peer", ""))

    async def remember_matrix_room(self, room_id: str, room: MatrixRoom) -> None:
        await self.set(_ROOM + room_id, _room_value(room))

    async def rooms_like(self, room: MatrixRoom) -> list[str]:
        """The rooms kept as ``room`` is (e.g. every direct chat with one person)."""
        rows = await fetch_all(
            self._tx,
            "SELECT key FROM transport_state WHERE substr(key, 1, ?) = ? AND value = ?"
            " ORDER BY key",
            (len(_ROOM), _ROOM, _room_value(room)),
        )
        return [row[0].removeprefix(_ROOM) for row in rows]

    async def forget_matrix_room(self, room_id: str) -> None:
        await self.delete(_ROOM + room_id)

    # -- Matrix's numbered choices (bot/transports/numbered_choices.py, a Memory) ----------
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

    async def buttons_of(self, event_id: str, room_id: str) -> list[tuple[str, str]]:
        """The buttons of the bot's message ``event_id`` in ``room_id`` (none for one in
        another room)."""
        row = await fetch_one(
            self._tx,
            "SELECT buttons FROM matrix_buttons WHERE event_id = ? AND room_id = ?",
            (event_id, room_id),
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


def _room_value(room: MatrixRoom) -> str:
    """A room as kept: always written the same way, so that it can be looked for."""
    return json.dumps({"kind": room.kind, "peer": room.peer})
