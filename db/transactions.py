"""Transactions on the one shared connection.

All writes happen inside :meth:`Transactions.transaction`. The outermost level takes a lock
and ``BEGIN IMMEDIATE``; inner levels (a store method called from a handler that already
opened one) become SAVEPOINTs. The lock keeps another task's statements (the delivery
worker, a second update) out of a transaction that is still open.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite


class Transactions:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None
        self._names = itertools.count(1)

    @asynccontextmanager
    async def transaction(self, *, savepoint: bool = True) -> AsyncIterator[None]:
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
            await self._conn.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                await self._conn.execute(f"ROLLBACK TO {name}")
                await self._conn.execute(f"RELEASE {name}")
                raise
            await self._conn.execute(f"RELEASE {name}")
            return
        async with self._lock:
            self._owner = task
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    await self._conn.execute("ROLLBACK")
                    raise
                await self._conn.execute("COMMIT")
            finally:
                self._owner = None

    @asynccontextmanager
    async def single_statement(self) -> AsyncIterator[None]:
        """For one statement outside any transaction: SQLite makes a single statement atomic
        by itself, so BEGIN and COMMIT would only cost round trips. The lock is still taken,
        because on the shared connection the statement would otherwise become part of
        whatever transaction another task has open."""
        task = asyncio.current_task()
        if self._owner is not None and self._owner is task:
            yield
            return
        async with self._lock:
            self._owner = task
            try:
                yield
            finally:
                self._owner = None
