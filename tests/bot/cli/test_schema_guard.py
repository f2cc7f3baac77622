"""What a database's record of its migrations lets the commands refuse (issue 78, points 1
and 2; db/migration_ledger.py), through the real ``python -m bot`` on a SQLite file and on
a database of a PostgreSQL server the tests start:

- an applied migration whose text differs from this release's file is named by ``db
  check`` and ``db migrate``, which refuse and change nothing;
- a schema newer than the code knows is refused by every command that opens the
  database (``db migrate``, ``db check``, ``db retention``, ``roles``, ``console``, ``run``),
  which change nothing - unless the newer migrations declare this code compatible;
- an install that ran 0040's first text (evenings default 0) is repaired by 0042 on
  upgrade, and records which text ran there; one that ran the second keeps every answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

import db.database as database
from db import Database
from db.database import available_migrations, latest_migration
from db.migration_ledger import SUPERSEDED
from tests.support.cli import run_bot
from tests.support.fake_telegram import TOKEN, FakeTelegram

NEWER = "this database was upgraded by a newer nachbarbot"


def _query(url: str, sql: str) -> list[tuple[Any, ...]]:
    if url.startswith("postgresql://"):
        with psycopg.connect(url, autocommit=True) as conn:
            cursor = conn.execute(sql.encode())
            return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
    with sqlite3.connect(url) as conn:
        return [tuple(row) for row in conn.execute(sql).fetchall()]


def _state(url: str) -> list[tuple[Any, ...]]:
    """The schema (every table's columns, types and defaults) and the record of migrations:
    what a command that changes nothing leaves as it was."""
    if url.startswith("postgresql://"):
        columns = _query(
            url,
            "SELECT table_name, column_name, data_type, column_default"
            " FROM information_schema.columns WHERE table_schema = current_schema()"
            " ORDER BY 1, 2",
        )
    else:
        tables = _query(url, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")
        columns = [
            (table, *row[1:5])
            for (table,) in tables
            for row in _query(url, f"PRAGMA table_info('{table}')")
        ]
    return columns + _query(url, "SELECT * FROM schema_version ORDER BY version")


def _migrated(database_url: str, backend: str) -> str:
    """A database made by ``db migrate`` (a new file, or an empty PostgreSQL database)."""
    migrated = run_bot("db", "migrate", database=database_url)
    assert migrated.returncode == 0, migrated.stderr
    return database_url


def test_an_applied_migration_whose_text_differs_is_named_and_refused(
    backend: str, database_url: str
):
    url = _migrated(database_url, backend)
    # As if 0039 ran here with a text other than this release's file.
    other = hashlib.sha256(b"-- 0039 as it was before an edit\n").hexdigest()
    _query(url, f"UPDATE schema_version SET checksum = '{other}' WHERE version = 39")
    before = _state(url)
    for command in (("db", "check"), ("db", "migrate")):
        result = run_bot(*command, database=url)
        assert result.returncode != 0, command
        assert "0039_review_pace.sql" in result.stderr and other[:12] in result.stderr
    assert _state(url) == before


def _newer(url: str, compatible_from: int | None) -> int:
    """A migration this code does not know, as a newer release records it. A schema's
    state here is its columns and the record: the index is in neither, and is kept."""
    newer = latest_migration("postgresql" if url.startswith("postgresql") else "sqlite") + 1
    compatible = "NULL" if compatible_from is None else str(compatible_from)
    # What older code can run with (only that may be declared compatible): an index.
    _query(url, "CREATE INDEX from_a_newer_release ON users (created_at, seen_at)")
    _query(
        url,
        "INSERT INTO schema_version (version, name, applied_at, checksum, compatible_from)"
        f" VALUES ({newer}, 'newer_things', '2027-01-01T00:00:00Z', '{'0' * 64}',"
        f" {compatible})",
    )
    return newer


async def test_every_command_refuses_a_schema_newer_than_it_knows(
    backend: str, database_url: str, tmp_path: Path
):
    url = await asyncio.to_thread(_migrated, database_url, backend)
    _newer(url, None)
    before = _state(url)
    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    config = tmp_path / "bot.toml"
    config.write_text(f'[telegram]\napi_base_url = "{telegram.url}"\n', encoding="utf-8")
    try:
        for command in (
            ("db", "migrate"),
            ("db", "check"),
            ("db", "retention"),
            ("roles", "grant", "console:cora", "coordinator"),
            ("console",),
            ("--config", str(config), "run"),
        ):
            result = await asyncio.to_thread(
                run_bot,
                *command,
                database=url,
                input="",
                timeout=60,
                env={"NACHBARBOT_TELEGRAM__TOKEN": TOKEN},
                refused_at_start=True,
            )
            assert result.returncode == 1, (command, result.stdout, result.stderr)
            assert NEWER in result.stderr, command
            assert "restore a backup from before" in result.stderr
        # The bot never came to serve: not a single update asked for.
        assert telegram.calls_to("getUpdates") == []
    finally:
        await telegram.stop()
    assert _state(url) == before


def test_a_newer_schema_that_says_this_code_may_run_on_it_is_opened(
    backend: str, database_url: str
):
    url = _migrated(database_url, backend)
    latest = latest_migration(backend)
    _newer(url, latest)
    before = _state(url)
    checked = run_bot("db", "check", database=url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    migrated = run_bot("db", "migrate", database=url)
    assert migrated.returncode == 0 and f"schema version {latest + 1}" in migrated.stdout
    assert _state(url) == before
    # A migration newer still, that does not say so, closes it to this code again.
    _query(
        url,
        "INSERT INTO schema_version (version, name, applied_at, checksum, compatible_from)"
        f" VALUES ({latest + 2}, 'newest', '2027-02-01T00:00:00Z', '{'1' * 64}', NULL)",
    )
    refused = run_bot("db", "check", database=url)
    assert refused.returncode == 1 and NEWER in refused.stderr


# 0040_evening_requests as it landed (commit b69a088e), before it was changed an hour later.
FIRST_TEXT = (
    "-- The pace follows urgency and the hour (issue 63 point 4, handlers/helping/pace.py): a\n"
    "-- volunteer says whether they take evening requests (1) or not (0, the default: nobody"
    " is\n"
    "-- asked after the daytime who did not say so). Part of the volunteer's profile\n"
    "-- (db/personal_data.py: volunteering; exported with /mydata, erased with the profile).\n"
    "ALTER TABLE volunteers ADD COLUMN evenings {int} NOT NULL DEFAULT 0;\n"
)


def _first_text(backend: str) -> str:
    return FIRST_TEXT.format(int="BIGINT" if backend == "postgresql" else "INTEGER")


async def _install_of_those_hours(url: str, backend: str, first_text: bool, monkeypatch) -> None:
    """An install migrated up to 0039 by the release before checksums were recorded, with
    two volunteers; then 0040 (its first text, or today's) on 25 November at 19:30 UTC,
    and two volunteers who answered the form's evening question after it."""
    upto = [m for m in available_migrations(backend) if m[0] <= 39]
    with monkeypatch.context() as patched:
        patched.setattr(database, "available_migrations", lambda dialect="sqlite": upto)
        db = await Database.open(url)
    try:
        people = {}
        for name in ("old_a", "old_b", "new_no", "new_yes"):
            person = await db.users.seen("telegram", name, name, name)
            # As the release of 0039 registered a volunteer (today's store reads evenings).
            await db.execute(
                "INSERT INTO volunteers (user_id, created_at) VALUES (?, '2026-11-20T08:00:00Z')",
                (person.id,),
            )
            await db.execute(
                "INSERT INTO user_roles (user_id, role, granted_at)"
                " VALUES (?, 'volunteer', '2026-11-20T08:00:00Z')",
                (person.id,),
            )
            people[name] = person.id
        for name in ("old_a", "old_b"):
            await db.execute(
                "UPDATE volunteers SET created_at = '2026-10-01T08:00:00Z' WHERE user_id = ?",
                (people[name],),
            )
        today = next(p for n, _, p in available_migrations(backend) if n == 40)
        await db.execute(_first_text(backend) if first_text else today.read_text())
        await db.execute(
            "INSERT INTO schema_version (version, name, applied_at)"
            " VALUES (40, 'evening_requests', '2026-11-25T19:30:00Z')"
        )
        for name, evenings in (("new_no", 0), ("new_yes", 1)):
            await db.execute(
                "UPDATE volunteers SET evenings = ?, created_at = '2026-11-25T19:45:00Z'"
                " WHERE user_id = ?",
                (evenings, people[name]),
            )
        if not first_text:
            # Asked at any hour before, old_b chose "only in the daytime" in the profile.
            await db.execute(
                "UPDATE volunteers SET evenings = 0 WHERE user_id = ?", (people["old_b"],)
            )
        # The record as the releases before kept it: no checksums, no compatibility.
        await db.execute("ALTER TABLE schema_version DROP COLUMN checksum")
        await db.execute("ALTER TABLE schema_version DROP COLUMN compatible_from")
    finally:
        await db.close()


def _evenings(url: str) -> dict[str, int]:
    rows = _query(
        url,
        "SELECT u.platform_user_id, v.evenings FROM volunteers v JOIN users u ON u.id = v.user_id",
    )
    return {name: int(evenings) for name, evenings in rows}


@pytest.mark.parametrize("first_text", [True, False], ids=["first-text", "second-text"])
async def test_an_install_that_ran_0040s_first_text_gets_what_it_should_have_had(
    backend: str, database_url: str, request, monkeypatch, first_text: bool
):
    url, drop = database_url, None
    if backend == "postgresql":
        server = request.getfixturevalue("postgres_server")
        url, drop = server.new_database(template="template1"), server.drop
    try:
        await _install_of_those_hours(url, backend, first_text, monkeypatch)
        assert _evenings(url)["old_a"] == (0 if first_text else 1)
        migrated = await asyncio.to_thread(run_bot, "db", "migrate", database=url)
        assert migrated.returncode == 0, migrated.stderr
        # Those registered before 0040 ran are asked in the evening, as the second text
        # made them; an answer given in the form or the profile stays.
        assert _evenings(url) == {
            "old_a": 1,
            "old_b": 1 if first_text else 0,
            "new_no": 0,
            "new_yes": 1,
        }
        recorded = dict(_query(url, "SELECT version, checksum FROM schema_version"))
        today = {n: p for n, _, p in available_migrations(backend)}
        first = hashlib.sha256(_first_text(backend).encode()).hexdigest()
        assert first in {old.checksum for old in SUPERSEDED[(backend, 40)]}
        assert recorded[40] == (
            first if first_text else hashlib.sha256(today[40].read_bytes()).hexdigest()
        )
        for number, path in today.items():
            if number != 40:
                assert recorded[number] == hashlib.sha256(path.read_bytes()).hexdigest()
        # New volunteers get the second text's default, and the install checks whole.
        default = _query(
            url,
            "SELECT column_default FROM information_schema.columns WHERE table_schema ="
            " current_schema() AND table_name = 'volunteers' AND column_name = 'evenings'"
            if backend == "postgresql"
            else "SELECT dflt_value FROM pragma_table_info('volunteers') WHERE name = 'evenings'",
        )
        assert default == [("1",)]
        checked = await asyncio.to_thread(run_bot, "db", "check", database=url)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        told = "0040_evening_requests.sql ran its earlier text, repaired by 0042"
        assert (told in checked.stdout) == first_text
    finally:
        if drop is not None:
            drop(url)
