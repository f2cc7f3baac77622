"""Migration 0063: a Matrix person stored with her Matrix id as first name (named so while
matrix-nio's ``user_name`` gave the id for someone without a display name) has no name
after the upgrade, on SQLite and PostgreSQL; a name of her own, and anyone else's, stays."""

from __future__ import annotations

import db.database as database
from db import Database
from db.database import available_migrations


async def _at_0062(url: str, monkeypatch) -> Database:
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    before = [m for m in available_migrations(dialect) if m[0] < 63]
    monkeypatch.setattr(database, "available_migrations", lambda dialect="sqlite": before)
    db = await Database.open(url)
    assert await db.schema_version() == 62
    monkeypatch.undo()
    return db


async def test_a_matrix_id_kept_as_a_first_name_is_emptied_on_upgrade(
    backend, database_url: str, request, monkeypatch
):
    url, drop = database_url, None
    if backend == "postgresql":
        server = request.getfixturevalue("postgres_server")
        url, drop = server.new_database(template="template1"), server.drop
    people = [
        ("matrix", "@vera:example.org", "@vera:example.org"),  # the id: emptied
        ("matrix", "@jonas:example.org", "Jonas"),
        ("matrix", "@amira:example.org", "amira"),  # a display name, chosen or not
        ("telegram", "184467301", "184467301"),  # a Telegram name is the person's own
    ]
    try:
        db = await _at_0062(url, monkeypatch)
        try:
            for platform, user_id, name in people:
                await db.users.seen(platform, user_id, user_id, name)
        finally:
            await db.close()
        db = await Database.open(url)
        try:
            assert await db.schema_version() >= 63
            names = []
            for platform, user_id, _ in people:
                user = await db.users.find(platform, user_id)
                assert user is not None
                names.append(user.first_name)
            assert names == ["", "Jonas", "amira", "184467301"]
        finally:
            await db.close()
    finally:
        if drop is not None:
            drop(url)
