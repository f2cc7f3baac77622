from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.database import available_migrations


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
    removed = await db.users.purge_inactive(datetime.now(UTC) - timedelta(days=365))
    assert removed == 1
    assert await db.users.get(old.id) is None
    assert await db.users.get(fresh.id) is not None
