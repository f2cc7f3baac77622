"""A carried write (db/transactions.py, ``Transactions.carry``) on SQLite: marking an
update's answers sent travels with the next round trip instead of costing one of its own,
never inside another task's transaction, and is written alone or at close when nothing
comes to carry it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from db import Database

KEPT = (
    "INSERT INTO processed_updates (platform, update_id, at, replies)"
    " VALUES ('t', ?, '2026-01-01T00:00:00Z', '[]')"
)


def answered(path: Path, update_id: str) -> bool:
    """Whether the row is marked, as another connection sees the file."""
    with sqlite3.connect(path) as other:
        row = other.execute(
            "SELECT answered_at FROM processed_updates WHERE update_id = ?", (update_id,)
        ).fetchone()
    return row is not None and row[0] is not None


@pytest.fixture
async def db(tmp_path: Path):
    database = await Database.open(tmp_path / "carry.sqlite3")
    yield database
    await database.close()


def count_trips(db: Database) -> list[int]:
    """How many round trips reach the database thread from now on (one element per trip)."""
    trips: list[int] = []
    conn: Any = db.conn
    execute = conn._execute

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(1)
        return await execute(fn, *args, **kwargs)

    conn._execute = counted
    return trips


async def test_the_mark_travels_with_the_next_round_trip(db: Database, tmp_path: Path):
    await db.execute(KEPT, ("u1",))
    user = await db.users.seen("t", "1", "1", "A")
    trips = count_trips(db)
    await db.users.mark_answered("t", "u1")
    assert trips == []  # no round trip of its own
    async with db.transaction():
        await db.users.set_language(user.id, "de")  # the next update's first statement
    assert len(trips) == 2  # BEGIN with the statement (and the mark), COMMIT
    assert answered(tmp_path / "carry.sqlite3", "u1")


async def test_the_mark_is_no_part_of_another_tasks_transaction(db: Database):
    await db.execute(KEPT, ("u1",))
    user = await db.users.seen("t", "4", "4", "D")
    inside, release = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with db.transaction():
            await db.users.set_language(user.id, "tr")
            inside.set()
            await release.wait()
            await db.users.set_language(user.id, "ar")
            raise RuntimeError("rolled back")

    task = asyncio.create_task(holder())
    await inside.wait()
    await db.users.mark_answered("t", "u1")
    release.set()
    with pytest.raises(RuntimeError):
        await task
    assert (await db.users.get(user.id)).language is None
    row = await db.fetch_one("SELECT answered_at FROM processed_updates WHERE update_id = 'u1'")
    assert row[0] is not None  # kept, although the transaction it waited beside rolled back


async def test_inside_the_callers_own_transaction_the_mark_is_part_of_it(db: Database):
    await db.execute(KEPT, ("u1",))
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.users.mark_answered("t", "u1")
            raise RuntimeError("rolled back")
    row = await db.fetch_one("SELECT answered_at FROM processed_updates WHERE update_id = 'u1'")
    assert row[0] is None


async def test_with_nothing_to_carry_it_the_mark_goes_alone(db: Database, tmp_path: Path):
    await db.execute(KEPT, ("u1",))
    await db.users.mark_answered("t", "u1")
    path = tmp_path / "carry.sqlite3"
    for _ in range(500):  # waits for the write, up to 5 s; no statement of ours meanwhile
        if answered(path, "u1"):
            break
        await asyncio.sleep(0.01)
    assert answered(path, "u1")


async def test_closing_writes_what_is_carried(tmp_path: Path):
    path = tmp_path / "closed.sqlite3"
    db = await Database.open(path)
    await db.execute(KEPT, ("u1",))
    await db.users.mark_answered("t", "u1")
    await db.close()
    assert answered(path, "u1")
