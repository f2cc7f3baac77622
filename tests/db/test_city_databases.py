"""One database per city (issue 18): on SQLite a file per city beside the main one, on
PostgreSQL a schema per city in the one database (db/database.py ``city_location``,
db/city_schema.py). Two cities and the main one are opened side by side from one
installation, on both backends, and nothing one writes reaches another."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from bot.cli.checks import database_checks
from db import Database, postgres
from db.database import MigrationError, available_migrations, city_location, latest_migration
from db.events import Event
from db.places import Place
from db.requests import RequestFilter
from db.sqlite_to_postgres import copy_to_postgres
from db.volunteers import RosterFilter
from handlers.places.search import Query, nearest
from locales import TIMEZONE
from tests.support.city_databases import live_schema, open_city

NOON = datetime(2026, 11, 23, 11, 0, tzinfo=TIMEZONE)
CENTRE = (51.5362, 7.6896)  # Unna's market square


@pytest.fixture
async def cities(database_url: str) -> AsyncIterator[dict[str, Database]]:
    """The main city (Dortmund) and two more, opened from one installation."""
    opened = {
        "dortmund": await open_city(database_url, "dortmund", main=True),
        "unna": await open_city(database_url, "unna"),
        "bad-hamm": await open_city(database_url, "bad-hamm"),
    }
    yield opened
    for db in opened.values():
        await db.close()


async def write_a_bit_of_everything(db: Database, name: str) -> dict[str, int]:
    """One of each kind of row, through the stores; their ids."""
    user = await db.users.seen("telegram", "4242", "4242", name)
    await db.volunteers.save(user.id, categories=("shopping",))
    place_id = await db.places.upsert(
        Place(
            source="t",
            source_id="treff",
            name=f"Treff {name}",
            category="library",
            lat=CENTRE[0],
            lon=CENTRE[1],
        ),
        "test",
    )
    request = await db.requests.create(user.id, user.id, category="shopping", state="open")
    event_id, _, _ = await db.events.upsert(
        Event(uid="lesecafe", title=f"Lesecafé {name}", starts_local="2026-12-01T17:00")
    )
    async with db.transaction():
        outbox_id = await db.outbox.enqueue(
            "telegram", "4242", {"kind": "message", "text": name}, recipient_id=user.id
        )
    return {
        "user": user.id,
        "place": place_id,
        "request": request.id,
        "event": event_id,
        "outbox": outbox_id,
    }


async def sees(db: Database, ids: dict[str, int]) -> dict[str, bool]:
    """What of those rows ``db``'s stores find, by id and by listing or search."""
    found, _ = await nearest(db, Query(lat=CENTRE[0], lon=CENTRE[1]), NOON)
    return {
        "user by id": await db.users.get(ids["user"]) is not None,
        "user by platform id": await db.users.find("telegram", "4242") is not None,
        "volunteer": await db.volunteers.get(ids["user"]) is not None,
        "volunteer roster": (await db.volunteers.roster(RosterFilter(), limit=10, offset=0))[0] > 0,
        "place by id": await db.places.get(ids["place"]) is not None,
        "place listing": (await db.places.listing())[1] > 0,
        "place search": bool(found),
        "request by id": await db.requests.get(ids["request"]) is not None,
        "request listing": (await db.requests.listing(RequestFilter(), limit=10, offset=0))[0] > 0,
        "event by id": await db.events.get(ids["event"]) is not None,
        "event listing": bool(await db.events.active()),
        "outbox": await db.outbox.pending() > 0,
    }


# -- where a city's data lives ---------------------------------------------------------------


def test_city_location():
    sqlite_main = "var/nachbarbot.sqlite3"
    url = "postgresql://bot@db.example/nachbarbot"
    assert city_location(sqlite_main, "dortmund", True) == (sqlite_main, None)
    assert city_location(url, "dortmund", True) == (url, None)
    assert city_location(sqlite_main, "unna", False) == ("var/nachbarbot.unna.sqlite3", None)
    assert city_location("/srv/nb/main.db", "bad-hamm", False) == ("/srv/nb/main.bad-hamm.db", None)
    assert city_location(url, "unna", False) == (url, "city_unna")
    assert city_location(url, "bad-hamm", False) == (url, "city_bad_hamm")
    assert city_location(":memory:", "unna", False) == (":memory:", None)
    for slug in ("", "Unna", "-unna", "unna_", "ünna", "a" * 41, "un na", "../unna"):
        with pytest.raises(ValueError, match="not a city slug"):
            city_location(sqlite_main, slug, False)
        with pytest.raises(ValueError, match="not a city slug"):
            city_location(url, slug, True)
    assert city_location(url, "a" * 40, False) == (url, "city_" + "a" * 40)


