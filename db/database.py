"""Opening the database (a SQLite file, or a PostgreSQL URL) and applying the numbered
migrations: one file per schema change in ``db/migrations/``, for both backends, and a
PostgreSQL file of the same number in ``db/migrations/postgresql/`` only where its SQL must
differ (:func:`available_migrations`). PostgreSQL's first own file is the whole schema up
to its number at once.

Each city's data lives apart (:func:`city_location`): on SQLite a database file per city,
on PostgreSQL a schema per city in the one database (db/city_schema.py). A
:class:`Database` is opened for exactly one city, so its stores cannot reach another
city's rows; the main city stays where today's installations have it."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
from pathlib import Path
from typing import Any

import aiosqlite

from db import city_schema, data_steps, matching_changes, postgres, went_back
from db.call_numbers import CallNumbers
from db.certificates import CertificateStore
from db.conversation_marks import ConversationMarks
from db.data_rights import DataRights
from db.desk import DeskStore
from db.erasure_ledger import ErasureLedger, FileLedger, TableLedger, file_location
from db.events import EventStore
from db.migration_ledger import TABLE_COLUMNS, Ledger, MigrationError, Run
from db.offer_waves import WaveStore
from db.outbox import OutboxStore
from db.phone_pins import PhonePins
from db.places import PlaceStore
from db.posting_traces import PostingTraces
from db.relay import RelayStore
from db.requests import RequestStore
from db.spoken_texts import SpokenTexts
from db.statistics import StatisticsStore
from db.transactions import BUSY_TIMEOUT_MS, SqliteTransactions, Transactions
from db.translations import TranslationStore
from db.transport_state import TransportStateStore
from db.users import UserStore
from db.volunteers import VolunteerStore, forget_parsed

log = logging.getLogger(__name__)

# After an erasure, SQLite's checkpoint waits this long for readers (of another process)
# at one attempt: it holds this process's connection meanwhile. Then it tries again after
# each of these pauses (seconds), and after the last the daily checkpoint is left to do it.
ERASURE_CHECKPOINT_WAIT_MS = 100
ERASURE_CHECKPOINT_RETRIES = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
POSTGRES_MIGRATIONS_DIR = MIGRATIONS_DIR / "postgresql"
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
CITY_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


__all__ = ["Database", "DatabaseLocationError", "MigrationError"]


class DatabaseLocationError(ValueError):
    """A database location that is neither a SQLite file path nor a PostgreSQL URL."""


# "scheme:" at the start of a location, as URLs have it (RFC 3986): a location such as
# "sqlite:///x.db" or "file:x.db" was once taken for a file path and made a folder
# "sqlite:" (with people's data in it) wherever the bot was started.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def check_location(database: str | Path) -> str:
    """``database`` as :meth:`Database.open` reads it: a ``postgresql://`` URL,
    ``:memory:`` or a SQLite file path. Any other ``scheme:`` raises
    :class:`DatabaseLocationError` with what to write instead."""
    location = str(database)
    if postgres.is_postgres(location) or location == ":memory:":
        return location
    scheme = _SCHEME.match(location)
    if scheme:
        raise DatabaseLocationError(
            f"the database must be a SQLite file path or a postgresql:// URL, not"
            f" {scheme.group(0)!r}...: write the file's path alone"
            " (e.g. var/nachbarbot.sqlite3), without a scheme"
        )
    return location


def city_location(database: str, slug: str, main: bool) -> tuple[str, str | None]:
    """Where a city's data lives, as ``(database, schema)`` for :meth:`Database.open`:
    the main city where the configured ``database`` is (today's installations keep their
    data); another city on SQLite in a file beside it (``var/nachbarbot.sqlite3`` and
    ``unna``: ``var/nachbarbot.unna.sqlite3``), on PostgreSQL in the schema ``city_unna``
    of the same database. ValueError for a slug that is not ``[a-z0-9][a-z0-9-]{0,39}``."""
    if not CITY_SLUG.fullmatch(slug):
        raise ValueError(
            f"not a city slug: {slug!r} (lowercase letters, digits and '-', at most 40,"
            " beginning with a letter or digit)"
        )
    database = str(database)
    if main:
        return database, None
    if postgres.is_postgres(database):
        return database, "city_" + slug.replace("-", "_")
    if database == ":memory:":
        return database, None  # a fresh database at every open: apart by itself
    path = Path(database)
    return str(path.with_name(f"{path.stem}.{slug}{path.suffix}")), None


def available_migrations(dialect: str = "sqlite") -> list[tuple[int, str, Path]]:
    """The migrations of ``dialect`` in order: one file per schema change in
    ``db/migrations``, read by both backends; on PostgreSQL a file of the same number and
    name in ``db/migrations/postgresql`` takes its place where the SQL must differ (as
    Synapse keeps its ``.sql.postgres`` deltas), and PostgreSQL begins at its first own
    file, the whole schema up to that number at once."""
    shared = _numbered(MIGRATIONS_DIR)
    numbers = [n for n, _, _ in shared]
    if numbers != list(range(1, len(numbers) + 1)):
        raise MigrationError(f"migrations must be numbered without gaps, found {numbers}")
    if dialect != "postgresql":
        return shared
    own = {
        number: (number, name, path) for number, name, path in _numbered(POSTGRES_MIGRATIONS_DIR)
    }
    first = min(own, default=1)
    names = {number: name for number, name, _ in shared}
    for number, name, path in own.values():
        if number not in names:
            raise MigrationError(f"{path.name} has no migration of its number in {MIGRATIONS_DIR}")
        if number != first and name != names[number]:
            raise MigrationError(f"{path.name} stands in for a migration of another name")
    return [
        own.get(number, (number, name, path)) for number, name, path in shared if number >= first
    ]


def _numbered(folder: Path) -> list[tuple[int, str, Path]]:
    found = []
    # os.listdir, not Path.glob("*.sql") (which skips hidden files too): the same names in a
    # fifth of the time, and it runs at every open.
    listed = (name for name in os.listdir(folder) if not name.startswith("."))
    for name in sorted(name for name in listed if name.endswith(".sql")):
        match = _MIGRATION_NAME.match(name)
        if not match:
            raise MigrationError(f"migration file name not of the form NNNN_name.sql: {name}")
        found.append((int(match.group(1)), match.group(2), folder / name))
    return found


def latest_migration(dialect: str = "sqlite") -> int:
    found = available_migrations(dialect)
    return found[-1][0] if found else 0


def _create_private_file(path: Path) -> None:
    # The database holds personal data: it must never be world-readable, not even briefly.
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


class Database:
    """The stores over one backend: a SQLite file (one aiosqlite connection in autocommit
    mode) or a PostgreSQL pool. Stores group their own transactions."""

    def __init__(
        self, transactions: Transactions, conn: aiosqlite.Connection | None = None
    ) -> None:
        self._conn = conn
        self.transactions = transactions
        self.dialect = transactions.dialect
        # How many chats' updates a transport hands in at the same time (db/transactions.py).
        self.updates_at_once = transactions.updates_at_once
        # db/went_back.py: whether a database ``db go-back`` put back may be migrated, and
        # the schema it had once it was.
        self.upgrade = False
        self.went_back: int | None = None
        # The migrations this opening applied, by file name (``db migrate`` says them).
        self.applied: list[str] = []
        # PostgreSQL: the city's own schema, or None for the main city.
        self.schema = (
            transactions.schema if isinstance(transactions, postgres.PostgresTransactions) else None
        )
        self.transaction = self.transactions.transaction
        self.users = UserStore(self.transactions)
        self.posting_traces = PostingTraces(self.transactions, self.users.bans)
        self.places = PlaceStore(self.transactions)
        self.outbox = OutboxStore(self.transactions)
        self.requests = RequestStore(self.transactions)
        self.volunteers = VolunteerStore(self.transactions)
        self.waves = WaveStore(self.transactions)
        self.events = EventStore(self.transactions)
        self.transport_state = TransportStateStore(self.transactions)
        self.marks = ConversationMarks(self.transactions)
        self.relay = RelayStore(self.transactions)
        self.data_rights = DataRights(self.transactions, self._erased if conn is not None else None)
        self.data_rights.in_memory.append(forget_parsed)
        # SQLite: an erasure was committed (or is about to be) that the WAL may still hold.
        self._wal_holds_erased = False
        self._wal_cleaner: asyncio.Task[None] | None = None
        self.translations = TranslationStore(self.transactions)
        self.desk = DeskStore(self.transactions)
        self.statistics = StatisticsStore(self.transactions)
        self.spoken_texts = SpokenTexts(self.transactions)
        self.certificates = CertificateStore(self.transactions)
        self.call_numbers = CallNumbers(self.transactions)
        self.phone_pins = PhonePins(self.transactions)
        # Where erasures are recorded for a restore to repeat (db/erasure_ledger.py); None
        # for a database in memory, which no backup is made of.
        self.erasure_ledger: ErasureLedger | None = None

    @property
    def conn(self) -> aiosqlite.Connection:
        """The SQLite connection (SQLite only)."""
        if self._conn is None:
            raise RuntimeError("not a SQLite database")
        return self._conn

    @property
    def pool(self) -> Any:
        """The PostgreSQL connection pool (PostgreSQL only)."""
        if not isinstance(self.transactions, postgres.PostgresTransactions):
            raise RuntimeError("not a PostgreSQL database")
        return self.transactions.pool

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        schema: str | None = None,
        migrate: bool = True,
        upgrade: bool = False,
        **pool: int,
    ) -> Database:
        """``path`` is a SQLite file or a ``postgresql://`` URL; ``pool`` sizes PostgreSQL's
        connection pool (``min_size``, ``max_size``). ``schema`` (PostgreSQL only, see
        :func:`city_location`) is a city's own schema: every connection works in it, it is
        created and migrated if need be, and refused (MigrationError) when anything of it
        would resolve to another schema (db/city_schema.py). Any other ``scheme:`` (such as
        ``sqlite:///``) raises :class:`DatabaseLocationError` before anything is made."""
        check_location(path)
        if postgres.is_postgres(path):
            if schema is not None:
                city_schema.check_schema_name(schema)
            transactions = postgres.PostgresTransactions(
                await postgres.open_pool(str(path), schema=schema, **pool), schema
            )
            db = cls(transactions)
            db.upgrade = upgrade
            db.erasure_ledger = TableLedger(transactions, schema or "public")
            try:
                await postgres.refuse_standby(transactions.pool)
                if migrate:
                    await db.migrate()
                else:
                    await db.verify_schema()
                    if schema is not None:
                        await db._check_city_schema()
            except BaseException:
                await db.close()
                raise
            return db
        if schema is not None:
            raise ValueError(
                "a schema is for PostgreSQL: on SQLite each city has a database file of its own"
                " (city_location)"
            )
        conn = await _sqlite_connection(path)
        db = cls(SqliteTransactions(conn), conn)
        db.upgrade = upgrade
        if str(path) != ":memory:":
            db.erasure_ledger = FileLedger(file_location(path))
        try:
            if not migrate:
                await db.verify_schema()
                return db
            applied = await db.migrate()
            if "0012_personal_data.sql" in applied and str(path) != ":memory:":
                # Content deleted before secure_delete was on may survive in free pages:
                # one rewrite of the file, once.
                await conn.execute("VACUUM")
        except BaseException:
            await db.close()
            raise
        return db

    async def verify_schema(self) -> None:
        """Without writing anything: MigrationError (db/migration_ledger.py) where this
        code must not run on the database - a schema newer than it knows (and not declared
        compatible with it), or an applied migration whose text differs from this
        release's file. A database without a schema yet passes."""
        if self._conn is not None:
            found = await self.fetch_all(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
            )
            if found:
                await self._sqlite_ledger().verify()
            return
        table = "schema_version" if self.schema is None else f"{self.schema}.schema_version"
        async with self.pool.connection() as conn:
            cursor = await conn.execute(
                "SELECT to_regclass(quote_ident(current_schema()) || '.schema_version')"
                if self.schema is None
                else "SELECT to_regclass(%s)",
                None if self.schema is None else (table,),
            )
            row = await cursor.fetchone()
            if row is not None and row[0] is not None:
                await _postgres_ledger(conn, table).verify()

    async def migration_notes(self) -> list[str]:
        """The texts once on main that ran here, each with the migration that repaired it
        (db/migration_ledger.py SUPERSEDED): for db check to say."""
        if self._conn is not None:
            return await self._sqlite_ledger().repaired()
        table = "schema_version" if self.schema is None else f"{self.schema}.schema_version"
        async with self.pool.connection() as conn:
            return await _postgres_ledger(conn, table).repaired()

    async def backup(self, target: str | Path) -> None:
        """A consistent copy while the bot keeps running (SQLite's online backup API),
        readable by the owner only."""
        if self._conn is None:
            raise RuntimeError("PostgreSQL is backed up with pg_dump (see README)")
        target = Path(target)
        if target.exists():
            raise FileExistsError(target)
        _create_private_file(target)
        destination = sqlite3.connect(target)
        try:
            await self.conn.backup(destination)
            # The copy without WAL: a reader (sqlite3 -readonly) of a WAL file leaves a -wal
            # beside it, which a restore would have to judge; a rollback-journal file is
            # read as it is. The bot's own open makes a restored copy WAL again.
            destination.execute("PRAGMA journal_mode = DELETE")
        finally:
            destination.close()

    async def checkpoint(self) -> None:
        """Move the WAL into the database file and empty it: erased rows do not linger in
        old page images there. (PostgreSQL: nothing to do; VACUUM runs by itself.)"""
        if self._conn is None:
            return
        async with self.transactions.single_statement():
            await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _erased(self) -> None:
        """Called inside the erasing transaction (SQLite only): once it has ended, move the
        WAL into the file and empty it. With ``secure_delete`` the file keeps nothing
        erased, but the WAL keeps the pages as they were before, words and all, until a
        checkpoint empties it - without this one, the daily retention's."""
        self._wal_holds_erased = True
        if self._wal_cleaner is None or self._wal_cleaner.done():
            self._wal_cleaner = asyncio.get_running_loop().create_task(
                self._clean_wal(), name="wal-after-erasure"
            )

    async def _clean_wal(self) -> None:
        # The lock (single_statement) is the erasing transaction's until it commits or rolls
        # back; the lock is fair, so this runs right after it, before later statements.
        tx = self.transactions
        assert isinstance(tx, SqliteTransactions)
        pauses = iter(ERASURE_CHECKPOINT_RETRIES)
        while self._wal_holds_erased:
            try:
                async with tx.single_statement():
                    self._wal_holds_erased = False
                    done = await tx.run(_checkpoint_briefly)
            except Exception as exc:
                log.error("the checkpoint after an erasure failed: %s", type(exc).__name__)
                return
            if done:
                pauses = iter(ERASURE_CHECKPOINT_RETRIES)
                continue
            # Another connection (a reader or writer of another process) holds the WAL.
            self._wal_holds_erased = True
            pause = next(pauses, None)
            if pause is None:
                log.warning(
                    "the WAL still holds erased rows: it was kept busy; the daily checkpoint"
                    " will empty it"
                )
                self._wal_holds_erased = False
                return
            log.info("the WAL still holds erased rows: it is busy; again in %.0f s", pause)
            await asyncio.sleep(pause)

    async def close(self) -> None:
        if self._wal_cleaner is not None and not self._wal_cleaner.done():
            # Closing the last connection checkpoints and removes the WAL by itself.
            self._wal_cleaner.cancel()
            await asyncio.wait({self._wal_cleaner})
        if self._conn is not None:
            await self._conn.close()
        else:
            await self.pool.close()

    async def matching_version(self) -> tuple[int, ...] | None:
        """A value that is another one once anything the matching reads was written
        (db/matching_changes.py: counted by the database's triggers, whoever wrote it - the
        bot's process beside the web's too), and not after other writes. For what is
        worked out from those reads and kept while they are unchanged
        (handlers/helping/matching/hint_cache.py). None - keep nothing - on PostgreSQL, which counts
        nothing yet, and inside a transaction of this connection that wrote already: its
        counts may still be rolled back, to a value stamped on what it wrote."""
        if self._conn is None or self._conn.in_transaction:
            return None
        # Read before the work it stamps: a commit during the work makes the next read differ.
        return await matching_changes.counts(self.transactions)

    async def matching_touched(self, after: int | None) -> tuple[int, set[int] | None]:
        """Which volunteers the writes counted by :meth:`matching_version` were about since
        the mark ``after`` (db/matching_changes.py ``touched``), and the new mark; ``after``
        None: only the mark, to take before a first read. Ask only where the version is
        not None (SQLite)."""
        return await matching_changes.touched(self.transactions, after)

    async def execute(self, sql: str, params: Any = ()) -> int:
        """One statement on its own (tests and tools); how many rows it changed."""
        return await self.transactions.changed(sql, params)

    async def fetch_all(self, sql: str, params: Any = ()) -> list[Any]:
        return await self.transactions.fetch_all(sql, params)

    async def fetch_one(self, sql: str, params: Any = ()) -> Any | None:
        """The first row, or None."""
        rows = await self.transactions.fetch_all(sql, params)
        return rows[0] if rows else None

    async def schema_version(self) -> int:
        if self._conn is None and self.schema is not None:
            # The city's own table only: unqualified, a missing one would be public's.
            table = f"{self.schema}.schema_version"
            rows = await self.fetch_all("SELECT to_regclass(?) IS NOT NULL", (table,))
            if not rows or not rows[0][0]:
                return 0
            rows = await self.fetch_all(f"SELECT COALESCE(MAX(version), 0) FROM {table}")
            return int(rows[0][0]) if rows else 0
        if self._conn is None:
            rows = await self.fetch_all(
                "SELECT COALESCE(MAX(version), 0) FROM schema_version"
                " WHERE EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'schema_version'"
                " AND schemaname = current_schema())"
            )
            return int(rows[0][0]) if rows else 0
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            + TABLE_COLUMNS.format(int="INTEGER")
            + ")"
        )
        async with self.conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row is not None else 0

    async def migrate(self) -> list[str]:
        """Apply every migration newer than the recorded version; return their names (kept
        in ``applied`` too)."""
        self.applied = await (
            self._migrate_postgres() if self._conn is None else self._migrate_sqlite()
        )
        return self.applied

    async def _migrate_sqlite(self) -> list[str]:
        current = await self.schema_version()
        known = available_migrations()
        mark = None
        if any(number > current for number, _, _ in known):
            mark = await self._went_back(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'transport_state'",
                "SELECT value FROM transport_state WHERE key = ?",
            )
            if mark is not None and not self.upgrade:
                raise went_back.refusal(mark, known)
        ledger = self._sqlite_ledger(known)
        # Refused (a newer schema, a changed migration) before anything is written. The
        # record of an older release is filled in in one write transaction (of two processes
        # starting at once, the second finds it done); an up-to-date one is only read, so
        # opening never waits for another process's writes.
        if await ledger.outdated(await ledger.verify()):
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                await ledger.upgrade(await ledger.verify())
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")
        applied = []
        for number, name, path in known:
            if number <= current:
                continue
            record, values = ledger.record(number, name, path)
            sql = path.read_text(encoding="utf-8")
            # One transaction per migration: a failing migration leaves the previous schema.
            # Foreign keys are off meanwhile (SQLite cannot change them inside a transaction)
            # so that rebuilding a table does not cascade into its children; the keys are
            # checked before the commit instead.
            await self.conn.execute("PRAGMA foreign_keys = OFF")
            try:
                await self.conn.executescript("BEGIN IMMEDIATE;\n" + sql)
                # In the migration's transaction, which the script began and left open:
                # its rows' Python step (db/data_steps.py), then its record.
                step = data_steps.STEPS.get(number)
                if step is not None:
                    await step(self._sqlite_run())
                await self.conn.execute(record, values)
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
        if mark is not None:
            await self.conn.execute("DELETE FROM transport_state WHERE key = ?", (went_back.KEY,))
            self.went_back = mark
        return applied

    async def _went_back(self, exists: str, read: str) -> int | None:
        """The schema ``db go-back`` put this SQLite database back to, or None."""
        if not await self.fetch_all(exists):
            return None
        rows = await self.fetch_all(read, (went_back.KEY,))
        return int(rows[0][0]) if rows else None

    def _sqlite_run(self) -> Run:
        """One statement on the SQLite connection: its column names and rows."""

        async def run(sql: str, params: Any) -> tuple[list[str], list[Any]]:
            async with self.conn.execute(sql, params) as cursor:
                rows = list(await cursor.fetchall())
                return [column[0] for column in cursor.description or ()], rows

        return run

    def _sqlite_ledger(self, known: list[tuple[int, str, Path]] | None = None) -> Ledger:
        if known is None:
            known = available_migrations()
        return Ledger("sqlite", "schema_version", self._sqlite_run(), known)

    async def _migrate_postgres(self) -> list[str]:
        # Several processes may start at once: the first to take the lock migrates, the
        # others then find nothing left to do. Each city has a lock of its own.
        schema = self.schema
        if schema is not None:
            await self._create_cube()
        applied = []
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", postgres.migration_lock(schema)
            )
            if schema is not None:
                try:
                    await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}".encode())
                except Exception as exc:
                    raise MigrationError(f"cannot create the schema {schema}: {exc}") from exc
            # Qualified for a city: its own bookkeeping, never the main city's.
            table = "schema_version" if schema is None else f"{schema}.schema_version"
            columns = TABLE_COLUMNS.format(int="BIGINT")
            await conn.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})".encode())
            known = available_migrations("postgresql")
            ledger = _postgres_ledger(conn, table, known)
            # Refused (a newer schema, a changed migration) before anything is written:
            # the transaction is rolled back.
            recorded = await ledger.verify()
            current = max((each.version for each in recorded), default=0)
            state = "transport_state" if schema is None else f"{schema}.transport_state"
            mark = None
            if any(number > current for number, _, _ in known):
                mark = await _went_back_postgres(conn, state)
                if mark is not None and not self.upgrade:
                    raise went_back.refusal(mark, known)
            await ledger.upgrade(recorded)
            if schema is not None:
                # Before migrating too: a migration altering a table the city lacks would
                # alter the main city's.
                await _refuse_fall_through(conn, schema, current)
            for number, name, path in known:
                if number <= current:
                    continue
                record, values = ledger.record(number, name, path)
                try:
                    async with conn.transaction():
                        await conn.execute(path.read_text(encoding="utf-8").encode())
                        step = data_steps.STEPS.get(number)
                        if step is not None:  # its rows' Python step (db/data_steps.py)
                            await step(_postgres_run(conn))
                        await conn.execute(record.replace("?", "%s").encode(), values)
                except Exception as exc:
                    raise MigrationError(f"migration {path.name} failed: {exc}") from exc
                log.info("applied migration %s%s", path.name, f" in {schema}" if schema else "")
                applied.append(path.name)
                current = number
            if schema is not None:
                await _refuse_fall_through(conn, schema, current)
            if mark is not None:
                await conn.execute(f"DELETE FROM {state} WHERE key = %s".encode(), (went_back.KEY,))
                self.went_back = mark
        return applied

    async def _create_cube(self) -> None:
        """The ``cube`` extension in ``public``, for every city, before a city's schema is
        migrated: its migration would otherwise create it in the city's schema, out of the
        other cities' reach. Under the main migration lock, which creates it too."""
        async with self.pool.connection() as conn:
            cursor = await conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'cube'")
            if await cursor.fetchone():
                return
            async with conn.transaction():
                await conn.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", postgres.migration_lock(None)
                )
                await conn.execute("CREATE EXTENSION IF NOT EXISTS cube SCHEMA public")

    async def _check_city_schema(self) -> None:
        """A city's schema opened without migrating: it must exist and be whole."""
        assert self.schema is not None
        version = await self.schema_version()
        if version == 0:
            raise MigrationError(
                f"the city's schema {self.schema} is not there or not migrated:"
                " open it with migrations"
            )
        async with self.pool.connection() as conn:
            await _refuse_fall_through(conn, self.schema, version)

    async def city_schema_problems(self) -> list[str]:
        """What would let this city's statements reach another schema (db/city_schema.py);
        empty for a sound city schema, and for the main city."""
        if self.schema is None:
            return []
        version = await self.schema_version()
        async with self.pool.connection() as conn:
            return await city_schema.problems(conn, self.schema, _relations_at(version))


