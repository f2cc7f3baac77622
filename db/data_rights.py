"""Export, erasure and retention, run from the personal-data map (db/personal_data.py).

Nothing here knows a feature: a new table is covered by declaring it in the map.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from db.clock import local_day, to_text
from db.people_by_number import number_platforms, other_platforms
from db.personal_data import FILES, MAP, TABLES, Files, Retention, sections
from db.statements import changed, execute, fetch_all, fetch_one
from db.transactions import Transactions
from db.users import User

# Columns that hold JSON: exported as data, not as a string of it.
JSON_COLUMNS = {
    ("conversations", "data"),
    ("outbox", "payload"),
    ("matrix_buttons", "buttons"),
    ("transport_state", "value"),
    ("certificate_requests", "facts"),
}


# Where the map's SQL names the other platforms a person is reached on with the same chat
# id (a number's person: db/people_by_number.py), as ``platform IN (:platform, :other_platforms)``;
# :func:`person_sql` writes out one parameter for each.
OTHER_PLATFORMS = ":other_platforms"


def _other_slots() -> list[str]:
    """The parameters :data:`OTHER_PLATFORMS` stands for: one for each other number
    platform a person may have (at least one, "" where there is none: no platform is "")."""
    return [f"other_platform_{n}" for n in range(max(1, len(number_platforms()) - 1))]


def person_sql(sql: str) -> str:
    """The map's ``sql`` with :data:`OTHER_PLATFORMS` written out as parameters."""
    return sql.replace(OTHER_PLATFORMS, ", ".join(f":{slot}" for slot in _other_slots()))


def person_params(user: User) -> dict[str, Any]:
    """The named parameters the map's SQL (:func:`person_sql`) uses for a person."""
    others = other_platforms(user.platform)
    slots = _other_slots()
    return {
        "id": user.id,
        "platform": user.platform,
        # A number's person is reached on every number platform by one chat id.
        **{slot: others[n] if n < len(others) else "" for n, slot in enumerate(slots)},
        "chat_id": user.chat_id,
        # The chat they closed (db/users.py close_chat) is still where their rows are; the
        # open one again where they never closed one (no other chat matched).
        "closed_chat_id": user.closed_chat_id or user.chat_id,
        "subject": f"user:{user.id}",
        "about": f"%,{user.id},%",
    }


def about_value(user_ids: Iterable[int | None]) -> str:
    """The outbox ``about`` column for the people a message carries words or data of."""
    ids = sorted({i for i in user_ids if i is not None})
    return f",{','.join(map(str, ids))}," if ids else ""


@dataclass(frozen=True)
class Limits:
    """How long things are kept (from the ``[privacy]`` settings)."""

    closed_request_days: int = 90
    delivered_message_hours: int = 24
    conversation_days: int = 7
    handled_update_days: int = 7
    matrix_button_days: int = 30
    # Certificate requests of volunteers (names, dates of birth, what was signed).
    certificate_days: int = 30
    # The age of the oldest backup: the list of erased accounts keeps entries this long
    # (privacy.backup_days, bot/config.py).
    backup_days: int = 14

    def cutoffs(self, now: datetime) -> dict[str, str]:
        return {
            "closed_before": to_text(now - timedelta(days=self.closed_request_days)),
            "outbox_before": to_text(now - timedelta(hours=self.delivered_message_hours)),
            "updates_before": to_text(now - timedelta(days=self.handled_update_days)),
            "conversation_before": to_text(now - timedelta(days=self.conversation_days)),
            "buttons_before": to_text(now - timedelta(days=self.matrix_button_days)),
            "today_local": local_day(now),
            "day_before": to_text(now - timedelta(days=1)),
            "certificates_before": to_text(now - timedelta(days=self.certificate_days)),
        }


def erasure_statements(first: bool) -> list[str]:
    """The erasure, in the order it runs: content first (map order), then structure in
    reverse map order, so that rows found through a parent (relay messages of a person's
    own requests) go before the parent is unlinked and the account row goes last."""
    tables = MAP if first else tuple(reversed(MAP))
    return [
        action.sql(table.name, f"({link.where})")
        for table in tables
        for link in table.links
        for action in link.erase
        if action.first == first
    ]


