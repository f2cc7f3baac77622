"""PostgreSQL behind the same stores: a connection pool, transactions, and the statements'
translation from the SQLite dialect the stores are written in.

Why the stores can stay as they are:

- Parameters are bound by the server, numbers sent as values of no type (text, type
  unknown), so PostgreSQL gives each the type its column or operator wants, as SQLite's type
  affinity does. ``?`` and ``:name`` become ``%s`` and ``%(name)s``.
- ``LIKE`` becomes ``ILIKE`` (SQLite's LIKE ignores case), ``instr`` ``strpos``, and
  SQLite's ``INDEXED BY`` hints are dropped.
- Every write transaction first takes one transaction-scoped advisory lock, the
  cluster-wide counterpart of SQLite's ``BEGIN IMMEDIATE``: the stores' read-then-write
  rules (a request is matched once, an offer is accepted once) were written for one writer
  at a time, and stay true with any number of processes. Reads outside a transaction never
  wait (MVCC), and the outbox's claim takes row locks of its own (``FOR UPDATE SKIP
  LOCKED``) without that lock. The lock is one per city: a city other than the main one
  lives in a schema of its own (its connections' ``search_path`` starts there, see
  :func:`open_pool`) and takes a lock keyed by that schema, since the stores' rules are per
  city as the data is; the main city keeps the one key it always had, so that old and new
  processes still exclude each other during a rolling upgrade.
- **Own rows.** An update's transaction (handlers/dispatcher.py) is opened for its person
  with ``own_rows``: it takes that person's lock (``PERSON_CLASS``: one person's updates one
  at a time, cluster-wide) instead of the city's, reads what it likes, and writes only the
  statements declared with :func:`db.transactions.own_row` - the person's users row on
  arrival, their conversation state, the update's record, which no rule of the city reads to
  decide. Before any other write (or a read that locks rows), :class:`CityLockNeeded` is
  raised and the transaction commits nothing, whatever the caller does; so it is when the
  server ends it as a deadlock's victim (a city writer waiting for the person's row while the
  person waits for one of its). The dispatcher then handles the update again in a transaction
  that takes the person's lock and then the city's with its BEGIN (a kind of update that
  needed it lately goes there at once: handlers/updates/city_lock.py), so every rule still runs
  from its first read to its commit under the city's lock; no one takes them the other way
  round. Browsing, menus and the first steps of a form - most updates - no longer wait for
  each other: with the city's lock at every BEGIN the processes' connections waited on it
  84-92 % of the time, and one process handled its updates one at a time as well
  (bench/cluster_bench.py, 2026-11-29: one process 84-93 updates/s before, 230-264 after).

As on SQLite, the ``BEGIN`` travels with the transaction's first statement and
:meth:`commit_with` sends the last writes with the ``COMMIT``: one round trip each. Several
statements go together in psycopg's pipeline mode (one Sync, one round trip), and each
connection prepares a statement it has run :data:`PREPARE_THRESHOLD` times: from then on the
server neither parses nor plans it again (the update's first statement, ``users.arrive``,
took 0.38-0.45 ms of the server's CPU unprepared, 0.13 ms prepared). A statement whose
columns come from ``*`` is never prepared: a migration that adds a column (another process's,
during an upgrade) would make its prepared form fail ("cached plan must not change result
type") on every connection that holds it.

A server in recovery - a standby - is refused when the pool opens (:func:`refuse_standby`):
the bot writes from its first moment, and on a standby each write would fail with a
read-only error somewhere in the middle of things. A libpq multi-host URL with
``target_session_attrs=read-write`` never connects to one (docs/postgresql.md, "What is made
highly available").
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import re
import socket
import zlib
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from db.city_schema import check_schema_name
from db.migration_ledger import MigrationError
from db.transactions import (
    BeyondOwnRows,
    CityLockNeeded,
    ForPerson,
    Statement,
    Transactions,
    is_own_row,
)

# psycopg (and its C part) loads in about 0.15 s: a process on SQLite, and every command
# that only asks whether a location is PostgreSQL, never loads it (the driver is imported
# where a pool or a connection is made).
if TYPE_CHECKING:
    from psycopg import AsyncConnection
    from psycopg_pool import AsyncConnectionPool

# How long opening the pool waits for its first connections: a server restarting comes up
# within it; one down, or a wrong address or login, is said after it (ServerUnreachable).
OPEN_SECONDS = 15.0
# psycopg prepares a statement on a connection at its PREPARE_THRESHOLD-th run there and keeps
# the PREPARED_MAX last used so (psycopg's defaults, named: behind PgBouncer in transaction
# mode the pooler must keep them, docs/postgresql.md).
PREPARE_THRESHOLD = 5
PREPARED_MAX = 100
# pg_advisory_xact_lock(ADVISORY_CLASS, n): the first key says "nachbarbot" ('nb'), the
# second which lock.
ADVISORY_CLASS = 0x6E62
WRITE_LOCK = 1
MIGRATION_LOCK = 2
# Session-level locks of the processes sharing a database (bot/cluster.py): one per live
# process (keyed by its backend pid), one per role, one per chat being handled.
PROCESS_CLASS = ADVISORY_CLASS + 1
ROLE_CLASS = ADVISORY_CLASS + 2
CHAT_CLASS = ADVISORY_CLASS + 3
# A city's own schema: its write lock and its migration lock, keyed by the schema's name.
CITY_WRITE_CLASS = ADVISORY_CLASS + 4
CITY_MIGRATION_CLASS = ADVISORY_CLASS + 5
# One person's update in a transaction without the city's write lock (see "own rows").
PERSON_CLASS = ADVISORY_CLASS + 6


def process_gone(column: str) -> str:
    """SQL that is true when the process whose lock key is in ``column`` is gone: its
    process lock (bot/cluster.py) is no longer held."""
    return (
        "NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted"
        f" AND l.classid = {PROCESS_CLASS} AND l.objid::bigint = {column})"
    )


def schema_key(schema: str) -> int:
    """A city schema's advisory-lock key: the same in every process (unlike Python's
    ``hash``), within the signed 32 bits of ``pg_advisory_xact_lock(int, int)``. Two names
    that share a key only make those two cities wait for each other."""
    key = zlib.crc32(schema.encode())
    return key - (1 << 32) if key >= 1 << 31 else key


def write_lock(schema: str | None) -> tuple[int, int]:
    """The keys of the write lock of the main city (``None``) or of a city's schema."""
    if schema is None:
        return (ADVISORY_CLASS, WRITE_LOCK)
    return (CITY_WRITE_CLASS, schema_key(schema))


