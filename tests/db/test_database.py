from __future__ import annotations

import asyncio
import sqlite3
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from db import Database
from db.database import DatabaseLocationError, available_migrations, latest_migration
from db.users import ConversationState
from handlers import build_router
from handlers.privacy import erase_inactive
from handlers.settings import HandlerSettings
from tests.support.round_trips import count_round_trips

# Either backend's errors for a broken constraint.
INTEGRITY_ERRORS = (sqlite3.IntegrityError, psycopg.IntegrityError)


def test_both_backends_migrate_to_the_same_number():
    assert latest_migration("sqlite") == latest_migration("postgresql")


async def test_migrations_recorded_and_idempotent(database_url, request):
    # From an empty database: on PostgreSQL not the test's own, which is a copy of the
    # migrated template.
    url, drop = database_url, None
    if not database_url.endswith(".sqlite3"):
        server = request.getfixturevalue("postgres_server")
        url, drop = server.new_database(template="template1"), server.drop
    try:
        db = await Database.open(url)
        every = available_migrations(db.dialect)
        assert await db.schema_version() == latest_migration(db.dialect)
        rows = await db.fetch_all("SELECT version, name FROM schema_version ORDER BY version")
        assert [tuple(row) for row in rows] == [(number, name) for number, name, _ in every]
        assert await db.migrate() == []
        await db.close()
        db = await Database.open(url)
        assert await db.schema_version() == latest_migration(db.dialect)
        assert len(await db.fetch_all("SELECT version FROM schema_version")) == len(every)
        await db.close()
    finally:
        if drop is not None:
            drop(url)


@pytest.mark.sqlite_only
async def test_pragmas(db: Database):
    async def pragma(name: str):
        async with db.conn.execute(f"PRAGMA {name}") as cur:
            return (await cur.fetchone())[0]

    assert (await pragma("journal_mode")).lower() == "wal"
    assert await pragma("foreign_keys") == 1
    assert await pragma("busy_timeout") >= 1000


@pytest.mark.parametrize("location", ["sqlite:///{tmp}/x.db", "sqlite:{tmp}/x.db", "file:x.db"])
async def test_a_location_with_another_scheme_is_refused(tmp_path, monkeypatch, location):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DatabaseLocationError, match="SQLite file path or a postgresql://"):
        await Database.open(location.format(tmp=tmp_path))
    assert list(tmp_path.iterdir()) == []  # no folder "sqlite:", no file


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
        assert (await db.fetch_one(f"SELECT COUNT(*) FROM {table}"))[0] == 0, table


async def test_user_numbers_are_never_reused(db: Database):
    """A "/ban 2" from an older review post must not hit a newcomer who got number 2 after
    the account that had it was deleted."""
    await db.users.seen("telegram", "1", "1", "Ada")
    newest = await db.users.seen("telegram", "2", "2", "Bo")
    await db.users.delete(newest.id)
    newcomer = await db.users.seen("telegram", "3", "3", "Cy")
    assert newcomer.id > newest.id


async def test_purge_inactive(db: Database):
    old = await db.users.seen("telegram", "old", "old")
    await db.execute("UPDATE users SET seen_at = '2020-01-01T00:00:00Z' WHERE id = ?", (old.id,))
    fresh = await db.users.seen("telegram", "new", "new")
    removed = await erase_inactive(
        db, HandlerSettings(), build_router(), datetime.now(UTC) - timedelta(days=365)
    )
    assert removed == (1, 0)
    assert await db.users.get(old.id) is None
    assert await db.users.get(fresh.id) is not None


def _transaction_open(db: Database) -> Callable[[], bool]:
    """Called inside a transaction: whether it is open on the server (BEGIN sent, no
    COMMIT or ROLLBACK yet), asked when called."""
    if db.dialect == "sqlite":
        return lambda: db.conn.in_transaction
    conn = db.transactions._mine().conn
    return lambda: conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE


def _left_open(db: Database) -> bool:
    """After a transaction: whether it was left open. Only SQLite's one shared connection
    can be: a PostgreSQL connection goes back to the pool, which ends any transaction
    itself, so there the tests check what became of the data instead."""
    return db.dialect == "sqlite" and db.conn.in_transaction