async def _sqlite_connection(path: str | Path) -> aiosqlite.Connection:
    """The one connection of a SQLite database (the file made owner-only if new)."""
    if str(path) != ":memory:":
        _create_private_file(Path(path))
    # Usable from the loop's thread too: an inline transaction's statements run there, never
    # while anything is on aiosqlite's thread (db/transactions.py).
    conn = await aiosqlite.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        # Erased content is overwritten in the file, not only unlinked from it.
        await conn.execute("PRAGMA secure_delete = ON")
    except BaseException:
        # A damaged file fails here: unclosed, the connection's thread would keep the
        # process from ever ending (a db check or db migrate hanging after its error).
        await conn.close()
        raise
    return conn


def _postgres_ledger(
    conn: Any, table: str, known: list[tuple[int, str, Path]] | None = None
) -> Ledger:
    """The ledger read and written on ``conn``, the connection migrating; ``known``: this
    release's migrations where the caller has listed them already."""
    if known is None:
        known = available_migrations("postgresql")
    return Ledger("postgresql", table, _postgres_run(conn), known)


def _postgres_run(conn: Any) -> Run:
    """One statement with "?" parameters on ``conn``: its column names and rows."""

    async def run(sql: str, params: Any) -> tuple[list[str], list[Any]]:
        cursor = await conn.execute(sql.replace("?", "%s").encode(), params or None)
        columns = [column.name for column in cursor.description or ()]
        return columns, list(await cursor.fetchall()) if cursor.description else []

    return run


