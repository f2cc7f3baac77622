"""Migration 0063: a Matrix person stored with her Matrix id as first name (named so while
matrix-nio's ``user_name`` gave the id for someone without a display name) has no name
after the upgrade, on SQLite and PostgreSQL; a name of her own, and anyone else's, stays.
Migration 0064: one stored with the id in brackets after her name (nio's way to tell two
members of one display name apart) keeps her name without it."""

from __future__ import annotations

import db.database as database
from db import Database
from db.database import available_migrations


async def _at(url: str, version: int, monkeypatch) -> Database:
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    before = [m for m in available_migrations(dialect) if m[0] <= version]
    monkeypatch.setattr(database, "available_migrations", lambda dialect="sqlite": before)
    db = await Database.open(url)
    assert await db.schema_version() == version
    monkeypatch.undo()
    return db


async def _upgraded(
    backend: str, url: str, request, monkeypatch, version: int, people: list[tuple[str, str, str]]
) -> list[str]:
    """``people`` (platform, id, first name) stored at ``version``; their first names after
    the upgrade to this release."""
    drop = None
    if backend == "postgresql":
        server = request.getfixturevalue("postgres_server")
        url, drop = server.new_database(template="template1"), server.drop
    try:
        db = await _at(url, version, monkeypatch)
        try:
            for platform, user_id, name in people:
                await db.users.seen(platform, user_id, user_id, name)
        finally:
            await db.close()
        db = await Database.open(url)
        try:
            assert await db.schema_version() > version
            names = []
            for platform, user_id, _ in people:
                user = await db.users.find(platform, user_id)
                assert user is not None
                names.append(user.first_name)
            return names
        finally:
            await db.close()
    finally:
        if drop is not None:
            drop(url)


async def test_a_matrix_id_kept_as_a_first_name_is_emptied_on_upgrade(
    backend, database_url: str, request, monkeypatch
):
    people = [
        ("matrix", "@vera:example.org", "@vera:example.org"),  # the id: emptied
        ("matrix", "@jonas:example.org", "Jonas"),
        ("matrix", "@amira:example.org", "amira"),  # a display name, chosen or not
        ("telegram", "184467301", "184467301"),  # a Telegram name is the person's own
    ]
    names = await _upgraded(backend, database_url, request, monkeypatch, 62, people)
    assert names == ["", "Jonas", "amira", "184467301"]


async def test_a_matrix_id_in_brackets_after_a_first_name_is_cut_off_on_upgrade(
    backend, database_url: str, request, monkeypatch
):
    people = [
        ("matrix", "@vera_2:example.org", "Vera (@vera_2:example.org)"),  # cut off
        ("matrix", "@anna:example.org", "Анна (@anna:example.org)"),  # cut off
        ("matrix", "@vera:example.org", "Vera (@vera_2:example.org)"),  # another's: kept
        ("matrix", "@v:example.org", "Vera (@vXexample.org)"),  # not the id: kept
        ("matrix", "@jonas:example.org", "Jonas (Nordstadt)"),
        ("telegram", "184467301", "Ben (@184467301)"),
    ]
    names = await _upgraded(backend, database_url, request, monkeypatch, 63, people)
    assert names == [
        "Vera",
        "Анна",
        "Vera (@vera_2:example.org)",
        "Vera (@vXexample.org)",
        "Jonas (Nordstadt)",
        "Ben (@184467301)",
    ]
