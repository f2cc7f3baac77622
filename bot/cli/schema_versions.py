"""Each city's schema version as it is, read without migrating or writing anything: for the
commands that must see the installation before they change it (the backup before an
upgrade, bot/cli/upgrade_backup.py; a backup, which copies the schema it finds)."""

from __future__ import annotations

from pathlib import Path

from bot.cities import City
from db import Database
from db.postgres import ServerUnreachable, is_postgres


async def _version(city: City, main: Database | None) -> int:
    """The city's schema version; 0 for a city with no database (or schema) yet."""
    location, schema = city.location
    if main is not None:  # PostgreSQL: a further city is a schema of the main database
        if schema is None:
            return await main.schema_version()
        table = f"{schema}.schema_version"
        exists = await main.fetch_all("SELECT to_regclass(?) IS NOT NULL", (table,))
        if not exists or not exists[0][0]:
            return 0
        rows = await main.fetch_all(f"SELECT COALESCE(MAX(version), 0) FROM {table}")
        return int(rows[0][0])
    if not Path(location).exists():
        return 0
    db = await Database.open(location, migrate=False)
    try:
        return await db.schema_version()
    finally:
        await db.close()


async def schema_versions(cities: list[City]) -> list[int]:
    """The cities' schema versions, in their order. Opening refuses (MigrationError) a
    schema newer than the code and a standby server, as every command does."""
    url = cities[0].config.bot.database
    try:
        main = await Database.open(url, migrate=False) if is_postgres(url) else None
    except ServerUnreachable as exc:  # every city's data is there: said of them all
        raise exc.naming([city.slug for city in cities]) from None
    try:
        return [await _version(city, main) for city in cities]
    finally:
        if main is not None:
            await main.close()
