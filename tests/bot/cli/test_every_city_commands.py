"""The database commands an operator runs by hand on an installation of two cities
(docs/operations.md): ``db migrate`` and ``db retention`` work on every city - each line
naming its city - or on the one ``--city`` names, as ``db backup`` and ``db check`` do.
Before, both worked on the main city alone and said nothing of the others: after an
upgrade's ``db migrate`` a further city was still on the old schema, and ``db retention``
never erased anyone there. The commands that work on one city (``roles``, ``places
import``) name the city they changed, so that a forgotten ``--city`` shows."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from db.database import city_location, latest_migration
from tests.support.city_databases import add_people, open_city, people_names
from tests.support.cli import ROOT, run_bot
from tests.support.ports import free_port
from tests.support.two_cities import write_cities

pytestmark = pytest.mark.both_backends


@pytest.fixture
def cities_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Where both cities' data lives, as ``database_url``; on PostgreSQL with Unna's schema
    migrated already, as its first open leaves it (``new_database_with_unna``): for the
    tests that are not about that first open (on SQLite it is a copy in any case,
    tests/support/sqlite_template.py)."""
    if backend == "sqlite":
        yield str(tmp_path / "test.sqlite3")
        return
    server = request.getfixturevalue("postgres_server")
    url = server.new_database_with_unna()
    yield url
    server.drop(url)


