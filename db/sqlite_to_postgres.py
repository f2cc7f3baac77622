"""Copying a SQLite installation into PostgreSQL: ``python -m bot db migrate-to URL``.

The operator's way from one backend to the other, while the bot keeps running on SQLite:

1. **Refusals first, nothing written.** The URL must be ``postgresql://``; the SQLite
   database must be at the schema version this release's PostgreSQL migrations end at
   (``python -m bot db migrate`` brings it there); the target must hold no rows and be
   empty or at that same version. A refused copy leaves the target untouched (not even
   migrated).
2. **One snapshot of the source.** One read transaction on a read-only connection: in
   WAL mode (which the bot always sets) it sees the database as it was at its first read,
   and the running bot keeps writing meanwhile. What the bot writes after that point is
   not copied: stop the bot before the copy that you switch over with.
3. **The target migrated** with ``Database.open(url)``, then **every table copied in one
   PostgreSQL transaction**, parents before children (the target's foreign keys give the
   order), with ``COPY`` in batches. SQLite-only tables (``places_rtree*``: PostgreSQL has
   its GiST index instead; ``sqlite_sequence``; ``schema_version``, ``matching_changes``
   and ``matching_touched``, written by the migrations) and columns the target lacks are
   skipped and reported.
4. **Identity sequences moved past the copied ids**, and past SQLite's
   ``sqlite_sequence`` where it is higher: outbox ids are never handed out twice (messages
   are edited later by id), not even ids whose rows were deleted.

A city other than the main one is copied from its own SQLite file into its own schema
(``schema``, see ``db.database.city_location``): the target's connections work in that
schema, a schema not there yet counts as an empty target, and the copy takes that city's
write lock.

Values PostgreSQL would refuse are converted where nothing is lost (NUL characters removed
from text, numbers in TEXT columns written as text, whole numbers in text or REAL form in
INTEGER columns) and counted. A row that cannot be converted, or that PostgreSQL refuses
(a CHECK, a key pointing to such a row), is reported by table and SQLite rowid - never by
its contents - and the rest is copied: a failed batch is split in halves until the refused
rows are found, each half in a savepoint of its own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from db import postgres
from db.city_schema import check_schema_name
from db.database import Database, latest_migration

BATCH = 5000
# Tables that only SQLite has: the R*Tree (and its shadow tables), SQLite's own.
SQLITE_ONLY_PREFIXES = ("places_rtree", "sqlite_")
# Written by the target's own migrations, not copied (matching_changes: 0048's counts of
# writes, matching_touched: 0050's note of whom they were about, each database's own -
# db/matching_changes.py).
NOT_COPIED = frozenset({"schema_version", "matching_changes", "matching_touched"})


class Refused(Exception):
    """The copy did not begin: no row was written to the target."""


@dataclass
class TableCopy:
    name: str
    source_rows: int
    copied: int = 0
    target_rows: int = 0
    converted: int = 0
    # (SQLite rowid, why): the rows left behind, by position only (no personal data).
    failed: list[tuple[int | None, str]] = field(default_factory=list)
    skipped_columns: list[str] = field(default_factory=list)


@dataclass
class CopyReport:
    schema_version: int
    tables: list[TableCopy] = field(default_factory=list)
    # SQLite's own tables, left behind as they should be.
    sqlite_only: list[str] = field(default_factory=list)
    # Tables the target does not have: their rows are not copied.
    missing_tables: list[str] = field(default_factory=list)
    # Identity sequences: table -> the highest id handed out so far.
    sequences: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.missing_tables and all(
            not t.failed and t.source_rows == t.target_rows for t in self.tables
        )


# --- reading SQLite ------------------------------------------------------------------------


class _Undecodable(bytes):
    """TEXT that is not UTF-8 (only a tool writing behind the bot's back makes such)."""


def _text(data: bytes) -> str | bytes:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _Undecodable(data)


def open_snapshot(path: str | Path) -> sqlite3.Connection:
    """A read-only connection inside one read transaction, its snapshot taken."""
    path = Path(path)
    if not path.is_file():
        raise Refused(f"no SQLite database at {path}")
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5, isolation_level=None
        )
        conn.execute("BEGIN")
        # The snapshot is taken at the first read, not at BEGIN.
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise Refused(f"cannot read the SQLite database {path}: {exc}") from exc
    return conn