async def test_a_schema_is_for_postgresql_and_named_plainly(tmp_path: Path):
    with pytest.raises(ValueError, match="schema is for PostgreSQL"):
        await Database.open(tmp_path / "x.sqlite3", schema="city_unna")
    assert not (tmp_path / "x.sqlite3").exists()
    for bad in ("public", "pg_catalog", "information_schema", "City", "x; DROP", "x -c a=b"):
        with pytest.raises(ValueError, match="not a city schema name"):
            await Database.open("postgresql://nobody@127.0.0.1:1/none", schema=bad)


# -- isolation -------------------------------------------------------------------------------


async def test_rows_of_one_city_are_invisible_to_the_others(cities: dict[str, Database]):
    unna_ids = await write_a_bit_of_everything(cities["unna"], "Anna")
    assert all((await sees(cities["unna"], unna_ids)).values())
    for other in ("bad-hamm", "dortmund"):
        seen = await sees(cities[other], unna_ids)
        assert not any(seen.values()), f"{other} sees Unna's {[k for k, v in seen.items() if v]}"
    # The same person on another city's bot is another account there, with rows of its own
    # (ids count per city), and Unna's stay as they were.
    hamm_ids = await write_a_bit_of_everything(cities["bad-hamm"], "Hanna")
    assert all((await sees(cities["bad-hamm"], hamm_ids)).values())
    assert not any((await sees(cities["dortmund"], hamm_ids)).values())
    unna_user = await cities["unna"].users.get(unna_ids["user"])
    hamm_user = await cities["bad-hamm"].users.get(hamm_ids["user"])
    assert unna_user is not None and hamm_user is not None
    assert (unna_user.first_name, hamm_user.first_name) == ("Anna", "Hanna")
    unna_event = await cities["unna"].events.get(unna_ids["event"])
    assert unna_event is not None and unna_event.title == "Lesecafé Anna"
    assert (await cities["unna"].places.listing())[1] == 1


@pytest.mark.migrates
async def test_each_city_migrates_on_its_own_and_once(database_url: str, caplog):
    main = await Database.open(database_url)
    main_rows = await main.fetch_all("SELECT version FROM schema_version ORDER BY version")
    caplog.set_level(logging.INFO, logger="db.database")
    unna = await open_city(database_url, "unna")
    try:
        every = available_migrations(unna.dialect)
        assert await unna.schema_version() == latest_migration(unna.dialect)
        rows = await unna.fetch_all("SELECT version, name FROM schema_version ORDER BY version")
        assert [tuple(row) for row in rows] == [(number, name) for number, name, _ in every]
        applied = [r.getMessage() for r in caplog.records if "applied migration" in r.message]
        assert len(applied) == len(every)
        # The main city was not migrated again, nor touched.
        assert await main.fetch_all("SELECT version FROM schema_version ORDER BY version") == (
            main_rows
        )
        # The city has every table and column the main city has.
        assert await live_schema(unna) == await live_schema(main)
        assert await unna.migrate() == []
    finally:
        await unna.close()
    caplog.clear()
    unna = await open_city(database_url, "unna")
    try:
        assert not [r for r in caplog.records if "applied migration" in r.message]
        assert len(await unna.fetch_all("SELECT version FROM schema_version")) == len(every)
    finally:
        await unna.close()
        await main.close()


async def test_the_main_city_stays_where_it_was(database_url: str, backend: str):
    before = await Database.open(database_url)
    rita = await before.users.seen("telegram", "1", "1", "Rita")
    await before.close()
    opened = [
        await open_city(database_url, "dortmund", main=True),
        await open_city(database_url, "unna"),
    ]
    try:
        main, unna = opened
        found = await main.users.find("telegram", "1")
        assert found is not None and found.id == rita.id
        assert await unna.users.find("telegram", "1") is None
        if backend == "sqlite":
            assert main.schema is None
            assert Path(database_url).is_file()
            unna_file = Path(database_url).with_name(f"{Path(database_url).stem}.unna.sqlite3")
            assert unna_file.is_file()
            assert (unna_file.stat().st_mode & 0o777) == 0o600
        else:
            # Where today's installation has it: public, whose rows are not the city's.
            rows = await main.fetch_all("SELECT first_name FROM public.users")
            assert [row[0] for row in rows] == ["Rita"]
            assert await unna.fetch_all("SELECT COUNT(*) FROM city_unna.users") == [(0,)]
    finally:
        for db in opened:
            await db.close()