def migration_lock(schema: str | None) -> tuple[int, int]:
    """The keys of the migration lock of the main city (``None``) or of a city's schema:
    cities migrate side by side, each once."""
    if schema is None:
        return (ADVISORY_CLASS, MIGRATION_LOCK)
    return (CITY_MIGRATION_CLASS, schema_key(schema))


# What a round trip sends: statements as psycopg takes them (text, values or None).
Sent = list[tuple[str, Any]]


# The keys are bound, not written into the text: one text for every lock, prepared on each
# connection like the stores' statements - a person's lock written out was a text of its
# own for each person, parsed and planned again at every update's BEGIN.
_LOCK = "SELECT pg_advisory_xact_lock(%s::integer, %s::integer)"


def _lock(keys: tuple[int, int]) -> tuple[str, tuple[int, int]]:
    return (_LOCK, keys)


def begin_statements(schema: str | None) -> Sent:
    """``BEGIN`` and the write lock, sent in front of a transaction's first statement."""
    return [("BEGIN", None), _lock(write_lock(schema))]


def person_lock(schema: str | None, person: str) -> tuple[int, int]:
    """The keys of one person's lock in their city: that person's updates one at a time,
    cluster-wide, whatever the transport does (a chat turn, one polling process)."""
    return (PERSON_CLASS, schema_key(f"{schema}:{person}"))


