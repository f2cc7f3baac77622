"""Reading rows in one round trip to the database thread.

Every aiosqlite call is a hop to its worker thread and back. ``async with conn.execute()
as cur: await cur.fetchone()`` makes three of them (execute, fetch, close); these helpers
make one, which matters on the path every update takes.
"""

from __future__ import annotations

from typing import Any

import aiosqlite


async def fetch_all(conn: aiosqlite.Connection, sql: str, params: Any = ()) -> list[aiosqlite.Row]:
    return list(await conn.execute_fetchall(sql, params))


async def fetch_one(conn: aiosqlite.Connection, sql: str, params: Any = ()) -> aiosqlite.Row | None:
    """The first row or None; meant for queries that find at most one row (a key, a
    LIMIT 1, an aggregate): all rows are read."""
    rows = await conn.execute_fetchall(sql, params)
    return rows[0] if rows else None


async def changed(conn: aiosqlite.Connection, sql: str, params: Any = ()) -> int:
    """Run a write and return how many rows it changed."""
    cursor = await conn.execute(sql, params)
    return cursor.rowcount