def _checkpoint_briefly(conn: sqlite3.Connection) -> bool:
    """On the database thread: move the WAL into the file and truncate it, waiting only
    briefly for readers of another process (which may hold old pages there); whether it
    was done."""
    conn.execute(f"PRAGMA busy_timeout = {ERASURE_CHECKPOINT_WAIT_MS}")
    try:
        row = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.OperationalError:  # locked by another process's writer
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return row is not None and row[0] == 0


def _relations_at(version: int) -> set[str]:
    """The tables and views PostgreSQL's migrations up to ``version`` leave behind."""
    return city_schema.relations_created(
        path for number, _, path in available_migrations("postgresql") if number <= version
    )


async def _refuse_fall_through(conn: Any, schema: str, version: int) -> None:
    found = await city_schema.problems(conn, schema, _relations_at(version))
    if found:
        raise MigrationError(f"the city's schema {schema} is not whole: " + "; ".join(found))


async def _went_back_postgres(conn: Any, state: str) -> int | None:
    """The schema ``db go-back`` put this city back to (db/went_back.py), or None."""
    cursor = await conn.execute("SELECT to_regclass(%s)", (state,))
    found = await cursor.fetchone()
    if found is None or found[0] is None:
        return None
    cursor = await conn.execute(
        f"SELECT value FROM {state} WHERE key = %s".encode(), (went_back.KEY,)
    )
    row = await cursor.fetchone()
    return None if row is None else int(row[0])