def person_begin(schema: str | None, person: str, *, own_rows: bool) -> Sent:
    """``BEGIN`` and the person's lock, in front of the first statement of an update's
    transaction; and the city's write lock after it unless the transaction writes only the
    person's ``own_rows`` ("own rows")."""
    begin: Sent = [("BEGIN", None), _lock(person_lock(schema, person))]
    return begin if own_rows else [*begin, _lock(write_lock(schema))]


@lru_cache(maxsize=1024)
def writes_beyond_own_rows(sql: str) -> bool:
    """Whether ``sql`` (the stores' dialect) needs the city's write lock in a transaction
    opened with ``own_rows``: any write but a declared own row, and a read that locks rows
    (a rule's ``FOR UPDATE``)."""
    if is_own_row(sql):
        return False
    head = sql.lstrip()[:7].upper()
    return not head.startswith(("SELECT", "WITH")) or _WRITES.search(sql) is not None


# What makes a SELECT (or WITH ... SELECT) more than a read: a data-modifying WITH, a row lock.
_WRITES = re.compile(
    r"\b(?:INSERT\s+INTO|DELETE\s+FROM|MERGE\s+INTO|UPDATE\s+\w+(?:\s+(?:AS\s+)?\w+)?\s+SET"
    r"|FOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE))\b",
    re.I,
)


PASSWORD_VARIABLE = "NACHBARBOT_BOT__DATABASE_PASSWORD"


def is_postgres(target: object) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    if not is_postgres(url):
        return url
    parts = urlsplit(url)
    if parts.password is not None:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    query = "&".join(
        "password=***" if item.lower().startswith("password=") else item
        for item in parts.query.split("&")
    )
    return parts._replace(query=query).geturl()


# --- the dialect ---------------------------------------------------------------------------

_QUOTED_OR_PLAIN = re.compile(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")|([^'\"]+)", re.S)
_PARAM = re.compile(r"\?|(?<![:\w]):([A-Za-z_]\w*)|%")
_LIKE = re.compile(r"(?<![\w])LIKE\b", re.I)
_INSTR = re.compile(r"\binstr\(", re.I)
_INDEXED_BY = re.compile(r"\bINDEXED\s+BY\s+\w+", re.I)
# JSON kept as TEXT: SQLite's json_extract / json_remove of one top-level key.
_JSON_EXTRACT = re.compile(r"json_extract\((\w+), '\$\.(\w+)'\)")
_JSON_REMOVE = re.compile(r"json_remove\((\w+), '\$\.(\w+)'\)")
_GROUP_CONCAT = re.compile(r"\bgroup_concat\(([\w.]+)\)", re.I)


def _plain(text: str, with_params: bool) -> str:
    text = _LIKE.sub("ILIKE", text)
    text = _INSTR.sub("strpos(", text)
    text = _INDEXED_BY.sub("", text)
    if not with_params:
        return text

    def param(match: re.Match[str]) -> str:
        if match.group(0) == "?":
            return "%s"
        if match.group(0) == "%":
            return "%%"
        return f"%({match.group(1)})s"

    return _PARAM.sub(param, text)


@lru_cache(maxsize=4096)
def translate(sql: str, with_params: bool = True) -> str:
    """A statement of the stores (SQLite dialect) as PostgreSQL and psycopg take it."""
    sql = _JSON_EXTRACT.sub(r"(\1::jsonb ->> '\2')", sql)
    sql = _JSON_REMOVE.sub(r"((\1::jsonb - '\2')::text)", sql)
    sql = _GROUP_CONCAT.sub(r"string_agg(CAST(\1 AS TEXT), ',')", sql)
    out = []
    for quoted, plain in _QUOTED_OR_PLAIN.findall(sql):
        if quoted:
            out.append(quoted.replace("%", "%%") if with_params else quoted)
        else:
            out.append(_plain(plain, with_params))
    return "".join(out)


