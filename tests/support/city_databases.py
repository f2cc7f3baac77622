"""Reading a city's database whole, for tests that compare before and after: the live schema
(every table and its columns, as the database's own catalogue has them) and every row; and
the people of a city as the backup and restore tests make, list and erase them."""

from __future__ import annotations

import asyncio
import time

import psycopg

from db import Database
from db.database import city_location

Rows = dict[str, list[tuple[str, ...]]]


async def open_city(database: str, slug: str, *, main: bool = False, **options) -> Database:
    path, schema = city_location(database, slug, main)
    return await Database.open(path, schema=schema, min_size=1, max_size=4, **options)


async def _closed(db: Database, database: str) -> None:
    """``db`` closed, and on PostgreSQL its server processes gone too: a client's close
    returns before they have ended, and a restore right after it (which refuses while
    other connections are open) saw one of them still there."""
    await db.close()
    if not database.startswith("postgresql"):
        return
    deadline = time.monotonic() + 60  # a hang detector, not a speed bound
    while True:
        with psycopg.connect(database, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
        if not row or not row[0]:
            return
        assert time.monotonic() < deadline, "the closed database's connections did not end"
        await asyncio.sleep(0.02)


async def add_people(database: str, slug: str, names: list[str], *, main: bool) -> None:
    """Residents who wrote to the bot on Telegram, one per name, in a city's database."""
    db = await open_city(database, slug, main=main)
    try:
        for name in names:
            await db.users.seen("telegram", name, name, name)
    finally:
        await _closed(db, database)


async def people_names(database: str, slug: str, *, main: bool) -> list[str]:
    """The people of a city's database, by their Telegram id, in order."""
    db = await open_city(database, slug, main=main)
    try:
        rows = await db.fetch_all("SELECT platform_user_id FROM users ORDER BY 1")
    finally:
        await db.close()
    return [row[0] for row in rows]


async def erase_person(database: str, slug: str, who: str, *, main: bool) -> None:
    """/delete's own way (handlers/privacy.py erase), as the bot runs it."""
    from handlers import build_router
    from handlers.context import Backstage
    from handlers.privacy import erase
    from handlers.settings import HandlerSettings

    db = await open_city(database, slug, main=main)
    try:
        person = await db.users.find("telegram", who)
        assert person is not None
        async with db.transaction():
            await erase(Backstage(db, HandlerSettings()), build_router(), person, "deleted")
    finally:
        await _closed(db, database)


async def live_schema(db: Database) -> dict[str, list[str]]:
    """Every table and its columns, as the database's own catalogue has them."""
    schema: dict[str, list[str]] = {}
    for table, column in await db.data_rights.live_columns():
        schema.setdefault(table, []).append(column)
    return schema


async def every_row(db: Database) -> Rows:
    """Every row of every table of the city, each value as a name=value string, in a stable
    order: what two reads of a city are compared by."""
    return {
        table: sorted(
            tuple(f"{name}={value!r}" for name, value in zip(names, row, strict=True))
            for row in await db.fetch_all(f"SELECT {', '.join(names)} FROM {table}")
        )
        for table, names in (await live_schema(db)).items()
    }