class DataRights:
    def __init__(
        self, transactions: Transactions, erased: Callable[[], None] | None = None
    ) -> None:
        self._tx = transactions
        # Told inside the erasing transaction, so that what the erasure removed can be
        # cleared from the database's files once it is committed (db/database.py).
        self._erased = erased
        # Told likewise, with the ids of the files the erasure left unnamed: keepers of
        # files named by rows (personal_data.FILES) remove those whatever their age, and
        # look again for files no row names (what they read waits for the transaction's end).
        self.after_erasure: list[Callable[[set[str]], None]] = []
        # Keepers of rows' copies in memory (db/volunteers.py's parsed profiles), told the
        # erased person's user number inside the erasing transaction: nothing of the person
        # stays in memory beyond the rows (a copy dropped of a transaction that fails back
        # costs its keeper a read again).
        self.in_memory: list[Callable[[int], None]] = []

    async def export(self, user: User) -> dict[str, list[dict[str, Any]]]:
        """Everything the map selects for the person, by section, with stable keys."""
        params = person_params(user)
        found: dict[str, list[dict[str, Any]]] = {}
        for section in sections():
            columns = section.link.export
            refers = [(name, sql.format(table=section.table)) for name, sql in section.link.refers]
            selected = [*columns, *(f"{sql} AS {name}" for name, sql in refers)]
            rows = await fetch_all(
                self._tx,
                person_sql(
                    f"SELECT {', '.join(selected)} FROM {section.table} WHERE {section.link.where}"
                ),
                params,
            )
            found[section.name] = [
                {column: _value(section.table, column, row[column]) for column in columns}
                | {name: row[name] for name, _ in refers}
                for row in rows
            ]
        return found

    async def erase(self, user: User, close: Callable[[], Awaitable[None]]) -> None:
        """Erase the person: their content first, then ``close`` (what they had running
        ends through the request lifecycle, partners and coordinators told, with nothing
        left to quote), then everything else the map links to them. Call inside a
        transaction: all of it or nothing."""
        params = person_params(user)
        async with self._tx.transaction():
            named = [await self.files_in_use(files) for files in FILES]
            for sql in erasure_statements(first=True):
                await execute(self._tx, person_sql(sql), params)
            await close()
            for sql in erasure_statements(first=False):
                await execute(self._tx, person_sql(sql), params)
            if self._erased is not None:
                self._erased()
            for forget in self.in_memory:
                forget(user.id)
            unnamed: set[str] = set()
            for files, before in zip(FILES, named, strict=True):
                unnamed |= before - await self.files_in_use(files)
            for tell in self.after_erasure:
                tell(unnamed)

    async def files_in_use(self, files: Files) -> set[str]:
        """The ids of ``files`` that rows still name."""
        found: set[str] = set()
        pattern = re.compile(files.ids)
        for sql in files.in_use:
            for (text,) in await fetch_all(self._tx, sql):
                found.update(pattern.findall(str(text or "")))
        return found

    async def retain(self, step: Retention, limits: Limits, now: datetime) -> int:
        """Run one retention step in its own transaction; how many rows it changed."""
        cutoffs = limits.cutoffs(now)
        total = 0
        async with self._tx.transaction():
            for sql in step.statements:
                total += await changed(self._tx, sql, cutoffs)
        return total

    async def unmapped(self) -> list[str]:
        """``table.column`` of the live schema that the map does not classify (``db
        check`` fails on any: erasure would not know about them)."""
        missing = []
        for table, column in await self.live_columns():
            declared = TABLES[table].columns if table in TABLES else {}
            if column not in declared:
                missing.append(f"{table}.{column}")
        return missing

    async def live_columns(self) -> list[tuple[str, str]]:
        """(table, column) of every table of the live schema (this city's, on PostgreSQL),
        as the database's own catalogue has them, in table and column order."""
        if self._tx.dialect == "postgresql":
            rows = await fetch_all(
                self._tx,
                "SELECT c.table_name, c.column_name FROM information_schema.columns c"
                " JOIN information_schema.tables t ON t.table_schema = c.table_schema"
                " AND t.table_name = c.table_name"
                " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
                " ORDER BY c.table_name, c.ordinal_position",
            )
            return [(row[0], row[1]) for row in rows]
        found = []
        for (table,) in await fetch_all(
            self._tx,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name",
        ):
            for row in await fetch_all(self._tx, f"PRAGMA table_info({table})"):
                found.append((table, row[1]))
        return found

    async def holds_data(self, user: User) -> list[str]:
        """The sections of the export that hold anything for the person."""
        params = person_params(user)
        held = []
        for section in sections():
            row = await fetch_one(
                self._tx,
                person_sql(
                    f"SELECT EXISTS (SELECT 1 FROM {section.table} WHERE {section.link.where})"
                ),
                params,
            )
            if row is not None and row[0]:
                held.append(section.name)
        return held


def retention_steps() -> list[Retention]:
    return [step for table in MAP for step in table.retention]


def _value(table: str, column: str, value: Any) -> Any:
    if (table, column) in JSON_COLUMNS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