def prepared(sql: str, params: Any) -> tuple[str, Any]:
    if params:
        if not isinstance(params, dict):
            params = tuple(params)
        return translate(sql, True), params
    return translate(sql, False), None


# Columns taken from a table's definition: "*" or "alias.*" in a select list or RETURNING
# (not COUNT(*), whose "*" follows a parenthesis).
_STAR = re.compile(r"(?:^|[\s,])(?:\w+\.)?\*(?:\s|,|$)")
# A savepoint's statements name it: each text is run once.
_SAVEPOINT = re.compile(r"(?:SAVEPOINT|RELEASE|ROLLBACK TO) ", re.I)


@lru_cache(maxsize=4096)
def preparable(text: str) -> bool:
    """Whether a statement is worth preparing and may be: its columns cannot change under
    it (no ``*``), and it is run more than once (not a savepoint's)."""
    return _STAR.search(text) is None and _SAVEPOINT.match(text) is None


@lru_cache(maxsize=1)
def _adapters() -> tuple[type[Any], type[Any]]:
    """The dumper of numbers and the loader of NUMERIC (classes of psycopg's, made once)."""
    from psycopg.adapt import Dumper, Loader

    class _UntypedNumber(Dumper):
        """Numbers as quoted literals of no type: PostgreSQL casts them to what the column
        or operator needs, as SQLite does (an id compared with a TEXT column, a flag stored
        in an integer column)."""

        oid = 0

        def dump(self, obj: Any) -> bytes:
            if isinstance(obj, bool):
                obj = int(obj)
            return str(obj).encode()

        def quote(self, obj: Any) -> bytes:
            return b"'" + self.dump(obj) + b"'"

    class _Number(Loader):
        """NUMERIC (what SUM and AVG of integers give) as int when whole, else float: the
        stores were written for SQLite's numbers."""

        def load(self, data: Any) -> int | float:
            value = Decimal(bytes(data).decode())
            return int(value) if value == value.to_integral_value() else float(value)

    return _UntypedNumber, _Number


class Row(tuple[Any, ...]):
    """A row by position and by column name, as sqlite3.Row."""

    _index: ClassVar[dict[str, int]] = {}

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


@lru_cache(maxsize=1024)
def _row_kind(names: tuple[bytes, ...]) -> type[Row]:
    """The row class of a result with these column names: made once, not for every result
    (a class made per statement cost a fifth of psycopg's own time per statement)."""
    index = {name.decode(): i for i, name in enumerate(names)}
    return type("Row", (Row,), {"_index": index, "__slots__": ()})


def _row_factory(cursor: Any) -> Any:
    result = cursor.pgresult
    if result is None or not result.nfields:
        return tuple
    return _row_kind(tuple(result.fname(i) or b"" for i in range(result.nfields)))


async def _configure(conn: AsyncConnection[Any]) -> None:
    untyped_number, number_loader = _adapters()
    for number in (int, bool, float):
        conn.adapters.register_dumper(number, untyped_number)
    conn.adapters.register_loader("numeric", number_loader)
    conn.row_factory = _row_factory
    conn.prepare_threshold = PREPARE_THRESHOLD
    conn.prepared_max = PREPARED_MAX


# --- transactions --------------------------------------------------------------------------


