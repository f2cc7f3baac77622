"""Reading a city's database whole, for tests that compare before and after: the live schema
(every table and its columns, as the database's own catalogue has them) and every row."""

from __future__ import annotations

from db import Database
from db.database import city_location

Rows = dict[str, list[tuple[str, ...]]]


async def open_city(database: str, slug: str, *, main: bool = False, **options) -> Database:
    path, schema = city_location(database, slug, main)
    return await Database.open(path, schema=schema, min_size=1, max_size=4, **options)


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