def _bot(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_bot("--config", str(config), *args)


def _recorded_version(database: str, slug: str, *, main: bool) -> int | None:
    """The city's highest applied migration as its record holds it, read without opening
    the city the way the bot does (which would migrate it); None while it has no record."""
    location, schema = city_location(database, slug, main)
    if schema is None and not database.startswith("postgresql"):
        if not Path(location).exists():
            return None
        with sqlite3.connect(location) as conn:
            return conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    table = f"{schema or 'public'}.schema_version"
    with psycopg.connect(database, autocommit=True) as conn:
        known = conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()
        if known is None or known[0] is None:
            return None
        return conn.execute(f"SELECT max(version) FROM {table}").fetchone()[0]


async def test_db_migrate_migrates_every_city_or_the_one_named(database_url, tmp_path):
    config = write_cities(tmp_path, database_url)
    assert _recorded_version(database_url, "unna", main=False) is None

    one = _bot(config, "--city", "unna", "db", "migrate")
    assert one.returncode == 0, one.stderr
    assert "unna:" in one.stdout and "dortmund" not in one.stdout
    latest = latest_migration()
    assert _recorded_version(database_url, "unna", main=False) == latest
    # Each line says what the command did there: before, the same line whether it
    # migrated the city or found nothing to do.
    assert " migrations applied now (" in one.stdout, one.stdout

    every = _bot(config, "db", "migrate")
    assert every.returncode == 0, every.stderr
    for slug in ("dortmund", "unna"):
        assert f"{slug}: database" in every.stdout and f"schema version {latest}" in every.stdout
    (unna,) = [line for line in every.stdout.splitlines() if line.startswith("unna:")]
    assert unna.endswith(f"schema version {latest} - nothing to migrate, nothing changed"), unna
    assert _recorded_version(database_url, "dortmund", main=True) == latest


async def _silent_for_years(database: str, slug: str, *, main: bool) -> None:
    db = await open_city(database, slug, main=main)
    try:
        async with db.transaction():
            await db.execute("UPDATE users SET seen_at = '2020-01-01T00:00:00+00:00'")
    finally:
        await db.close()


async def test_db_retention_runs_in_every_city_and_says_where(cities_url, tmp_path):
    config = write_cities(tmp_path, cities_url)
    # People not seen for years: retention erases them as inactive.
    await add_people(cities_url, "dortmund", ["d1"], main=True)
    await add_people(cities_url, "unna", ["u1", "u2"], main=False)
    await _silent_for_years(cities_url, "dortmund", main=True)
    await _silent_for_years(cities_url, "unna", main=False)

    one = _bot(config, "--city", "unna", "db", "retention")
    assert one.returncode == 0, one.stderr
    assert "unna: inactive_accounts: 2" in one.stdout and "dortmund" not in one.stdout
    assert await people_names(cities_url, "unna", main=False) == []
    assert await people_names(cities_url, "dortmund", main=True) == ["d1"]

    await add_people(cities_url, "unna", ["u3"], main=False)
    await _silent_for_years(cities_url, "unna", main=False)
    every = _bot(config, "db", "retention")
    assert every.returncode == 0, every.stderr
    assert "dortmund: inactive_accounts: 1" in every.stdout
    assert "unna: inactive_accounts: 1" in every.stdout
    assert await people_names(cities_url, "dortmund", main=True) == []
    assert await people_names(cities_url, "unna", main=False) == []


async def test_roles_and_places_import_name_the_city_they_changed(cities_url, tmp_path):
    config = write_cities(tmp_path, cities_url)
    await add_people(cities_url, "dortmund", ["anna"], main=True)
    await add_people(cities_url, "unna", ["udo"], main=False)

    granted = _bot(config, "--city", "unna", "roles", "grant", "telegram:udo", "coordinator")
    assert granted.returncode == 0, granted.stderr
    assert "in unna" in granted.stdout
    again = _bot(config, "--city", "unna", "roles", "grant", "telegram:udo", "coordinator")
    assert "in unna" in again.stdout and "nothing changed" in again.stdout
    # Anna wrote to Dortmund's bot only: Unna does not know her.
    elsewhere = _bot(config, "--city", "unna", "roles", "grant", "telegram:anna", "admin")
    assert elsewhere.returncode == 1 and "in unna" in elsewhere.stderr
    for malformed in ("anna", "telegram:", ":anna"):
        refused = _bot(config, "roles", "grant", malformed, "admin")
        assert refused.returncode == 2 and "platform:user_id" in refused.stderr

    places = str(ROOT / "tests/data/unna/places.csv")
    imported = _bot(config, "--city", "unna", "places", "import", places, "--dry-run")
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith(f"unna: {places}: ")


async def test_desk_link_names_the_city_and_the_command_for_it(cities_url, tmp_path):
    config = write_cities(tmp_path, cities_url, unna=f"[web]\nport = {free_port()}\n")
    await add_people(cities_url, "dortmund", ["anna"], main=True)
    await add_people(cities_url, "unna", ["udo"], main=False)

    stranger = _bot(config, "--city", "unna", "desk-link", "telegram:anna")
    assert stranger.returncode == 1 and "in unna" in stranger.stderr
    resident = _bot(config, "--city", "unna", "desk-link", "telegram:udo")
    assert resident.returncode == 1
    hint = "python -m bot --city unna roles grant telegram:udo coordinator"
    assert hint in resident.stderr
    # The hint, followed as written, makes the link possible in Unna.
    assert _bot(config, *hint.split()[3:]).returncode == 0
    linked = _bot(config, "--city", "unna", "desk-link", "telegram:udo")
    assert linked.returncode == 0 and "/desk/login/" in linked.stdout


def test_city_commands_refuse_a_city_as_the_other_whole_installation_commands_do(tmp_path):
    """``city add`` and ``city list`` are the installation's: a --city (here one that does
    not even exist) is refused, not silently ignored (before, both ran as if without it)."""
    config = write_cities(tmp_path, str(tmp_path / "nachbarbot.sqlite3"))
    for args in (("city", "list"), ("city", "add", "Lünen", "--data-dir", str(tmp_path / "l"))):
        refused = _bot(config, "--city", "wien", *args)
        assert refused.returncode == 2 and "whole installation" in refused.stderr
    assert not (tmp_path / "cities" / "luenen.toml").exists()


def _newer_than_this_code(database: str, slug: str, *, main: bool) -> None:
    """The city's record of migrations as a newer nachbarbot leaves it (one more migration,
    not compatible with this code): every command that opens the city refuses it."""
    location, schema = city_location(database, slug, main)
    sql = (
        f"INSERT INTO {schema or 'public'}.schema_version"
        if database.startswith("postgresql")
        else "INSERT INTO schema_version"
    ) + (
        " (version, name, applied_at, checksum)"
        f" VALUES ({latest_migration() + 1}, 'newer_things', '2027-01-01T00:00:00Z', '{'0' * 64}')"
    )
    if database.startswith("postgresql"):
        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute(sql.encode())
        return
    with sqlite3.connect(location) as conn:
        conn.execute(sql)


async def test_a_city_that_cannot_be_opened_is_named_and_the_others_still_done(
    cities_url, tmp_path
):
    """Dortmund upgraded by a newer nachbarbot: db migrate and db retention say that it is
    Dortmund that was refused, exit 1, and still do Unna (before, the first city's refusal
    ended the command without naming it, and Unna was never migrated)."""
    config = write_cities(tmp_path, cities_url)
    assert _bot(config, "--city", "dortmund", "db", "migrate").returncode == 0
    _newer_than_this_code(cities_url, "dortmund", main=True)
    await add_people(cities_url, "unna", ["u1"], main=False)
    await _silent_for_years(cities_url, "unna", main=False)

    migrated = _bot(config, "db", "migrate")
    assert migrated.returncode == 1, migrated.stdout
    assert "dortmund: this database was upgraded by a newer nachbarbot" in migrated.stderr
    assert "unna: database" in migrated.stdout
    assert _recorded_version(cities_url, "unna", main=False) == latest_migration()

    retention = _bot(config, "db", "retention")
    assert retention.returncode == 1, retention.stdout
    assert "dortmund: this database was upgraded by a newer nachbarbot" in retention.stderr
    assert "unna: inactive_accounts: 1" in retention.stdout
    assert await people_names(cities_url, "unna", main=False) == []


async def test_db_check_names_a_refused_city_and_still_checks_the_others(database_url, tmp_path):
    """Dortmund upgraded by a newer nachbarbot: db check says that it is Dortmund that was
    refused, exits 1, and still checks Unna (before, it ended at the first refused city with
    "this database was upgraded…" naming none of the installation's cities)."""
    config = write_cities(tmp_path, database_url)
    assert _bot(config, "db", "migrate").returncode == 0
    _newer_than_this_code(database_url, "dortmund", main=True)

    check = _bot(config, "db", "check")
    assert check.returncode == 1, check.stdout
    assert "dortmund: this database was upgraded by a newer nachbarbot" in check.stderr
    assert "Traceback" not in check.stderr
    assert "unna: foreign keys" in check.stdout


def test_a_damaged_city_database_is_named_and_never_hangs(tmp_path):
    """Unna's file damaged (pages of its schema overwritten, as a failing disk leaves it):
    db check and db migrate say it is Unna's, exit 1 within their time and still do
    Dortmund. Before, opening it raised, the connection's thread was never ended, and the
    command hung after its traceback - the unit's db migrate and the container's health
    check with it."""
    database = str(tmp_path / "var" / "nachbarbot.sqlite3")
    config = write_cities(tmp_path, database)
    assert _bot(config, "db", "migrate").returncode == 0
    unna = Path(city_location(database, "unna", False)[0])
    with unna.open("r+b") as file:
        file.seek(4096)
        file.write(b"\xff" * 4096 * 20)

    for command in (["db", "check"], ["db", "migrate"]):
        done = run_bot("--config", str(config), *command, timeout=60)
        assert done.returncode == 1, done.stdout
        assert "Traceback" not in done.stderr, done.stderr
        assert f"unna: {unna}" in done.stderr
        assert "dortmund:" in done.stdout
