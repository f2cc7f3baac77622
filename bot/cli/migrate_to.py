"""``python -m bot db migrate-to postgresql://…``: copy the configured SQLite installation
into an empty PostgreSQL database (db/sqlite_to_postgres.py), then show that the copy is whole.

It prints one line per table (rows on SQLite in the copied snapshot, rows on PostgreSQL),
the identity sequences moved, the rows that could not be copied (by SQLite rowid, never by
content), then ``db check`` on both sides and the verdict. Exit code 0 when every row was
copied and both checks pass; 1 when the copy was refused (nothing written), incomplete, or
a check fails. The URL is shown without its password.

With several cities (bot/cities.py) every city is copied: the main city into the
database's own schema, each further city from its file into its schema ``city_<slug>``.

Switching over: stop the bot, run this, set ``[bot] database`` to the URL (the password in
``NACHBARBOT_BOT__DATABASE_PASSWORD``), start the bot. Run it beforehand as often as
you like into throwaway databases: it only reads the SQLite file.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import psycopg

from bot.cities import City
from bot.cli.checks import database_checks, run_checks
from db import Database
from db.database import city_location
from db.postgres import redacted
from db.sqlite_to_postgres import CopyReport, Refused, copy_to_postgres

# Rows not copied that are listed one by one, per table; the rest are counted.
SHOWN_FAILURES = 20


async def run(cities: list[City], url: str) -> int:
    """Every city of the installation, one after the other: the main city into the
    database's own schema, each further city into its schema (``city_location``)."""
    failed = 0
    for city in cities:
        source, _ = city.location
        _, schema = city_location(url, city.slug, city.main)
        if len(cities) > 1:
            print(f"\n== {city.slug} ==")
        if not city.main and not Path(source).exists():
            print(f"skip  {source} - the city has no database yet (nothing to copy)")
            continue
        failed |= await _copy_one(source, url, schema)
        if failed and city.main:
            break  # the rest would go to a database whose main city is not there
    return failed


async def _copy_one(source: str, url: str, schema: str | None) -> int:
    where = redacted(url) + (f" (schema {schema})" if schema else "")
    try:
        report = await copy_to_postgres(source, url, schema=schema)
    except Refused as exc:
        print(f"nachbarbot: migrate-to refused, no row copied: {exc}", file=sys.stderr)
        return 1
    except (psycopg.Error, sqlite3.Error) as exc:
        # The copy's transaction was rolled back. The first line only: details of some
        # errors quote a row's values.
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(
            f"nachbarbot: migrate-to failed, rolled back, no row copied:"
            f" {type(exc).__name__}: {first}",
            file=sys.stderr,
        )
        return 1
    print(f"copied {source} (schema version {report.schema_version}) to {where}")
    _print_tables(report)
    print(f"\ndb check on SQLite ({source}):")
    sqlite_failed = await _check(source)
    print(f"\ndb check on PostgreSQL ({where}):")
    postgres_failed = await _check(url, schema)
    print()
    if not report.complete:
        print("FAIL  not every row was copied (see above)")
    if sqlite_failed or postgres_failed:
        failed = [
            name
            for name, bad in (("SQLite", sqlite_failed), ("PostgreSQL", postgres_failed))
            if bad
        ]
        print(f"FAIL  db check on {' and '.join(failed)}")
    if report.complete and not (sqlite_failed or postgres_failed):
        print("ok    copy complete: row counts equal, db check passes on both")
        return 0
    return 1


def _print_tables(report: CopyReport) -> None:
    for table in sorted(report.tables, key=lambda t: t.name):
        whole = not table.failed and table.source_rows == table.target_rows
        line = (
            f"{'ok' if whole else 'FAIL':<5} {table.name} - {_rows(table.source_rows)} on"
            f" SQLite, {table.target_rows} on PostgreSQL"
        )
        notes = []
        if table.converted:
            notes.append(f"values converted: {table.converted}")
        if table.skipped_columns:
            notes.append(f"columns only on SQLite skipped: {', '.join(table.skipped_columns)}")
        print(line + (f" ({'; '.join(notes)})" if notes else ""))
        for rowid, reason in table.failed[:SHOWN_FAILURES]:
            print(f"        not copied: rowid {rowid if rowid is not None else '?'}: {reason}")
        if len(table.failed) > SHOWN_FAILURES:
            print(f"        … and {len(table.failed) - SHOWN_FAILURES} more rows not copied")
    for name in report.missing_tables:
        print(f"FAIL  {name} - not in PostgreSQL's schema: its rows were not copied")
    if report.sqlite_only:
        print(f"skip  {', '.join(report.sqlite_only)} - SQLite's own")
    if report.sequences:
        moved = ", ".join(f"{name} {highest}" for name, highest in report.sequences.items())
        print(f"ok    identity sequences continue after {moved}")


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


async def _check(target: str, schema: str | None = None) -> bool:
    """``db check`` on one side (a city's ``schema`` on PostgreSQL); True if something
    failed."""
    if schema is None:
        db = await Database.open(target, migrate=False, min_size=1, max_size=1)
    else:
        db = await Database.open(target, schema=schema, migrate=False, min_size=1, max_size=1)
    try:
        return await run_checks(database_checks(db)) != 0
    finally:
        await db.close()