@dataclass
class _Open:
    conn: AsyncConnection[Any]
    begin: Sent
    begun: bool = False
    committed: bool = False
    # Opened with own_rows: without the city's write lock, own rows only.
    own_rows: bool = False
    # A statement beyond its own rows was refused: the transaction may commit nothing.
    needs_lock: bool = False
    # Over (a task it started may still hold it in its context: _OWN_ROWS_OPEN).
    ended: bool = False
    # Under the city's lock: told whether a statement went beyond the person's own rows.
    beyond: BeyondOwnRows | None = None

    def check(self, statements: Iterable[str]) -> None:
        """CityLockNeeded, before anything is sent, where the transaction has no city lock
        and a statement needs it (or one did already and the caller went on)."""
        if not self.own_rows:
            if self.beyond is not None and not self.beyond.seen:
                self.beyond.seen = any(writes_beyond_own_rows(sql) for sql in statements)
            return
        if self.needs_lock or any(writes_beyond_own_rows(sql) for sql in statements):
            self.needs_lock = True
            raise CityLockNeeded

    @contextmanager
    def deadlock_needs_lock(self) -> Iterator[None]:
        """A transaction of own rows that the server ended as a deadlock's victim (its
        person's row against a city writer's) is done again under the city's lock."""
        from psycopg import errors

        try:
            yield
        except errors.DeadlockDetected as exc:
            if not self.own_rows:
                raise
            self.needs_lock = True
            raise CityLockNeeded from exc


# The task's transaction of own rows while it is open: a write to another database meanwhile
# (another city counting in the main city's, bot/transports/sms/budget.py) is an effect its
# rollback would not undo and its second attempt would repeat, so it sends the update to the
# city's lock before it is made (:func:`_check_apart`).
_OWN_ROWS_OPEN: ContextVar[_Open | None] = ContextVar("own_rows_open", default=None)


def _check_apart(state: _Open | None, statements: Iterable[str]) -> None:
    """CityLockNeeded before a write outside the task's open transaction of own rows."""
    outer = _OWN_ROWS_OPEN.get()
    if outer is None or outer is state or outer.ended:
        return
    if outer.needs_lock or any(writes_beyond_own_rows(sql) for sql in statements):
        outer.needs_lock = True
        raise CityLockNeeded