def _source_version(conn: sqlite3.Connection) -> int:
    try:
        row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
    except sqlite3.OperationalError:
        return 0
    return int(row[0])


def _source_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    return [name for (name,) in rows]


def _source_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


def _source_sequences(conn: sqlite3.Connection) -> dict[str, int]:
    try:
        return {
            name: int(seq) for name, seq in conn.execute("SELECT name, seq FROM sqlite_sequence")
        }
    except sqlite3.OperationalError:
        return {}


class _NotUtf8(Exception):
    """A table holds TEXT that is not UTF-8: read it again value by value."""


def _batches(conn: sqlite3.Connection, query: str, batch: int) -> Iterator[list[tuple[Any, ...]]]:
    try:
        cursor = conn.execute(query)
        while rows := cursor.fetchmany(batch):
            yield rows
    except sqlite3.OperationalError as exc:
        # sqlite3's message quotes the text: only its kind goes on.
        if "decode" in str(exc):
            raise _NotUtf8 from None
        raise


# --- the target ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    name: str
    kind: str  # "integer", "float", "text", "boolean" or "other"
    nullable: bool
    identity: bool


_KINDS = {
    "smallint": "integer",
    "integer": "integer",
    "bigint": "integer",
    "double precision": "float",
    "real": "float",
    "numeric": "float",
    "text": "text",
    "character varying": "text",
    "character": "text",
    "boolean": "boolean",
}


async def _connect(url: str, schema: str | None) -> psycopg.AsyncConnection[Any]:
    """A connection to the target; with ``schema``, working in that city's schema."""
    options = postgres.connection_options()
    if schema is not None:
        options["options"] = postgres.schema_options(url, schema)
    try:
        return await psycopg.AsyncConnection.connect(
            url, autocommit=True, connect_timeout=15, **options
        )
    except psycopg.Error as exc:
        raise Refused(f"cannot connect to {postgres.redacted(url)}: {exc}") from exc


async def _in_own_schema(conn: psycopg.AsyncConnection[Any], schema: str | None) -> bool:
    """Whether the connection works in the city's schema: not while the schema is missing
    (the search path then falls through to ``public``, the main city's)."""
    if schema is None:
        return True
    row = await (await conn.execute("SELECT current_schema()")).fetchone()
    return bool(row and row[0] == schema)


async def _target_tables(conn: psycopg.AsyncConnection[Any]) -> dict[str, list[_Column]]:
    cursor = await conn.execute(
        "SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.is_identity"
        " FROM information_schema.columns c JOIN information_schema.tables t"
        " ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
        " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
        " ORDER BY c.table_name, c.ordinal_position"
    )
    tables: dict[str, list[_Column]] = {}
    for table, column, data_type, nullable, identity in await cursor.fetchall():
        tables.setdefault(table, []).append(
            _Column(column, _KINDS.get(data_type, "other"), nullable == "YES", identity == "YES")
        )
    return tables


async def _target_version(conn: psycopg.AsyncConnection[Any]) -> int:
    # The schema's own table: by name alone a missing one would be found further along the
    # search path.
    cursor = await conn.execute(
        "SELECT to_regclass(quote_ident(current_schema()) || '.schema_version') IS NOT NULL,"
        " current_schema()"
    )
    row = await cursor.fetchone()
    if not row or not row[0]:
        return 0
    query = sql.SQL("SELECT COALESCE(MAX(version), 0) FROM {}.schema_version").format(
        sql.Identifier(row[1])
    )
    cursor = await conn.execute(query)
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def _occupied(conn: psycopg.AsyncConnection[Any]) -> list[str]:
    """The target's tables that hold rows (besides the schema version)."""
    found = []
    for table in sorted(await _target_tables(conn)):
        if table in NOT_COPIED:
            continue
        query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))
        row = await (await conn.execute(query)).fetchone()
        if row and row[0]:
            found.append(table)
    return found