async def test_begin_travels_with_the_first_statement(db: Database, monkeypatch):
    await db.users.seen("t", "1", "1", "A")
    trips = count_round_trips(db, monkeypatch)
    async with db.transaction():
        pass
    assert trips[0] == 0  # nothing done, nothing sent
    async with db.transaction():
        is_open = _transaction_open(db)
        assert not is_open()
        user = await db.users.seen("t", "1", "1", "Anna")
        assert is_open()
    assert trips[0] == 2  # BEGIN with the upsert, then COMMIT
    assert not is_open() and not _left_open(db)
    assert await db.users.find("t", "1") == user


async def test_a_failing_first_statement_is_rolled_back(db: Database):
    with pytest.raises(INTEGRITY_ERRORS):
        async with db.transaction():
            await db.users.set_state(999_999, "x")  # no such user: foreign key fails
    assert not _left_open(db)
    user = await db.users.seen("t", "2", "2", "B")
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.users.set_language(user.id, "ar")
            raise RuntimeError("boom")
    assert not _left_open(db)
    assert (await db.users.get(user.id)).language is None


def _outbox_row(text: str) -> tuple[str, tuple[str, ...]]:
    return (
        "INSERT INTO outbox (platform, chat_id, payload, created_at, next_attempt_at)"
        " VALUES ('t', '9', ?, '2026-01-01T00:00:00', '2026-01-01T00:00:00')",
        (f'{{"text": "{text}"}}',),
    )


async def test_commit_with_writes_and_commits_in_one_trip(db: Database, monkeypatch):
    user = await db.users.seen("t", "3", "3", "C")
    trips = count_round_trips(db, monkeypatch)
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
    with pytest.raises(INTEGRITY_ERRORS):
        async with db.transaction():
            await db.transactions.commit_with(
                [
                    _outbox_row("second"),
                    db.users.state_statement(999_999, ConversationState("s", {})),
                ]
            )
    assert not _left_open(db)
    assert await db.outbox.pending() == 1


async def test_another_task_is_not_drawn_into_an_open_transaction(db: Database):
    user = await db.users.seen("t", "4", "4", "D")
    await db.execute(
        "INSERT INTO processed_updates (platform, update_id, at, replies)"
        " VALUES ('t', 'u1', '2026-01-01T00:00:00Z', '[]')"
    )
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
    writer = asyncio.create_task(db.users.mark_answered("t", "u1"))
    await asyncio.sleep(0.05)
    if db.dialect == "sqlite":
        # On the one shared connection it waits for the lock (PostgreSQL: a connection of
        # its own, nothing to wait for).
        assert not writer.done()
    release.set()
    with pytest.raises(RuntimeError):
        await task
    await writer
    assert (await db.users.get(user.id)).language is None
    # The writer's change stays: it was not part of the rolled-back transaction.
    row = await db.fetch_one("SELECT answered_at FROM processed_updates WHERE update_id = 'u1'")
    assert row[0] is not None


async def test_a_transaction_cancelled_before_its_begin_ran_leaves_none_open(tmp_path):
    """A task cancelled while its BEGIN waits for the database thread (a stop during a
    busy moment): the thread still runs the BEGIN, and the transaction is rolled back, not
    left open on the shared connection for every later transaction to fail on."""
    import threading

    db = await Database.open(tmp_path / "cancel.sqlite3")
    try:
        conn = db.conn
        release = threading.Event()
        busy = asyncio.ensure_future(conn._execute(release.wait))  # the thread is busy

        async def write() -> None:
            async with db.transaction():
                await db.transport_state.set("cancelled", "never kept")

        task = asyncio.ensure_future(write())
        while conn._tx.qsize() == 0:  # its BEGIN waits behind the busy thread
            await asyncio.sleep(0)
        task.cancel()
        release.set()
        await busy
        [outcome] = await asyncio.gather(task, return_exceptions=True)
        assert isinstance(outcome, asyncio.CancelledError)
        assert not await db.transactions.run(lambda c: c.in_transaction)
        assert await db.transport_state.get("cancelled") is None
        async with db.transaction():  # and the next one works
            await db.transport_state.set("after", "kept")
        assert await db.transport_state.get("after") == "kept"
    finally:
        await db.close()
