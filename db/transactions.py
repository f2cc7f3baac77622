"""Transactions, and the one way statements reach the database.

:class:`Transactions` is what the stores see; :class:`SqliteTransactions` (here) and
``db.postgres.PostgresTransactions`` implement it.

SQLite: transactions on the one shared connection.

All writes happen inside :meth:`Transactions.transaction`. The outermost level takes a lock
and begins with ``BEGIN IMMEDIATE``; inner levels (a store method called from a handler that
already opened one) become SAVEPOINTs. A statement of any other task - a read by the delivery
worker, a second update - waits for that lock, so readers see committed rows only.

Every statement is a round trip to aiosqlite's worker thread, and on a small server that
trip costs far more than the statement (about a tenth of a millisecond against a few
microseconds). So the ``BEGIN`` travels with the transaction's first statement, a
transaction that ran no statement costs nothing, and :meth:`commit_with` sends the last
writes together with the ``COMMIT``.

A transaction (or single statement) opened with ``inline=True`` - an update's own, whose
statements are a person's rows and a page of results - runs its statements on the event
loop's thread instead, without the trip: the two thread switches cost the handler mix more
CPU than its statements, and on a busy machine each switch waits for the scheduler (a trip
measured 4 - 10 ms under load 12 - 23, bench/profiles/README.md). Only when nothing is on
the database thread (a backup, another task's statement whose caller was cancelled: the
connection is never used from two threads at once), and never waiting for another process's
write lock on the loop: the BEGIN (and a single statement) is tried without SQLite's busy
wait and goes to the database thread, which waits, when the database is locked.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")
# A statement and its parameters.
Statement = tuple[str, Sequence[Any]]
# How long a statement on the database thread waits for another process's write lock.
BUSY_TIMEOUT_MS = 5000
# What a statement tried on the loop's thread found instead of the write lock.
_LOCKED = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_BUSY = object()


def execute_each(conn: sqlite3.Connection, statements: Iterable[Statement]) -> None:
    """On the database thread: the statements one after the other."""
    for sql, params in statements:
        conn.execute(sql, params)


# The statements that write only the acting person's own rows (their users row on arrival,
# their conversation state, the update's record): an update whose writes are all of these
# needs no city write lock on PostgreSQL (db/postgres.py, "own rows").
_OWN_ROWS: set[str] = set()


def own_row(sql: str) -> str:
    """``sql``, declared as writing only the acting person's own rows: no rule of the
    city (a request matched once, an offer accepted once) reads what it writes. Used only
    for statements an update sends about its own sender."""
    _OWN_ROWS.add(sql)
    return sql


def is_own_row(sql: str) -> bool:
    return sql in _OWN_ROWS


@dataclass
class BeyondOwnRows:
    """Whether a transaction under the city's lock came to a statement beyond its person's
    own rows - one that would have needed the lock (handlers/updates/city_lock.py learns
    from it which updates need the lock)."""

    seen: bool = False


@dataclass(frozen=True)
class ForPerson:
    """An update's transaction on PostgreSQL: it takes the lock of the person ``key`` first
    (their updates one at a time, cluster-wide); with ``own_rows`` it writes only their own
    rows, takes no city lock, and raises :class:`CityLockNeeded` before any other write;
    without, ``beyond`` (if given) is told whether it came to such a write."""

    key: str
    own_rows: bool = False
    beyond: BeyondOwnRows | None = None


class CityLockNeeded(Exception):
    """An update's transaction begun without the city's write lock (``own_rows``) came to a
    write that is not its person's own: nothing of it is committed, and the update is
    handled again in a transaction that takes the lock at its BEGIN."""


def refused_on_the_way(exc: BaseException) -> bool:
    """Whether ``exc`` was raised from or while handling a refused write
    (:class:`CityLockNeeded`): a handler that made its own error of one."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, CityLockNeeded):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