class PostgresTransactions(Transactions):
    dialect = "postgresql"
    # Two chats' updates at once, each its own connection of the pool: while one waits for
    # its round trip the other's handler runs. Two, not more: in 6 paired rounds of the mix
    # (PostgreSQL alone, load 6-11) 2 at once gave 127-161 updates/s pooled, 1 gave 90, 3
    # 99, 4 127, 8 102 - each more made the bot's and the server's CPU an update dearer
    # (the server's 1.07 at 2, 1.38 at 8 ms) and the time an update is in its handler
    # longer (p99 16-22 ms at 2, 111 at 8), as the updates take turns on the one loop.
    updates_at_once = 2

    def __init__(self, pool: AsyncConnectionPool[Any], schema: str | None = None) -> None:
        self.pool = pool
        # The city's schema (None: the main city, in the connections' default schema).
        self.schema = schema
        self._begin = begin_statements(schema)
        self._open: dict[asyncio.Task[Any], _Open] = {}
        self._names = itertools.count(1)

    def _mine(self) -> _Open | None:
        task = asyncio.current_task()
        return self._open.get(task) if task is not None else None

    def in_own_transaction(self) -> bool:
        return self._mine() is not None

    async def _send(self, conn: AsyncConnection[Any], statements: Sent) -> list[Any]:
        """One round trip: the statements, in pipeline mode when there are several (their
        one Sync is the trip; a failure raises and skips the rest, the transaction's
        ROLLBACK follows); the cursor of each, its results read."""
        if len(statements) == 1:
            (text, values), cursor = statements[0], conn.cursor()
            await cursor.execute(text, values, prepare=None if preparable(text) else False)
            return [cursor]
        cursors = []
        async with conn.pipeline():
            for text, values in statements:
                cursor = conn.cursor()
                await cursor.execute(text, values, prepare=None if preparable(text) else False)
                cursors.append(cursor)
        return cursors

    async def _in(self, state: _Open, statements: Sent) -> list[Any]:
        """The statements in the caller's transaction, its BEGIN and locks in front when
        they are its first; the cursor of each statement given."""
        with state.deadlock_needs_lock():
            if state.begun:
                return await self._send(state.conn, statements)
            state.begun = True  # before the round trip: a failure is followed by ROLLBACK
            cursors = await self._send(state.conn, [*state.begin, *statements])
        return cursors[len(state.begin) :]

    async def _statement(self, sql: str, params: Any) -> tuple[list[Any], int]:
        text, values = prepared(sql, params)
        state = self._mine()
        _check_apart(state, (sql,))
        if state is None:
            # Outside a transaction: one statement is atomic by itself.
            async with self.pool.connection() as conn:
                (cursor,) = await self._send(conn, [(text, values)])
                return await _rows(cursor), cursor.rowcount
        state.check((sql,))
        (cursor,) = await self._in(state, [(text, values)])
        return await _rows(cursor), cursor.rowcount

    async def _batch(self, statements: Sequence[Statement], suffix: str = "") -> list[list[Any]]:
        """Several statements in one round trip; the rows of each."""
        state = self._mine()
        if state is None:
            async with self.transaction():
                return await self._batch(statements, suffix)
        state.check(sql for sql, _ in statements)
        _check_apart(state, (sql for sql, _ in statements))
        sent = [prepared(sql, params) for sql, params in statements]
        if suffix:
            sent.append((suffix, None))
        if not sent:
            return []
        cursors = await self._in(state, sent)
        return [await _rows(cursor) for cursor in cursors[: len(statements)]]

    async def fetch_all(self, sql: str, params: Any = ()) -> list[Any]:
        return (await self._statement(sql, params))[0]

    async def changed(self, sql: str, params: Any = ()) -> int:
        return (await self._statement(sql, params))[1]

    async def execute_many(self, sql: str, rows: list[Sequence[Any]]) -> None:
        if rows:
            await self._batch([(sql, row) for row in rows])

    async def execute_all(self, statements: list[Statement]) -> None:
        if statements:
            await self._batch(statements)

    async def fetch_each(self, queries: list[Statement]) -> list[list[Any]]:
        if not queries:
            return []
        if self._mine() is None:
            # Reads outside a transaction: one round trip without BEGIN or lock.
            async with self.pool.connection() as conn:
                cursors = await self._send(conn, [prepared(sql, p) for sql, p in queries])
                return [await _rows(cursor) for cursor in cursors]
        return await self._batch(queries)

    @asynccontextmanager
    async def transaction(
        self, *, savepoint: bool = True, inline: bool = False, person: ForPerson | None = None
    ) -> AsyncIterator[None]:
        # inline is SQLite's (its one connection's thread switches); here nothing changes.
        task = asyncio.current_task()
        assert task is not None
        state = self._open.get(task)
        if state is not None:
            if not savepoint:
                yield
                return
            name = f"sp{next(self._names)}"
            await self._in(state, [(f"SAVEPOINT {name}", None)])
            try:
                yield
            except BaseException:
                await self._in(state, [(f"ROLLBACK TO {name}", None), (f"RELEASE {name}", None)])
                raise
            await self._in(state, [(f"RELEASE {name}", None)])
            return
        async with self.pool.connection() as conn:
            if person is None:
                state = _Open(conn, self._begin)
            else:
                begin = person_begin(self.schema, person.key, own_rows=person.own_rows)
                state = _Open(conn, begin, own_rows=person.own_rows, beyond=person.beyond)
            self._open[task] = state
            apart = _OWN_ROWS_OPEN.set(state) if state.own_rows else None
            try:
                try:
                    yield
                    if state.needs_lock:  # refused, and the caller went on regardless
                        raise CityLockNeeded
                except BaseException as exc:
                    if state.begun and not state.committed:
                        await self._send(conn, [("ROLLBACK", None)])
                    if state.needs_lock and isinstance(exc, Exception):
                        # Whatever the caller made of the refusal (a handler's own error
                        # answer), the work is to be done again under the city lock.
                        raise CityLockNeeded from exc
                    raise
                if state.begun and not state.committed:
                    await self._send(conn, [("COMMIT", None)])
            finally:
                del self._open[task]
                state.ended = True
                if apart is not None:
                    _OWN_ROWS_OPEN.reset(apart)

    async def commit_with(self, statements: Iterable[Statement]) -> None:
        state = self._mine()
        if state is None:
            raise RuntimeError("commit_with outside the caller's own transaction")
        batch = list(statements)
        if not state.begun and not batch:
            return
        await self._batch(batch, suffix="COMMIT")
        state.committed = True

    @asynccontextmanager
    async def single_statement(self, *, inline: bool = False) -> AsyncIterator[None]:
        # One statement outside a transaction is atomic, and other tasks' statements run on
        # connections of their own: nothing to hold.
        yield


