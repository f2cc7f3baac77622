"""An inline transaction (db/transactions.py): on SQLite an update's statements run on the
event loop's thread - no round trip to aiosqlite's thread - but never while something is
on that thread, and never waiting on the loop for another process's write lock."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.transactions import BUSY_TIMEOUT_MS
from db.users import ConversationState


@pytest.fixture
async def sqlite_db(tmp_path):
    db = await Database.open(tmp_path / "inline.sqlite3")
    try:
        yield db
    finally:
        await db.close()


def _count_thread_calls(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    on_thread = db.conn._execute

    async def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls[0] += 1
        return await on_thread(*args, **kwargs)

    monkeypatch.setattr(db.conn, "_execute", counting)
    return calls


async def _an_update(db: Database, name: str) -> int:
    """What an update's transaction does: its person, a read, the state with the COMMIT."""
    async with db.transaction(inline=True):
        user = await db.users.seen("t", "1", "1", name)
        await db.fetch_all("SELECT id FROM users WHERE id = ?", (user.id,))
        await db.transactions.commit_with(
            [db.users.state_statement(user.id, ConversationState("s", {"name": name}))]
        )
    return user.id


async def test_an_inline_transaction_and_mark_make_no_trip_to_the_database_thread(
    sqlite_db, monkeypatch
):
    db = sqlite_db
    await db.fetch_all("SELECT 1")  # what opening left on the thread (its pragmas' cursors)
    calls = _count_thread_calls(db, monkeypatch)
    user_id = await _an_update(db, "Anna")
    await db.users.mark_answered("t", "u1")
    assert calls[0] == 0
    assert (await db.users.get_state(user_id)).data == {"name": "Anna"}
    assert not db.conn.in_transaction
    # A transaction without inline still takes its trips.
    calls[0] = 0
    async with db.transaction():
        await db.users.seen("t", "2", "2", "Bo")
    assert calls[0] >= 2


async def test_a_chats_marks_make_no_trip_to_the_database_thread(sqlite_db, monkeypatch):
    # The Telegram transport asks for the keyboard mark before every message it sends
    # (issue 104: a fifth of an answer's time was that trip).
    db = sqlite_db
    await db.fetch_all("SELECT 1")
    calls = _count_thread_calls(db, monkeypatch)
    now = datetime.now(UTC)
    await db.marks.put("telegram", "7", "keyboard", now + timedelta(days=1))
    assert await db.marks.holds("telegram", "7", "keyboard", now)
    assert not await db.marks.claim("telegram", "7", "keyboard", now, now + timedelta(hours=1))
    await db.marks.drop("telegram", "7", "keyboard")
    assert not await db.marks.holds("telegram", "7", "keyboard", now)
    assert calls[0] == 0


async def test_a_statement_the_thread_left_open_does_not_stop_a_commit(sqlite_db):
    """aiosqlite's thread holds its last result until its next call: a pragma's cursor
    with an unread row keeps its statement open, and a COMMIT on the loop's thread beside
    it fails ("SQL statements in progress") - the daily checkpoint before an update."""
    db = sqlite_db
    await db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    user_id = await _an_update(db, "Cem")
    assert (await db.users.get_state(user_id)).data == {"name": "Cem"}
    await db.checkpoint()
    await db.users.mark_answered("t", "u1")
    assert (await _an_update(db, "Cem")) == user_id


async def test_an_inline_transaction_rolls_back_on_failure(sqlite_db):
    db = sqlite_db
    user = await db.users.seen("t", "3", "3", "C")
    with pytest.raises(RuntimeError):
        async with db.transaction(inline=True):
            await db.users.set_language(user.id, "ar")
            raise RuntimeError("boom")
    assert not db.conn.in_transaction
    assert (await db.users.get(user.id)).language is None


async def test_an_inline_transaction_waits_behind_work_on_the_database_thread(sqlite_db):
    """A backup or a cancelled caller's statement still running on the thread: the
    connection is not used from two threads at once, the transaction queues behind it."""
    db = sqlite_db
    conn = db.conn
    started, release = threading.Event(), threading.Event()

    def busy() -> bool:
        started.set()
        release.wait()
        return conn._conn.in_transaction  # would be True had the BEGIN run meanwhile

    running = asyncio.ensure_future(conn._execute(busy))
    while not started.is_set():  # the thread took the busy work
        await asyncio.sleep(0)
    update = asyncio.ensure_future(_an_update(db, "Dora"))
    while not update.done() and conn._tx.qsize() == 0:
        await asyncio.sleep(0)
    assert not update.done()  # its statements wait on the thread
    release.set()
    assert await running is False
    user_id = await update
    assert (await db.users.get_state(user_id)).data == {"name": "Dora"}


async def test_another_process_holding_the_lock_does_not_hold_the_event_loop(
    sqlite_db, tmp_path, monkeypatch
):
    """The BEGIN is tried on the loop without SQLite's busy wait (five seconds): while
    another process writes, the update waits on the database thread and the loop runs on."""
    db = sqlite_db
    calls = _count_thread_calls(db, monkeypatch)
    other = sqlite3.connect(tmp_path / "inline.sqlite3", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        update = asyncio.ensure_future(_an_update(db, "Emil"))
        while not update.done() and calls[0] == 0:
            await asyncio.sleep(0)  # the loop runs: the update did not block it
        assert not update.done()
        other.execute("COMMIT")
        user_id = await update
        assert (await db.users.get_state(user_id)).data == {"name": "Emil"}
        # And the single statement, likewise.
        other.execute("BEGIN IMMEDIATE")
        mark = asyncio.ensure_future(db.users.mark_answered("t", "u2"))
        sent = calls[0]
        while not mark.done() and calls[0] == sent:
            await asyncio.sleep(0)
        assert not mark.done()
        other.execute("COMMIT")
        await mark
        # SQLite's busy wait is back for the database thread's statements.
        timeout = await db.transactions.run(lambda c: c.execute("PRAGMA busy_timeout").fetchone())
        assert timeout[0] == BUSY_TIMEOUT_MS
    finally:
        other.close()


@pytest.mark.parametrize("inline", [True, False])
async def test_a_commit_that_fails_leaves_no_transaction_open(sqlite_db, inline):
    """A COMMIT refused (here a write statement still in progress: "SQL statements in
    progress") is rolled back: the shared connection is not left inside the transaction,
    where every later BEGIN would fail."""
    db = sqlite_db
    user = await db.users.seen("t", "4", "4", "D")
    with pytest.raises(sqlite3.OperationalError):
        async with db.transaction(inline=inline):
            await db.users.set_language(user.id, "ar")
            cursor = await db.conn.execute(
                "UPDATE users SET language = 'tr' WHERE id = ? RETURNING id", (user.id,)
            )
    await cursor.close()
    assert not db.conn.in_transaction
    assert (await db.users.get(user.id)).language is None
    async with db.transaction(inline=inline):
        await db.users.set_language(user.id, "uk")
    assert (await db.users.get(user.id)).language == "uk"
