"""The migrations (db/database.py ``available_migrations``): one file per schema change,
read by both backends, and a PostgreSQL file only where its SQL differs; databases made
before a change migrate to the same schema as new ones."""

from __future__ import annotations

from pathlib import Path

import pytest

import db.database as database
from db import Database, MigrationError
from db.database import MIGRATIONS_DIR, POSTGRES_MIGRATIONS_DIR, available_migrations


def _first_postgres() -> int:
    return available_migrations("postgresql")[0][0]


def test_a_postgresql_file_only_where_the_sql_differs():
    first = _first_postgres()
    copies = [
        path.name
        for path in POSTGRES_MIGRATIONS_DIR.glob("*.sql")
        if int(path.name[:4]) != first
        and (MIGRATIONS_DIR / path.name).read_text() == path.read_text()
    ]
    assert copies == []
    shared = {number: path for number, _, path in available_migrations("sqlite")}
    for number, _, path in available_migrations("postgresql"):
        # PostgreSQL takes its own file where there is one, the shared one otherwise.
        own = POSTGRES_MIGRATIONS_DIR / path.name
        assert path == (own if own.exists() else shared[number])


def test_a_postgresql_file_must_stand_for_a_change_of_its_number_and_name(
    tmp_path: Path, monkeypatch
):
    shared, own = tmp_path / "migrations", tmp_path / "migrations" / "postgresql"
    own.mkdir(parents=True)
    for name in ("0001_users.sql", "0002_places.sql", "0003_help.sql"):
        (shared / name).write_text("SELECT 1;")
    (own / "0002_schema.sql").write_text("SELECT 2;")
    (own / "0003_other.sql").write_text("SELECT 3;")
    monkeypatch.setattr(database, "MIGRATIONS_DIR", shared)
    monkeypatch.setattr(database, "POSTGRES_MIGRATIONS_DIR", own)
    with pytest.raises(MigrationError, match="another name"):
        available_migrations("postgresql")
    (own / "0003_other.sql").rename(own / "0003_help.sql")
    assert [(n, name) for n, name, _ in available_migrations("postgresql")] == [
        (2, "schema"),
        (3, "help"),
    ]
    (own / "0004_extra.sql").write_text("SELECT 4;")
    with pytest.raises(MigrationError, match="no migration of its number"):
        available_migrations("postgresql")


async def _columns(db: Database) -> dict[tuple[str, str], str]:
    if db.dialect == "postgresql":
        rows = await db.fetch_all(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema()"
        )
        return {(row[0], row[1]): row[2] for row in rows}
    tables = await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
    found = {}
    for (table,) in tables:
        for row in await db.fetch_all(f"PRAGMA table_info({table})"):
            found[(table, row[1])] = row[2]
    return found


async def test_a_database_from_before_the_shared_files_migrates_to_todays_schema(
    backend, database_url: str, request, monkeypatch
):
    """A database made up to 0020 (before the first change whose PostgreSQL copy was
    dropped) migrates to the same tables, columns and types as a database made today."""
    url, drop = database_url, None
    if backend == "postgresql":
        server = request.getfixturevalue("postgres_server")
        url, drop = server.new_database(template="template1"), server.drop
    every = available_migrations(backend)
    upto = [m for m in every if m[0] <= 20]
    try:
        monkeypatch.setattr(database, "available_migrations", lambda dialect="sqlite": upto)
        old = await Database.open(url)
        assert await old.schema_version() == 20
        await old.execute(
            "INSERT INTO processed_updates (platform, update_id, at) VALUES ('telegram', '7', 'x')"
        )
        await old.close()
        monkeypatch.undo()
        migrated = await Database.open(url)
        try:
            assert await migrated.schema_version() == every[-1][0]
            kept = await migrated.fetch_all("SELECT update_id, handled_by FROM processed_updates")
            assert [tuple(row) for row in kept] == [("7", None)]
            old_columns = await _columns(migrated)
        finally:
            await migrated.close()
        fresh = await Database.open(database_url if backend == "postgresql" else f"{url}.new")
        try:
            assert old_columns == await _columns(fresh)
        finally:
            await fresh.close()
    finally:
        if drop is not None:
            drop(url)


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_postgresql_keeps_its_types_where_the_files_became_one(db: Database):
    """0021 and 0026 were written twice, INTEGER for SQLite and BIGINT for PostgreSQL; the
    one file says BIGINT, so a new PostgreSQL database gets what the old ones have."""
    columns = await _columns(db)
    assert columns[("processed_updates", "handled_by")] == "bigint"
    assert columns[("users", "read_aloud")] == "bigint"