async def _rows(cursor: Any) -> list[Any]:
    # Whether the statement gave rows, asked of its result: ``cursor.description`` would
    # make a column object for each of its columns (36 an update of the bench's mix).
    result = cursor.pgresult
    return await cursor.fetchall() if result is not None and result.nfields else []


class StandbyServer(MigrationError):
    """The URL leads to a server in recovery: a standby, read-only until it is promoted."""


async def refuse_standby(pool: AsyncConnectionPool[Any]) -> None:
    """StandbyServer, naming the server, when the pool's server is in recovery."""
    async with pool.connection() as conn:
        cursor = await conn.execute("SELECT pg_is_in_recovery()")
        row = await cursor.fetchone()
        if row is None or not row[0]:
            return
        where = f"{conn.info.host}:{conn.info.port}"
    raise StandbyServer(
        f"this server is a standby: the PostgreSQL server at {where} is in recovery and"
        " takes no writes. Point bot.database at the primary, promote this standby if the"
        " primary is gone, or list every server in one URL with"
        " target_session_attrs=read-write (docs/postgresql.md); nothing was changed"
    )


def connection_options() -> dict[str, Any]:
    """What every connection of the bot's takes besides the URL: the password from the
    environment, if set (the URL's own, or libpq's PGPASSWORD / ~/.pgpass, otherwise)."""
    password = os.environ.get(PASSWORD_VARIABLE)
    return {"password": password} if password else {}


def schema_options(url: str, schema: str) -> str:
    """libpq's ``options`` for connections that work in a city's ``schema``: its tables
    first, then ``public`` for the ``cube`` extension's functions and operators. Options
    the URL (or ``PGOPTIONS``) gives already are kept; the later ``-c`` wins."""
    check_schema_name(schema)  # it goes into the options unquoted
    from psycopg.conninfo import conninfo_to_dict

    given = conninfo_to_dict(url).get("options") or os.environ.get("PGOPTIONS", "")
    return f"{given} -c search_path={schema},public".strip()


_log = logging.getLogger(__name__)

# The command this process runs ("run", "web", "db restore" …), set by the command line
# (bot/cli/main.py): part of the name its connections carry in pg_stat_activity.
PROGRAM = ""


def application_name() -> str:
    """How this process's connections are named in ``pg_stat_activity`` (and so in a
    restore's refusal): the program, its command, the host and the process id - an
    operator can tell which process to stop (PostgreSQL keeps 63 bytes)."""
    program = f"nachbarbot {PROGRAM}" if PROGRAM else "nachbarbot"
    return f"{program} {socket.gethostname()}:{os.getpid()}"[:63]


async def open_pool(
    url: str, *, schema: str | None = None, min_size: int = 2, max_size: int = 10
) -> AsyncConnectionPool[Any]:
    """The connection pool; with ``schema``, every connection works in that schema (the
    caller makes sure it exists: a search path naming a missing schema skips it)."""
    from psycopg.conninfo import conninfo_to_dict
    from psycopg_pool import AsyncConnectionPool

    kwargs: dict[str, Any] = {"autocommit": True, **connection_options()}
    if not conninfo_to_dict(url).get("application_name"):  # the operator's own name wins
        kwargs["application_name"] = application_name()
    if schema is not None:
        kwargs["options"] = schema_options(url, schema)
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        kwargs=kwargs,
        configure=_configure,
        open=False,
        name="nachbarbot" if schema is None else f"nachbarbot {schema}",
    )
    # The pool logs each failed try of its wait: the one error after it says it all.
    quiet = _QuietWait()
    logging.getLogger("psycopg.pool").addFilter(quiet)
    try:
        await pool.open(wait=True, timeout=OPEN_SECONDS)
    except BaseException as exc:
        await pool.close()
        from psycopg_pool import PoolTimeout

        if isinstance(exc, PoolTimeout):
            raise ServerUnreachable(await _why_unreachable(url, kwargs)) from exc
        raise
    finally:
        logging.getLogger("psycopg.pool").removeFilter(quiet)
    return pool