async def _parents_first(conn: psycopg.AsyncConnection[Any], tables: list[str]) -> list[str]:
    """``tables`` ordered so that each comes after the tables its foreign keys point to."""
    cursor = await conn.execute(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c"
        " JOIN pg_namespace n ON n.oid = c.connamespace"
        " WHERE c.contype = 'f' AND n.nspname = current_schema()"
    )
    graph: dict[str, set[str]] = {table: set() for table in tables}
    for child, parent in await cursor.fetchall():
        if child in graph and parent in graph and child != parent:
            graph[child].add(parent)
    sorter = TopologicalSorter(graph)
    sorter.prepare()
    ordered: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())  # alphabetical among equals: a stable order
        ordered.extend(ready)
        sorter.done(*ready)
    return ordered


# --- values --------------------------------------------------------------------------------


class _Unfit(Exception):
    """A value PostgreSQL's column cannot take without losing something."""


def _as_text(value: Any) -> tuple[Any, bool]:
    if type(value) is str:
        if "\x00" in value:
            return value.replace("\x00", ""), True
        return value, False
    if value is None:
        return None, False
    if isinstance(value, _Undecodable):
        raise _Unfit("text that is not UTF-8")
    if isinstance(value, bytes):
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            raise _Unfit("binary data in a text column") from None
        return text.replace("\x00", ""), True
    if isinstance(value, float):
        return repr(value), True
    return str(value), True


def _as_integer(value: Any) -> tuple[Any, bool]:
    if type(value) is int or value is None:
        return value, False
    if isinstance(value, float):
        if value.is_integer():
            return int(value), True
        raise _Unfit("a fraction in an integer column")
    if isinstance(value, str):
        try:
            return int(value.strip()), True
        except ValueError:
            pass
        try:
            number = float(value)
        except ValueError:
            raise _Unfit("text in an integer column") from None
        if number.is_integer():
            return int(number), True
        raise _Unfit("a fraction in an integer column")
    raise _Unfit("binary data in an integer column")


def _as_float(value: Any) -> tuple[Any, bool]:
    if value is None or type(value) is float:
        return value, False
    if type(value) is int:
        return float(value), False
    if isinstance(value, str):
        try:
            return float(value), True
        except ValueError:
            raise _Unfit("text in a number column") from None
    raise _Unfit("binary data in a number column")


def _as_boolean(value: Any) -> tuple[Any, bool]:
    if value is None:
        return None, False
    if value in (0, 1):
        return bool(value), False
    raise _Unfit("neither 0 nor 1 in a yes/no column")


def _as_other(value: Any) -> tuple[Any, bool]:
    if isinstance(value, bytes):
        raise _Unfit("binary data")
    return value, False


_CONVERTERS: dict[str, Callable[[Any], tuple[Any, bool]]] = {
    "text": _as_text,
    "integer": _as_integer,
    "float": _as_float,
    "boolean": _as_boolean,
    "other": _as_other,
}


def _converter(columns: list[_Column]) -> Callable[[tuple[Any, ...]], tuple[tuple[Any, ...], int]]:
    """A function from a SQLite row to the target's values and how many were converted;
    it raises _Unfit for a row that cannot be copied."""
    steps = [(_CONVERTERS[c.kind], c.nullable, c.name) for c in columns]

    def convert(row: tuple[Any, ...]) -> tuple[tuple[Any, ...], int]:
        out = []
        changed = 0
        for (step, nullable, name), value in zip(steps, row, strict=True):
            if value is None and not nullable:
                raise _Unfit(f"no value in the required column {name}")
            try:
                value, was_changed = step(value)
            except _Unfit as exc:
                raise _Unfit(f"{exc} ({name})") from None
            out.append(value)
            changed += was_changed
        return tuple(out), changed

    return convert


# --- copying -------------------------------------------------------------------------------


async def _copy_rows(
    conn: psycopg.AsyncConnection[Any],
    statement: sql.Composed,
    rows: _Ready,
    failed: list[tuple[int | None, str]],
) -> int:
    """COPY ``rows`` in a savepoint; on a refusal, each half on its own, down to the rows
    that PostgreSQL refuses (recorded in ``failed``). How many rows were copied."""
    try:
        async with conn.transaction(), conn.cursor().copy(statement) as copy:
            for _rowid, values in rows:
                await copy.write_row(values)
        return len(rows)
    except (psycopg.DataError, psycopg.IntegrityError) as exc:
        if len(rows) == 1:
            failed.append((rows[0][0], _reason(exc)))
            return 0
    half = len(rows) // 2
    return await _copy_rows(conn, statement, rows[:half], failed) + await _copy_rows(
        conn, statement, rows[half:], failed
    )