# -- PostgreSQL's schemas --------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_processes_opening_a_new_city_at_once_migrate_it_once(database_url: str, caplog):
    caplog.set_level(logging.INFO, logger="db.database")
    opened = await asyncio.gather(
        *(Database.open(database_url, schema="city_unna", min_size=1, max_size=2) for _ in "abc"),
        Database.open(database_url, schema="city_hamm", min_size=1, max_size=2),
    )
    try:
        every = available_migrations("postgresql")
        for db in opened:
            assert await db.schema_version() == latest_migration("postgresql")
        for schema in ("city_unna", "city_hamm"):
            applied = [r for r in caplog.records if r.getMessage().endswith(f" in {schema}")]
            assert len(applied) == len(every)
            rows = await opened[0].fetch_all(f"SELECT version FROM {schema}.schema_version")
            assert len(rows) == len(every)
        # Written by one, seen by the other processes of that city only.
        await opened[0].users.seen("telegram", "7", "7", "Ute")
        assert await opened[2].users.find("telegram", "7") is not None
        assert await opened[3].users.find("telegram", "7") is None
    finally:
        for db in opened:
            await db.close()


@pytest.mark.parametrize("backend", ["postgresql"])
@pytest.mark.parametrize(
    ("damage", "complaint"),
    [
        ("DROP TABLE city_unna.send_pace", "city_unna.send_pace is missing"),
        ("DROP VIEW city_unna.places_rtree", "city_unna.places_rtree is missing"),
        (
            # A view that reads the main city's places.
            "CREATE OR REPLACE VIEW city_unna.places_rtree AS SELECT id, lat AS min_lat,"
            " lat AS max_lat, lon AS min_lon, lon AS max_lon FROM public.places",
            "city_unna.places_rtree depends on public.places",
        ),
        (
            "ALTER TABLE city_unna.reports ADD COLUMN x BIGINT REFERENCES public.users (id)",
            "city_unna.reports depends on public.users",
        ),
    ],
)
async def test_a_city_schema_that_would_fall_through_to_public_is_refused(
    database_url: str, damage: str, complaint: str
):
    unna = await Database.open(database_url, schema="city_unna")
    await unna.close()
    main = await Database.open(database_url)
    try:
        await main.execute(damage)
        for migrate in (True, False):
            with pytest.raises(MigrationError, match=complaint):
                await Database.open(database_url, schema="city_unna", migrate=migrate)
    finally:
        await main.close()


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_missing_city_schema_is_not_opened_without_migrating(database_url: str):
    with pytest.raises(MigrationError, match="not there or not migrated"):
        await Database.open(database_url, schema="city_unna", migrate=False)
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT to_regnamespace('city_unna') IS NULL").fetchone()
        assert row == (True,)


async def test_a_city_in_a_database_without_its_main_city_keeps_cube_in_public(request):
    server = request.getfixturevalue("postgres_server")
    url = server.new_database(template="template1")
    try:
        unna = await Database.open(url, schema="city_unna", min_size=1, max_size=2)
        hamm = await Database.open(url, schema="city_hamm", min_size=1, max_size=2)
        main = await Database.open(url, min_size=1, max_size=2)
        try:
            row = await main.fetch_one(
                "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n"
                " ON n.oid = e.extnamespace WHERE e.extname = 'cube'"
            )
            assert row is not None and row[0] == "public"
            for db in (unna, hamm, main):
                await db.places.upsert(
                    Place(
                        source="t", source_id="1", name="T", category="library", lat=51.5, lon=7.4
                    ),
                    "test",
                )
                found, _ = await nearest(db, Query(lat=51.5, lon=7.4), NOON)
                assert len(found) == 1
        finally:
            for db in (unna, hamm, main):
                await db.close()
    finally:
        server.drop(url)


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_migrate_to_copies_a_city_into_its_ownlive_schema(database_url: str, tmp_path: Path):
    main_file = str(tmp_path / "nachbarbot.sqlite3")
    unna_file, _ = city_location(main_file, "unna", False)
    source = await Database.open(unna_file)
    anna = await source.users.seen("telegram", "4242", "4242", "Anna")
    await source.close()
    _, schema = city_location(database_url, "unna", False)
    report = await copy_to_postgres(unna_file, database_url, schema=schema)
    assert report.complete
    unna = await Database.open(database_url, schema=schema)
    main = await Database.open(database_url)
    try:
        copied = await unna.users.find("telegram", "4242")
        assert copied is not None and copied.id == anna.id
        assert await main.users.find("telegram", "4242") is None
        # The copy moved the city's sequences, not the main city's.
        fresh = await unna.users.seen("telegram", "5", "5")
        assert fresh.id > anna.id
        assert [
            check for check in [c async for c in database_checks(unna)] if check[1] == "FAIL"
        ] == []
    finally:
        await unna.close()
        await main.close()
    with pytest.raises(Exception, match="holds data already"):
        await copy_to_postgres(unna_file, database_url, schema=schema)