class _QuietWait(logging.Filter):
    """Drops the pool's "error connecting" lines while a pool opens (their arguments are
    redacted by then, bot/log_redaction.py: which pool cannot be told)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("error connecting in ")


class ServerUnreachable(MigrationError):
    """No connection to the server could be made: it is down, the address or the login is
    wrong. Said in one line by every command (bot/cli/main.py), never a traceback - with
    several cities once, naming them (:meth:`naming`): every city's data is on the one
    server of ``bot.database``, and none is waited for again."""

    def __init__(self, reason: str, cities: Sequence[str] = ()) -> None:
        super().__init__(f"{', '.join(cities)}: {reason}" if cities else reason)
        self.reason = reason

    def naming(self, cities: Sequence[str]) -> ServerUnreachable:
        """The same, said of ``cities``: those whose data could not be reached."""
        return ServerUnreachable(self.reason, cities)


async def _why_unreachable(url: str, kwargs: dict[str, Any]) -> str:
    """What libpq says when it connects to ``url`` once more (the pool's own tries keep
    their errors to themselves), in the words a command tells the operator: the server
    (host and port, never the password), the reason, and that nothing was changed."""
    import psycopg

    reason = "no connection within the wait"
    try:
        conn = await psycopg.AsyncConnection.connect(url, connect_timeout=5, **kwargs)
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
    else:  # the server came up meanwhile: the next try will find it
        await conn.close()
    return (
        f"the PostgreSQL server of bot.database ({redacted(url)}) cannot be reached: {reason}"
        " - start it or correct bot.database, then run the command again; nothing was changed"
    )


def server_gone(exc: BaseException) -> str | None:
    """libpq's reason, in one line, when ``exc`` says the PostgreSQL server is gone - its
    connection closed, no new one to be made (a restart, a machine down, a failover);
    else None. Never true on SQLite: psycopg is loaded only with a PostgreSQL database."""
    import sys

    if "psycopg" not in sys.modules:
        return None
    import psycopg
    from psycopg_pool import PoolTimeout

    if not isinstance(exc, psycopg.OperationalError | PoolTimeout):
        return None
    return " ".join(str(exc).split(". ")[0].split()) or type(exc).__name__


class Outage:
    """What a running process says while the PostgreSQL server is gone: one line when it
    goes, naming libpq's reason and what comes next, one when it answers again - not a
    traceback every round (issue 99, point 6c). The process waits: its pool makes new
    connections to what ``bot.database`` names as they are asked for."""

    GONE = (
        "database: the PostgreSQL server of bot.database does not answer (%s): updates and"
        " deliveries wait and are tried again every few seconds; this process goes on by"
        " itself once a server of bot.database takes writes - the same server started again,"
        " or after a failover the promoted standby where bot.database lists it with"
        " target_session_attrs=read-write; a restart of the bot finds no other server"
        " (docs/postgresql.md)"
    )
    BACK = "database: the PostgreSQL server answers again: updates and deliveries go on"

    def __init__(self) -> None:
        self.gone = False

    def failed(self, exc: BaseException) -> bool:
        """Whether ``exc`` is the server gone (then said once, while it is gone)."""
        reason = server_gone(exc)
        if reason is None:
            return False
        if not self.gone:
            self.gone = True
            _log.warning(self.GONE, reason)
        return True

    def answered(self) -> None:
        if self.gone:
            self.gone = False
            _log.warning(self.BACK)
