"""Opening the database and applying the numbered migrations in ``db/migrations``."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from pathlib import Path

import aiosqlite

from db.clock import utcnow
from db.contacts import ContactStore
from db.data_rights import DataRights
from db.desk import DeskStore
from db.events import EventStore
from db.outbox import OutboxStore
from db.places import PlaceStore
from db.requests import RequestStore
from db.statistics import StatisticsStore
from db.transactions import Transactions
from db.translations import TranslationStore
from db.transport_state import TransportStateStore
from db.users import UserStore
from db.volunteers import VolunteerStore

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
BUSY_TIMEOUT_MS = 5000


class MigrationError(RuntimeError):
    pass


def available_migrations() -> list[tuple[int, str, Path]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file name not of the form NNNN_name.sql: {path.name}")
        found.append((int(match.group(1)), match.group(2), path))
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise MigrationError(f"migrations must be numbered 1..n without gaps, found {numbers}")
    return found


def _create_private_file(path: Path) -> None:
    # The database holds personal data: it must never be world-readable, not even briefly.
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


class Database:
    """One aiosqlite connection in autocommit mode; stores group their own transactions."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self.transactions = Transactions(conn)
        self.transaction = self.transactions.transaction
        self.users = UserStore(self.transactions)
        self.places = PlaceStore(self.transactions)
        self.outbox = OutboxStore(self.transactions)
        self.requests = RequestStore(self.transactions)
        self.volunteers = VolunteerStore(self.transactions)
        self.events = EventStore(self.transactions)
        self.transport_state = TransportStateStore(self.transactions)
        self.contacts = ContactStore(self.transactions)
        self.data_rights = DataRights(self.transactions)
        self.translations = TranslationStore(self.transactions)
        self.desk = DeskStore(self.transactions)
        self.statistics = StatisticsStore(self.transactions)

    @classmethod
    async def open(cls, path: str | Path, *, migrate: bool = True) -> Database:
        if str(path) != ":memory:":
            _create_private_file(Path(path))
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        # Erased content is overwritten in the file, not only unlinked from it.
        await conn.execute("PRAGMA secure_delete = ON")
        db = cls(conn)
        if migrate:
            applied = await db.migrate()
            if "0012_personal_data.sql" in applied and str(path) != ":memory:":
                # Content deleted before secure_delete was on may survive in free pages:
                # one rewrite of the file, once.
                await conn.execute("VACUUM")
        return db

    async def backup(self, target: str | Path) -> None:
        """A consistent copy while the bot keeps running (SQLite's online backup API),
        readable by the owner only."""
        target = Path(target)
        if target.exists():
            raise FileExistsError(target)
        _create_private_file(target)
        destination = sqlite3.connect(target)
        try:
            await self.conn.backup(destination)
        finally:
            destination.close()

    async def checkpoint(self) -> None:
        """Move the WAL into the database file and empty it: erased rows do not linger in
        old page images there."""
        async with self.transactions.single_statement():
            await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def close(self) -> None:
        await self.conn.close()

    async def schema_version(self) -> int:
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        async with self.conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row is not None else 0

    async def migrate(self) -> list[str]:
        """Apply every migration newer than the recorded version; return their names."""
        current = await self.schema_version()
        applied = []
        for number, name, path in available_migrations():
            if number <= current:
                continue
            sql = path.read_text(encoding="utf-8")
            # One transaction per migration: a failing migration leaves the previous schema.
            # Foreign keys are off meanwhile (SQLite cannot change them inside a transaction)
            # so that rebuilding a table does not cascade into its children; the keys are
            # checked before the commit instead.
            await self.conn.execute("PRAGMA foreign_keys = OFF")
            try:
                await self.conn.executescript(
                    "BEGIN IMMEDIATE;\n"
                    + sql
                    + f"\nINSERT INTO schema_version (version, name, applied_at)"
                    f" VALUES ({number}, '{name}', '{utcnow()}');"
                )
                async with self.conn.execute("PRAGMA foreign_key_check") as cursor:
                    broken = list(await cursor.fetchall())
                if broken:
                    raise MigrationError(f"{len(broken)} rows break a foreign key")
                await self.conn.execute("COMMIT")
            except Exception as exc:
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                raise MigrationError(f"migration {path.name} failed: {exc}") from exc
            finally:
                await self.conn.execute("PRAGMA foreign_keys = ON")
            log.info("applied migration %s", path.name)
            applied.append(path.name)
        return applied