def _reason(exc: psycopg.Error) -> str:
    # The primary message names the constraint; the detail would quote the row's values.
    primary = getattr(exc.diag, "message_primary", None) if hasattr(exc, "diag") else None
    return str(primary or str(exc).splitlines()[0])[:200]


def _odd(column: _Column) -> str:
    """SQL that is true when SQLite holds a value in ``column`` that needs a look before
    PostgreSQL gets it: SQLite checks every value in C, Python only the rare odd rows."""
    name = f'"{column.name}"'
    test = {
        "text": f"typeof({name}) NOT IN ('text', 'null') OR instr({name}, char(0)) > 0",
        "integer": f"typeof({name}) NOT IN ('integer', 'null')",
        "float": f"typeof({name}) NOT IN ('real', 'integer', 'null')",
        "boolean": f"typeof({name}) NOT IN ('integer', 'null') OR {name} NOT IN (0, 1)",
        "other": f"typeof({name}) = 'blob'",
    }[column.kind]
    if not column.nullable:
        test += f" OR {name} IS NULL"
    return f"({test})"


def _select(source: sqlite3.Connection, table: str, columns: list[_Column]) -> str:
    """The rows as (rowid, odd, *columns), in rowid order."""
    odd = " OR ".join(map(_odd, columns))
    names = ", ".join(f'"{c.name}"' for c in columns)
    try:
        source.execute(f'SELECT rowid FROM "{table}" LIMIT 0')
    except sqlite3.OperationalError:  # a WITHOUT ROWID table: no position to report
        return f'SELECT NULL, CASE WHEN {odd} THEN 1 ELSE 0 END, {names} FROM "{table}"'
    return f'SELECT rowid, CASE WHEN {odd} THEN 1 ELSE 0 END, {names} FROM "{table}" ORDER BY rowid'


_Ready = list[tuple[int | None, tuple[Any, ...]]]


def _prepare(
    rows: list[tuple[Any, ...]],
    convert: Callable[[tuple[Any, ...]], tuple[tuple[Any, ...], int]],
    result: TableCopy,
    everything: bool = False,
) -> _Ready:
    """(rowid, values) of the rows that can go; the others recorded in ``result``."""
    ready: _Ready = []
    for row in rows:
        rowid, values = row[0], row[2:]
        if row[1] or everything:
            try:
                values, changed = convert(values)
            except _Unfit as exc:
                result.failed.append((rowid, str(exc)))
                continue
            result.converted += changed
        ready.append((rowid, values))
    return ready


async def _copy_table(
    source: sqlite3.Connection,
    target: psycopg.AsyncConnection[Any],
    table: str,
    columns: list[_Column],
    batch: int,
) -> TableCopy:
    wanted = {c.name: c for c in columns}
    present = _source_columns(source, table)
    copied = [wanted[name] for name in present if name in wanted]
    count = source.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
    result = TableCopy(table, int(count), skipped_columns=[n for n in present if n not in wanted])
    if not copied or not count:
        return result
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c.name) for c in copied)
    )
    query = _select(source, table, copied)
    convert = _converter(copied)
    try:
        # The whole table in one COPY: PostgreSQL takes in rows while the next are read.
        async with target.transaction(), target.cursor().copy(statement) as copy:
            for rows in _batches(source, query, batch):
                for _rowid, values in _prepare(rows, convert, result):
                    await copy.write_row(values)
                    result.copied += 1
        return result
    except (psycopg.DataError, psycopg.IntegrityError, _NotUtf8):
        # Rolled back to the savepoint: again in batches that find the refused rows.
        result.copied = result.converted = 0
        result.failed.clear()
    source.text_factory = _text
    try:
        for rows in _batches(source, query, batch):
            ready = _prepare(rows, convert, result, everything=True)
            if ready:
                result.copied += await _copy_rows(target, statement, ready, result.failed)
    finally:
        source.text_factory = str
    return result


