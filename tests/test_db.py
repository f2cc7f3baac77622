from __future__ import annotations

import asyncio
import sqlite3
import stat
from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.database import available_migrations
from db.users import ConversationState
from handlers import build_router
from handlers.privacy import erase_inactive
from handlers.settings import HandlerSettings


async def test_migrations_recorded_and_idempotent(tmp_path):
    path = tmp_path / "m.sqlite3"
    db = await Database.open(path)
    latest = len(available_migrations())
    assert await db.schema_version() == latest
    assert await db.migrate() == []
    await db.close()
    db = await Database.open(path)
    assert await db.schema_version() == latest
    await db.close()


async def test_pragmas(db: Database):
    async def pragma(name: str):
        async with db.conn.execute(f"PRAGMA {name}") as cur:
            return (await cur.fetchone())[0]

    assert (await pragma("journal_mode")).lower() == "wal"
    assert await pragma("foreign_keys") == 1
    assert await pragma("busy_timeout") >= 1000


async def test_database_file_is_private(tmp_path):
    path = tmp_path / "sub" / "p.sqlite3"
    db = await Database.open(path)
    await db.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_users_are_unique_per_platform(db: Database):
    a = await db.users.seen("telegram", "1", "1")
    b = await db.users.seen("telegram", "1", "1")
    c = await db.users.seen("matrix", "1", "!room")
    assert a.id == b.id != c.id
    assert a.roles == frozenset({"resident"})


async def test_roles_and_state(db: Database):
    user = await db.users.seen("telegram", "7", "7")
    await db.users.grant_role(user.id, "volunteer")
    with pytest.raises(ValueError):
        await db.users.grant_role(user.id, "king")
    assert (await db.users.get(user.id)).roles == {"resident", "volunteer"}
    await db.users.revoke_role(user.id, "volunteer")
    assert (await db.users.get(user.id)).roles == {"resident"}
    await db.users.set_state(user.id, "x", {"payload": "ü"})
    state = await db.users.get_state(user.id)
    assert state.state == "x" and state.data == {"payload": "ü"}


async def test_delete_cascades(db: Database):
    user = await db.users.seen("telegram", "8", "8")
    await db.users.set_state(user.id, "s")
    await db.users.delete(user.id)
    for table in ("users", "user_roles", "conversations"):
        async with db.conn.execute(f"SELECT COUNT(*) FROM {table}") as cur:
            assert (await cur.fetchone())[0] == 0, table


async def test_purge_inactive(db: Database):
    old = await db.users.seen("telegram", "old", "old")
    await db.conn.execute(
        "UPDATE users SET seen_at = '2020-01-01T00:00:00Z' WHERE id = ?", (old.id,)
    )
    fresh = await db.users.seen("telegram", "new", "new")
    removed = await erase_inactive(
        db, HandlerSettings(), build_router(), datetime.now(UTC) - timedelta(days=365)
    )
    assert removed == (1, 0)
    assert await db.users.get(old.id) is None
    assert await db.users.get(fresh.id) is not None


def _count_round_trips(db: Database, monkeypatch) -> list[int]:
    """Counts calls onto aiosqlite's worker thread (the private ``_execute`` that
    db/transactions.py relies on: if aiosqlite renames it, this and the store tests fail)."""
    trips = [0]
    original = db.conn._execute

    async def counting(fn, *args, **kwargs):
        trips[0] += 1
        return await original(fn, *args, **kwargs)

    monkeypatch.setattr(db.conn, "_execute", counting)
    return trips


async def test_begin_travels_with_the_first_statement(db: Database, monkeypatch):
    await db.users.seen("t", "1", "1", "A")
    trips = _count_round_trips(db, monkeypatch)
    async with db.transaction():
        pass
    assert trips[0] == 0  # nothing done, nothing sent
    async with db.transaction():
        user = await db.users.seen("t", "1", "1", "Anna")
        assert db.conn.in_transaction
    assert trips[0] == 2  # BEGIN with the upsert, then COMMIT
    assert not db.conn.in_transaction
    assert await db.users.find("t", "1") == user


async def test_a_failing_first_statement_is_rolled_back(db: Database):
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction():
            await db.users.set_state(999_999, "x")  # no such user: foreign key fails
    assert not db.conn.in_transaction
    user = await db.users.seen("t", "2", "2", "B")
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.users.set_language(user.id, "ar")
            raise RuntimeError("boom")
    assert (await db.users.get(user.id)).language is None


def _outbox_row(text: str) -> tuple[str, tuple[str, ...]]:
    return (
        "INSERT INTO outbox (platform, chat_id, payload, created_at, next_attempt_at)"
        " VALUES ('t', '9', ?, '2026-01-01T00:00:00', '2026-01-01T00:00:00')",
        (f'{{"text": "{text}"}}',),
    )


async def test_commit_with_writes_and_commits_in_one_trip(db: Database, monkeypatch):
    user = await db.users.seen("t", "3", "3", "C")
    trips = _count_round_trips(db, monkeypatch)
    async with db.transaction():
        await db.transactions.commit_with(
            [
                db.users.state_statement(user.id, ConversationState("s", {"k": "ü"})),
                _outbox_row("hi"),
            ]
        )
    assert trips[0] == 1
    assert (await db.users.get_state(user.id)).data == {"k": "ü"}
    assert await db.outbox.pending() == 1
    # A failing write takes the others back with it.
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction():
            await db.transactions.commit_with(
                [
                    _outbox_row("second"),
                    db.users.state_statement(999_999, ConversationState("s", {})),
                ]
            )
    assert not db.conn.in_transaction
    assert await db.outbox.pending() == 1


async def test_another_task_is_not_drawn_into_an_open_transaction(db: Database):
    user = await db.users.seen("t", "4", "4", "D")
    inside = asyncio.Event()
    release = asyncio.Event()

    async def holder():
        async with db.transaction():
            await db.users.set_language(user.id, "tr")
            inside.set()
            await release.wait()
            raise RuntimeError("rolled back")

    task = asyncio.create_task(holder())
    await inside.wait()
    writer = asyncio.create_task(db.users.mark_answered("t", "u1"))  # waits for the lock
    await asyncio.sleep(0.05)
    assert not writer.done()
    release.set()
    with pytest.raises(RuntimeError):
        await task
    await writer
    assert (await db.users.get(user.id)).language is None
