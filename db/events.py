"""Events, who follows them, concrete reminders, and subscriptions to places and districts."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

import aiosqlite

from db.clock import to_text, utcnow
from db.statements import execute, execute_many, fetch_all, fetch_one, fetch_with_texts
from db.transactions import Transactions


@dataclass(frozen=True)
class Event:
    uid: str
    title: str
    starts_local: str
    description: str = ""
    lang: str = "de"
    place_id: int | None = None
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    stadtbezirk: str = ""
    duration_minutes: int = 120
    rrule: str = ""
    exdates: tuple[str, ...] = ()
    category: str = ""
    target_groups: tuple[str, ...] = ()
    free_of_charge: bool | None = None
    wheelchair: str | None = None
    organiser: str = ""
    status: str = "scheduled"
    source: str = ""
    texts: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False)
    id: int | None = field(default=None, compare=False)

    def title_in(self, lang: str) -> str:
        return (self.texts.get(lang) or ("", ""))[0] or self.title

    def description_in(self, lang: str) -> str:
        return (self.texts.get(lang) or ("", ""))[1] or self.description


_COLUMNS = [f.name for f in fields(Event) if f.name not in ("texts", "id")]
_LISTS = ("exdates", "target_groups")


def _to_row(event: Event) -> list[Any]:
    values = []
    for name in _COLUMNS:
        value = getattr(event, name)
        if name in _LISTS:
            value = ",".join(value)
        elif name == "free_of_charge" and value is not None:
            value = int(value)
        values.append(value)
    return values


def _from_row(row: aiosqlite.Row, texts: dict[str, tuple[str, str]] | None) -> Event:
    values = {name: row[name] for name in _COLUMNS}
    for name in _LISTS:
        values[name] = tuple(x for x in (values[name] or "").split(",") if x)
    if values["free_of_charge"] is not None:
        values["free_of_charge"] = bool(values["free_of_charge"])
    return Event(**values, texts=texts or {}, id=row["id"])


@dataclass(frozen=True)
class Reminder:
    id: int
    user_id: int
    event_id: int
    occurrence_local: str
    minutes_before: int
    fire_at: str


class EventStore:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def _select(self, where: str = "", params: tuple[Any, ...] = ()) -> list[Event]:
        rows, texts = await fetch_with_texts(
            self._tx,
            (f"SELECT * FROM events {where}", params),
            (
                "SELECT event_id, lang, title, description FROM event_texts"
                f" WHERE event_id IN (SELECT id FROM events {where})",
                params,
            ),
        )
        return [_from_row(row, texts.get(row["id"])) for row in rows]

    async def get(self, event_id: int) -> Event | None:
        found = await self._select("WHERE id = ?", (event_id,))
        return found[0] if found else None

    async def by_uid(self, uid: str) -> Event | None:
        found = await self._select("WHERE uid = ?", (uid,))
        return found[0] if found else None

    async def active(self) -> list[Event]:
        """Every event that is not cancelled (occurrences are computed from these)."""
        return await self._select("WHERE status != 'cancelled' ORDER BY id")

    async def listing(
        self, now_local: str, limit: int = 50, offset: int = 0
    ) -> tuple[list[Event], int]:
        """A page of events for the desk (and how many there are): those still to come
        (repeating or starting from ``now_local`` on) soonest first, then past ones latest
        first, then cancelled ones."""
        upcoming = "(status != 'cancelled' AND (rrule != '' OR starts_local >= ?))"
        order = (
            f"ORDER BY CASE WHEN {upcoming} THEN 0 WHEN status != 'cancelled' THEN 1 ELSE 2 END,"
            f" CASE WHEN {upcoming} THEN starts_local END, starts_local DESC, id"
            " LIMIT ? OFFSET ?"
        )
        page = await self._select(order, (now_local, now_local, limit, offset))
        row = await fetch_one(self._tx, "SELECT COUNT(*) FROM events")
        return page, int(row[0]) if row is not None else 0

    async def upsert(self, event: Event) -> tuple[int, str, Event | None]:
        """Insert or update by UID: (id, "created"|"updated"|"unchanged", old version)."""
        old = await self.by_uid(event.uid)
        now = utcnow()
        async with self._tx.transaction():
            if old is None:
                columns = [*_COLUMNS, "created_at", "updated_at"]
                row = await fetch_one(
                    self._tx,
                    f"INSERT INTO events ({', '.join(columns)})"
                    f" VALUES ({', '.join('?' * len(columns))}) RETURNING id",
                    [*_to_row(event), now, now],
                )
                assert row is not None
                event_id = int(row[0])
                outcome = "created"
            else:
                event_id = old.id or 0
                if old == replace(event, id=old.id) and old.texts == event.texts:
                    return event_id, "unchanged", old
                await execute(
                    self._tx,
                    f"UPDATE events SET {', '.join(f'{c} = ?' for c in _COLUMNS)},"
                    " updated_at = ? WHERE id = ?",
                    [*_to_row(event), now, event_id],
                )
                outcome = "updated"
            await execute(self._tx, "DELETE FROM event_texts WHERE event_id = ?", (event_id,))
            await execute_many(
                self._tx,
                "INSERT INTO event_texts (event_id, lang, title, description) VALUES (?, ?, ?, ?)",
                [(event_id, lang, t, d) for lang, (t, d) in sorted(event.texts.items())],
            )
        return event_id, outcome, old

    # -- follows and reminders ----------------------------------------------------------
    async def follow(self, user_id: int, event_id: int, occurrence_local: str = "") -> None:
        await execute(
            self._tx,
            "INSERT INTO event_follows (user_id, event_id, occurrence_local,"
            " created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (user_id, event_id, occurrence_local, utcnow()),
        )

    async def unfollow(self, user_id: int, event_id: int) -> None:
        async with self._tx.transaction():
            await execute(
                self._tx,
                "DELETE FROM event_follows WHERE user_id = ? AND event_id = ?",
                (user_id, event_id),
            )
            await execute(
                self._tx,
                "DELETE FROM reminders WHERE user_id = ? AND event_id = ? AND state = 'pending'",
                (user_id, event_id),
            )

    async def follows(
        self, *, event_id: int | None = None, user_id: int | None = None
    ) -> list[tuple[int, int, str]]:
        """(user id, event id, occurrence or '' for all) of the matching follows."""
        where, params = [], []
        if event_id is not None:
            where.append("event_id = ?")
            params.append(event_id)
        if user_id is not None:
            where.append("user_id = ?")
            params.append(user_id)
        rows = await fetch_all(
            self._tx,
            "SELECT user_id, event_id, occurrence_local FROM event_follows"
            + (f" WHERE {' AND '.join(where)}" if where else ""),
            params,
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def followed_event_ids(self) -> list[int]:
        rows = await fetch_all(self._tx, "SELECT DISTINCT event_id FROM event_follows")
        return [row[0] for row in rows]

    async def set_pending(
        self,
        event_id: int,
        user_ids: list[int] | None,
        wanted: list[tuple[int, str, int, str]],
        now: datetime,
    ) -> None:
        """Make the event's pending future reminders exactly ``wanted`` (user, occurrence,
        minutes before, fire at). Reminders already sent or skipped are never recreated."""
        keys = {(u, o, m) for u, o, m, _ in wanted}
        async with self._tx.transaction():
            sql = (
                "SELECT id, user_id, occurrence_local, minutes_before FROM reminders"
                " WHERE event_id = ? AND state = 'pending' AND fire_at > ?"
            )
            params: list[Any] = [event_id, to_text(now)]
            if user_ids is not None:
                sql += f" AND user_id IN ({','.join('?' * len(user_ids))})"
                params += user_ids
            stale = [
                row[0]
                for row in await fetch_all(self._tx, sql, params)
                if (row[1], row[2], row[3]) not in keys
            ]
            await execute_many(
                self._tx, "DELETE FROM reminders WHERE id = ?", [(i,) for i in stale]
            )
            await execute_many(
                self._tx,
                "INSERT INTO reminders (user_id, event_id, occurrence_local,"
                " minutes_before, fire_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(u, event_id, o, m, f) for u, o, m, f in wanted],
            )

    async def due(self, now: datetime, limit: int = 5000) -> list[Reminder]:
        rows = await fetch_all(
            self._tx,
            "SELECT id, user_id, event_id, occurrence_local, minutes_before, fire_at"
            " FROM reminders WHERE state = 'pending' AND fire_at <= ? ORDER BY fire_at LIMIT ?",
            (to_text(now), limit),
        )
        return [Reminder(*row) for row in rows]

    async def mark(self, reminder_ids: list[int], state: str) -> None:
        await execute_many(
            self._tx,
            "UPDATE reminders SET state = ? WHERE id = ? AND state = 'pending'",
            [(state, i) for i in reminder_ids],
        )

    async def pending_for_user(self, user_id: int) -> list[Reminder]:
        rows = await fetch_all(
            self._tx,
            "SELECT id, user_id, event_id, occurrence_local, minutes_before, fire_at"
            " FROM reminders WHERE user_id = ? AND state = 'pending' ORDER BY fire_at",
            (user_id,),
        )
        return [Reminder(*row) for row in rows]

    async def pending_count(self) -> int:
        row = await fetch_one(self._tx, "SELECT COUNT(*) FROM reminders WHERE state = 'pending'")
        assert row is not None
        return int(row[0])

    async def set_status(self, event_id: int, status: str) -> None:
        await execute(
            self._tx,
            "UPDATE events SET status = ?, updated_at = ? WHERE id = ?",
            (status, utcnow(), event_id),
        )

    # -- subscriptions -------------------------------------------------------------------
    async def subscribe(self, user_id: int, kind: str, target: str, on: bool = True) -> None:
        if on:
            await execute(
                self._tx,
                "INSERT INTO subscriptions (user_id, kind, target, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (user_id, kind, target, utcnow()),
            )
        else:
            await execute(
                self._tx,
                "DELETE FROM subscriptions WHERE user_id = ? AND kind = ? AND target = ?",
                (user_id, kind, target),
            )

    async def subscriptions(self, user_id: int) -> list[tuple[str, str]]:
        rows = await fetch_all(
            self._tx,
            "SELECT kind, target FROM subscriptions WHERE user_id = ? ORDER BY kind, target",
            (user_id,),
        )
        return [(r[0], r[1]) for r in rows]

    async def subscribers(self, kind: str, target: str) -> list[int]:
        rows = await fetch_all(
            self._tx,
            "SELECT user_id FROM subscriptions WHERE kind = ? AND target = ?",
            (kind, target),
        )
        return [row[0] for row in rows]