class Transactions:
    """The stores' view of a database: transactions and statements, whatever the backend.

    ``dialect`` is ``"sqlite"`` or ``"postgresql"``, for the few statements that differ."""

    dialect = ""
    # How many chats' updates a transport hands in at the same time (bot/transports/
    # telegram_polling.py): one on SQLite, whose one connection takes one writer at a time -
    # more only cost CPU (2.85 against 2.59 ms an update, bench/RESULTS.md, postgres row).
    updates_at_once = 1

    def transaction(
        self, *, savepoint: bool = True, inline: bool = False, person: ForPerson | None = None
    ) -> AbstractAsyncContextManager[None]:
        """``inline``: the caller's statements are short (SQLite runs them on the loop's
        thread, see the module's docstring; PostgreSQL ignores it). ``person``: the
        transaction is this person's update (:class:`ForPerson`; SQLite, one writer anyway,
        ignores it)."""
        raise NotImplementedError

    def single_statement(self, *, inline: bool = False) -> AbstractAsyncContextManager[None]:
        raise NotImplementedError

    def in_own_transaction(self) -> bool:
        """Whether the calling task has a transaction of its own open: what it writes now
        is committed, or undone, with that transaction."""
        raise NotImplementedError

    async def commit_with(self, statements: Iterable[Statement]) -> None:
        raise NotImplementedError

    async def fetch_all(self, sql: str, params: Any = ()) -> list[Any]:
        raise NotImplementedError

    async def changed(self, sql: str, params: Any = ()) -> int:
        raise NotImplementedError

    async def execute_many(self, sql: str, rows: list[Sequence[Any]]) -> None:
        raise NotImplementedError

    async def execute_all(self, statements: list[Statement]) -> None:
        raise NotImplementedError

    async def fetch_each(self, queries: list[Statement]) -> list[list[Any]]:
        raise NotImplementedError