# -- checks and locks ------------------------------------------------------------------------


async def test_database_checks_pass_for_a_city_and_find_its_faults(
    cities: dict[str, Database], backend: str
):
    unna = cities["unna"]
    await write_a_bit_of_everything(unna, "Anna")
    checks = [check async for check in database_checks(unna)]
    assert [c for c in checks if c[1] != "ok"] == []
    names = {name for name, _, _ in checks}
    assert "schema version" in names
    if backend == "sqlite":
        return
    assert "city schema city_unna is whole" in names
    # Checked in the city's schema, not the main one's: a row past the city's sequence.
    await unna.execute(
        "INSERT INTO users (id, platform, platform_user_id, chat_id, created_at, seen_at)"
        " VALUES (9999, 'telegram', '9', '9', 'x', 'x')"
    )
    await unna.execute("DROP VIEW places_rtree")
    failed = {c[0]: c[2] for c in [c async for c in database_checks(unna)] if c[1] == "FAIL"}
    assert set(failed) == {"identity sequences ahead of the ids", "city schema city_unna is whole"}
    assert "users" in failed["identity sequences ahead of the ids"]
    assert "places_rtree is missing" in failed["city schema city_unna is whole"]
    main_checks = [c async for c in database_checks(cities["dortmund"])]
    assert [c for c in main_checks if c[1] != "ok"] == []


async def test_a_write_in_one_city_does_not_wait_for_another(
    cities: dict[str, Database], database_url: str
):
    # A second connection to Unna, as a second process would have.
    unna_again = await open_city(database_url, "unna")
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold_a_write_transaction() -> None:
        async with cities["unna"].transaction():
            await cities["unna"].execute("INSERT INTO send_pace (platform) VALUES ('held')")
            holding.set()
            await release.wait()

    async def write(db: Database, platform: str) -> None:
        async with db.transaction():
            await db.execute("INSERT INTO send_pace (platform) VALUES (?)", (platform,))

    holder = asyncio.create_task(hold_a_write_transaction())
    try:
        await asyncio.wait_for(holding.wait(), 10)
        # Other cities write at once (a wait would last until the release: never).
        await asyncio.wait_for(write(cities["bad-hamm"], "other city"), 10)
        await asyncio.wait_for(write(cities["dortmund"], "main city"), 10)
        # The same city waits for the holder.
        same = asyncio.create_task(write(unna_again, "same city"))
        await asyncio.sleep(1.0)
        assert not same.done()
        release.set()
        await asyncio.wait_for(same, 10)
        await holder
        rows = await unna_again.fetch_all("SELECT platform FROM send_pace ORDER BY platform")
        assert [row[0] for row in rows] == ["held", "same city"]
    finally:
        release.set()
        await asyncio.gather(holder, return_exceptions=True)
        await unna_again.close()


def test_the_write_lock_keys():
    assert postgres.write_lock(None) == (postgres.ADVISORY_CLASS, postgres.WRITE_LOCK)
    assert postgres.migration_lock(None) == (postgres.ADVISORY_CLASS, postgres.MIGRATION_LOCK)
    unna, hamm = postgres.write_lock("city_unna"), postgres.write_lock("city_hamm")
    assert unna[0] == hamm[0] == postgres.CITY_WRITE_CLASS and unna[1] != hamm[1]
    assert unna == postgres.write_lock("city_unna")  # the same in every process
    assert -(2**31) <= unna[1] < 2**31
    assert postgres.migration_lock("city_unna")[0] == postgres.CITY_MIGRATION_CLASS
    classes = {
        postgres.ADVISORY_CLASS,
        postgres.PROCESS_CLASS,
        postgres.ROLE_CLASS,
        postgres.CHAT_CLASS,
        postgres.CITY_WRITE_CLASS,
        postgres.CITY_MIGRATION_CLASS,
    }
    assert len(classes) == 6