async def _move_sequences(
    source: sqlite3.Connection,
    target: psycopg.AsyncConnection[Any],
    tables: dict[str, list[_Column]],
    copied: list[str],
) -> dict[str, int]:
    """Each identity sequence past every id SQLite ever gave: the copied ones, those of
    rows that could not be copied (the audit log still names them), and, from
    ``sqlite_sequence``, those of rows deleted since (outbox ids are never reused)."""
    given = _source_sequences(source)
    moved = {}
    for table in copied:
        for column in tables[table]:
            if not column.identity:
                continue
            name = f'"{column.name}"'
            row = source.execute(
                f"SELECT MAX({name}) FROM \"{table}\" WHERE typeof({name}) = 'integer'"
            ).fetchone()
            highest = max(int(row[0] or 0), given.get(table, 0))
            query = sql.SQL("SELECT COALESCE(MAX({}), 0) FROM {}").format(
                sql.Identifier(column.name), sql.Identifier(table)
            )
            row = await (await target.execute(query)).fetchone()
            highest = max(highest, int(row[0]) if row else 0)
            if highest > 0:
                await target.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), %s)",
                    (table, column.name, highest),
                )
                moved[table] = highest
    return moved


async def _count(conn: psycopg.AsyncConnection[Any], table: str) -> int:
    query = sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(table))
    row = await (await conn.execute(query)).fetchone()
    return int(row[0]) if row else 0


async def copy_to_postgres(
    source_path: str | Path, url: str, *, schema: str | None = None, batch: int = BATCH
) -> CopyReport:
    """Copy the SQLite database at ``source_path`` into the PostgreSQL database at ``url``,
    into a city's ``schema`` if given (see the module's docstring). Raises
    :class:`Refused` before writing anything."""
    if not postgres.is_postgres(url):
        raise Refused("the target must be a postgresql:// URL")
    if postgres.is_postgres(source_path):
        raise Refused("[bot] database is PostgreSQL already: migrate-to copies from SQLite")
    if schema is not None:
        try:
            check_schema_name(schema)
        except ValueError as exc:
            raise Refused(str(exc)) from exc
    source = open_snapshot(source_path)
    try:
        version = _source_version(source)
        expected = latest_migration("postgresql")
        if version != expected:
            raise Refused(
                f"the SQLite database is at schema version {version}, PostgreSQL's schema of"
                f" this release at {expected}: run `python -m bot db migrate` with this"
                " release first"
            )
        target = await _connect(url, schema)
        try:
            if not await _in_own_schema(target, schema):
                # The city's schema is not there yet: nothing in it to check.
                target_version, occupied = 0, []
            else:
                target_version, occupied = await _target_version(target), await _occupied(target)
            if target_version not in (0, version):
                raise Refused(
                    f"{postgres.redacted(url)} is at schema version {target_version},"
                    f" the SQLite database at {version}"
                )
            if occupied:
                raise Refused(
                    f"{postgres.redacted(url)} holds data already (in {', '.join(occupied)}):"
                    " migrate-to copies into an empty database only"
                )
        finally:
            await target.close()
        database = await Database.open(url, schema=schema, min_size=1, max_size=1)
        await database.close()
        target = await _connect(url, schema)
        try:
            if not await _in_own_schema(target, schema):
                raise Refused(f"the connection does not work in the schema {schema}")
            return await _copy_all(source, target, version, batch, schema)
        finally:
            await target.close()
    finally:
        source.close()


async def _copy_all(
    source: sqlite3.Connection,
    target: psycopg.AsyncConnection[Any],
    version: int,
    batch: int,
    schema: str | None,
) -> CopyReport:
    report = CopyReport(version)
    tables = await _target_tables(target)
    wanted = []
    for table in _source_tables(source):
        if table.startswith(SQLITE_ONLY_PREFIXES):
            report.sqlite_only.append(table)
        elif table in NOT_COPIED:
            continue
        elif table in tables:
            wanted.append(table)
        else:
            report.missing_tables.append(table)
    order = await _parents_first(target, wanted)
    async with target.transaction():
        # Another copy (or a bot process) that started meanwhile would find rows too late.
        await target.execute("SELECT pg_advisory_xact_lock(%s, %s)", postgres.write_lock(schema))
        occupied = await _occupied(target)
        if occupied:
            raise Refused(f"the target received data meanwhile (in {', '.join(occupied)})")
        for table in order:
            report.tables.append(await _copy_table(source, target, table, tables[table], batch))
        report.sequences = await _move_sequences(source, target, tables, order)
    for result in report.tables:
        result.target_rows = await _count(target, result.name)
    return report