class SqliteTransactions(Transactions):
    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None
        self._names = itertools.count(1)
        # The outermost transaction's progress: BEGIN still to be sent with the next
        # statement; BEGIN sent; COMMIT already sent by commit_with.
        self._begin_pending = False
        self._begun = False
        self._committed = False
        # The outermost transaction (or single statement) was opened with inline=True.
        self._inline = False
        # Functions given to the database thread and finished there: equal when nothing is
        # on it. Each written by one thread only (sent here, done there).
        self._sent = 0
        self._done = 0
        # The thread keeps its last call and result until its next one: a cursor there may
        # hold a statement open (a pragma's unread row, aiosqlite's cursor.fetchone), and a
        # COMMIT on the loop's thread would fail with "SQL statements in progress".
        self._held = False
        # Whether the connection's busy wait is BUSY_TIMEOUT_MS (True) or 0 (the loop's
        # statements): set by whichever thread uses the connection next and finds it the
        # other way, so an update of the handler mix sets nothing (it set it twice per
        # statement tried on the loop, four PRAGMAs an update, 2 % of its CPU).
        self._waits = True
        on_thread = conn._execute

        async def counted(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
            # Every use of the thread - aiosqlite's own methods (a backup, a migration's
            # statements) as well as ours - is counted.
            self._sent += 1

            def call() -> T:
                try:
                    self._wait_on_thread()
                    result = fn(*args, **kwargs)
                    self._held = isinstance(result, sqlite3.Cursor) or isinstance(
                        getattr(fn, "__self__", None), sqlite3.Cursor
                    )
                    return result
                finally:
                    self._done += 1

            return await on_thread(call)

        conn._execute = counted  # type: ignore[method-assign]

    async def run(self, work: Callable[[sqlite3.Connection], T], *, ends: bool = False) -> T:
        """Run ``work`` with the sqlite3 connection on the database thread: one round trip,
        carrying the pending BEGIN of the caller's transaction in front of it. ``ends``:
        ``work`` ends the caller's transaction (COMMIT, ROLLBACK).

        aiosqlite has no public call for "run this function on your thread"; ``_execute``
        is what all its own methods use (tests/db/test_database.py fails if that ever changes)."""
        conn = self._conn
        if (
            self._inline
            and self._sent == self._done
            and not self._held
            and self._owner is asyncio.current_task()
        ):
            done = self._on_loop(conn._conn, work)
            if done is not _BUSY:
                return done
        if self._owner is not asyncio.current_task():
            # Not inside the caller's own transaction: wait until no other task has one
            # open. On the shared connection the statement would otherwise run inside that
            # transaction and see its uncommitted rows (the delivery worker once sent a
            # message that its update then rolled back).
            async with self._lock:
                return await conn._execute(lambda: work(conn._conn))
        if not self._begin_pending:
            call = conn._execute(lambda: work(conn._conn))
            if ends:
                return await _to_its_end(call)
            # Any other statement is simply awaited: _to_its_end's task and shield cost about
            # a third more than the round trip itself (57 against 36 µs, measured), and a
            # caller cancelled meanwhile loses nothing - whatever follows on the connection
            # (its ROLLBACK, another task's statement) runs after it on the database thread,
            # whose queue keeps the order.
            return await call
        self._begin_pending = False

        def begin_then_work() -> T:
            raw = conn._conn
            raw.execute("BEGIN IMMEDIATE")
            # Set on the database thread before anything else can fail: the caller reads it
            # after the await, so a failing statement is still followed by a ROLLBACK.
            self._begun = True
            return work(raw)

        try:
            return await _to_its_end(conn._execute(begin_then_work))
        except BaseException:
            if not self._begun:
                self._begin_pending = True
            raise

    def _wait_on_thread(self) -> None:
        """On the database thread, before each call: SQLite's busy wait for another
        process's lock, if the loop's statements left it off."""
        raw = self._conn._connection
        if not self._waits and raw is not None:
            raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._waits = True

    def _without_waiting(self, raw: sqlite3.Connection, call: Callable[[], T]) -> T | object:
        """``call`` (one statement) on the loop's thread without SQLite's busy wait, which
        would hold the event loop up to BUSY_TIMEOUT_MS: _BUSY when another process holds
        the lock (the statement did nothing). The wait stays off for the statements on the
        loop that follow: inside a transaction that holds the write lock (WAL) a statement
        waits for no lock, and the database thread turns the wait on again before its own."""
        if self._waits:
            raw.execute("PRAGMA busy_timeout = 0")
            self._waits = False
        try:
            return call()
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF in _LOCKED:
                return _BUSY
            raise

    def _on_loop(self, raw: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> Any:
        """``work`` of the caller's own inline transaction, here on the loop's thread; _BUSY
        (nothing done) when its BEGIN - or, as a single statement, ``work`` itself - found
        the database locked by another process: the database thread waits for it."""
        if self._begun:
            return work(raw)  # the transaction holds the write lock: nothing to wait for
        if not self._begin_pending:
            return self._without_waiting(raw, lambda: work(raw))
        if self._without_waiting(raw, lambda: raw.execute("BEGIN IMMEDIATE")) is _BUSY:
            return _BUSY
        self._begin_pending = False
        self._begun = True
        return work(raw)

    @asynccontextmanager
    async def transaction(
        self, *, savepoint: bool = True, inline: bool = False, person: ForPerson | None = None
    ) -> AsyncIterator[None]:
        """All or nothing. Nested inside a transaction of the same task it is a SAVEPOINT,
        so a failure inside rolls back only the inner part; with ``savepoint=False`` the
        nested part simply joins the outer transaction (two round trips fewer, for store
        methods whose failure ends the whole transaction anyway)."""
        task = asyncio.current_task()
        if self._owner is not None and self._owner is task:
            if not savepoint:
                yield
                return
            name = f"sp{next(self._names)}"
            await self.run(lambda c: c.execute(f"SAVEPOINT {name}"))
            try:
                yield
            except BaseException:
                await self.run(lambda c: c.execute(f"ROLLBACK TO {name}"))
                await self.run(lambda c: c.execute(f"RELEASE {name}"))
                raise
            await self.run(lambda c: c.execute(f"RELEASE {name}"))
            return
        async with self._lock:
            self._owner = task
            self._begin_pending, self._begun, self._committed = True, False, False
            self._inline = inline
            try:
                try:
                    yield
                except BaseException:
                    if self._begun and not self._committed:
                        await self.run(lambda c: c.execute("ROLLBACK"), ends=True)
                    raise
                if self._begun and not self._committed:
                    await self._commit()
            finally:
                self._owner = None
                self._begin_pending = self._begun = self._committed = self._inline = False

    async def _commit(self) -> None:
        """The outermost transaction's COMMIT. One that fails (a statement still in
        progress, a full disk) leaves the transaction open on the shared connection: it is
        rolled back, or every later BEGIN would fail ("cannot start a transaction within a
        transaction") until the process ends."""
        try:
            await self.run(lambda c: c.execute("COMMIT"), ends=True)
        except BaseException:
            raw = self._conn._connection
            if raw is not None and raw.in_transaction:
                await self.run(lambda c: c.execute("ROLLBACK"), ends=True)
            raise

    async def commit_with(self, statements: Iterable[Statement]) -> None:
        """The last writes of the current outermost transaction and its COMMIT, in one
        round trip. Nothing may run in the transaction after this."""
        if self._owner is not asyncio.current_task():
            raise RuntimeError("commit_with outside the caller's own transaction")
        batch = list(statements)

        def write_and_commit(c: sqlite3.Connection) -> None:
            execute_each(c, batch)
            c.execute("COMMIT")
            self._committed = True  # on the database thread, as it happens

        if self._begin_pending and not batch:
            self._begin_pending = False  # nothing was done: nothing to commit
            return
        await self.run(write_and_commit, ends=True)
        self._committed = True

    def in_own_transaction(self) -> bool:
        return self._owner is not None and self._owner is asyncio.current_task()

    @asynccontextmanager
    async def single_statement(self, *, inline: bool = False) -> AsyncIterator[None]:
        """For one statement outside any transaction: SQLite makes a single statement atomic
        by itself, so BEGIN and COMMIT would only cost round trips. The lock is still taken,
        because on the shared connection the statement would otherwise become part of
        whatever transaction another task has open. Inside the caller's own transaction it
        simply joins it."""
        task = asyncio.current_task()
        if self._owner is not None and self._owner is task:
            yield
            return
        async with self._lock:
            self._owner = task
            self._inline = inline
            try:
                yield
            finally:
                self._owner = None
                self._inline = False

    async def fetch_all(self, sql: str, params: Any = ()) -> list[Any]:
        return await self.run(lambda c: c.execute(sql, params).fetchall())

    async def changed(self, sql: str, params: Any = ()) -> int:
        return await self.run(lambda c: c.execute(sql, params).rowcount)

    async def execute_many(self, sql: str, rows: list[Sequence[Any]]) -> None:
        def run(c: sqlite3.Connection) -> None:
            c.executemany(sql, rows)

        await self.run(run)

    async def execute_all(self, statements: list[Statement]) -> None:
        await self.run(lambda c: execute_each(c, statements))

    async def fetch_each(self, queries: list[Statement]) -> list[list[Any]]:
        return await self.run(lambda c: [c.execute(sql, p).fetchall() for sql, p in queries])


async def _to_its_end(call: Awaitable[T]) -> T:
    """A call on the database thread that begins or ends a transaction, awaited to its end
    even when the caller is cancelled meanwhile: the thread runs it anyway, and whether it began or
    committed the transaction must be known before the cancellation goes on - a BEGIN that
    ran after its caller gave up would leave the shared connection in a transaction that
    nobody rolls back ("cannot start a transaction within a transaction" ever after)."""
    future = asyncio.ensure_future(call)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await asyncio.wait({future})
        raise
