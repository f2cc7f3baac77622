"""``db migrate --backup-into FOLDER``: the backup before an upgrade, taken by the upgrade
step itself (deploy/nachbarbot.service runs it as ExecStartPre; docs/upgrading.md).

When a city's database lacks a migration this release brings, every city is backed up into
``FOLDER`` first, by ``db backup`` (bot/cli/backups.py), as
``nachbarbot-<UTC time>-before-<NNNN>.sqlite3`` (``.dump`` on PostgreSQL; NNNN is this
release's newest migration), and nothing is migrated unless that backup is whole; then
every city is migrated (plain ``db migrate`` migrates the main city, or ``--city``'s). The names
sort by time with the nightly backups' (deploy/nachbarbot-backup.sh,
deploy/nachbarbot-pg-backup.sh), whose rotation therefore bounds them too.

A start after an upgrade that did not finish (killed, or a migration failed, with some
migrations applied) takes no second backup: the database is half-migrated, a schema no version
ran, and the backup of the first attempt - recorded in each city's database as
``installation.upgrade_backup`` (the release's newest migration and the file) - is the one to
go back with; the command names it. A start with nothing to migrate (an ordinary restart, or
a service restarting in a loop) takes no backup: the folder does not fill up, and the
nightly backups are not pushed out of their rotation by copies of one state. A new database
(no schema yet) has nothing to back up. A schema newer than the code, or a standby server,
is refused by the opening itself (db/migration_ledger.py, db/postgres.py), before anything
is written.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from bot.cities import City
from bot.cli import backup_rotation, backups
from bot.cli.checks import damage
from bot.cli.city_list import where
from bot.cli.schema_versions import schema_versions
from db import Database, MigrationError
from db.database import latest_migration
from db.postgres import is_postgres


def add_option(migrate: argparse.ArgumentParser) -> None:
    """``db migrate``'s ``--backup-into``."""
    migrate.add_argument(
        "--backup-into",
        metavar="FOLDER",
        type=backups.path_argument,
        help="the upgrade step: first back every city up into FOLDER if a migration is"
        " pending, then migrate every city",
    )


async def _behind(cities: list[City]) -> list[str]:
    """``slug (schema N)`` of each city whose database lacks a migration of this release."""
    latest = latest_migration()
    versions = await schema_versions(cities)
    return [
        f"{city.slug} (schema {version})"
        for city, version in zip(cities, versions, strict=True)
        if 0 < version < latest
    ]


async def refused_cities(cities: list[City]) -> dict[str, str]:
    """The further cities whose SQLite file the upgrade step leaves alone, each with why:
    damaged, or of a newer version. ``run`` leaves them out and serves the others
    (bot/cli/main.py ``_open_serving``); the step failing for them would keep the unit
    from starting ``run`` at all. The main city's is never left out: ``run`` needs it."""
    refused: dict[str, str] = {}
    for city in cities:
        location, schema = city.location
        if city.main or is_postgres(location) or not Path(location).exists():
            continue
        try:
            db = await Database.open(location, schema=schema, migrate=False)
        except (MigrationError, sqlite3.DatabaseError) as exc:
            refused[city.slug] = f"{where(city)}: {exc}"
            continue
        try:
            found = await damage(db, quick=True)
        finally:
            await db.close()
        if found:
            refused[city.slug] = f"{where(city)} is damaged ({found})"
    return refused


async def backup_before_upgrade(cities: list[City], folder: str) -> int:
    """0 when the migrations may go on (backed up, or nothing to back up); else 1, said why."""
    behind = await _behind(cities)
    latest = latest_migration()
    if not behind:
        print(
            "backup before the upgrade: none needed,"
            f" no database lacks a migration up to {latest:04d}"
        )
        return 0
    target = Path(folder)
    try:
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        print(
            f"nachbarbot: no backup before the upgrade, {folder}: {exc.strerror};"
            " nothing was migrated",
            file=sys.stderr,
        )
        return 1
    earlier = await _earlier_backup(cities, latest)
    if earlier:
        print(
            f"backup before the upgrade to {latest:04d}: {earlier}, taken when this upgrade"
            f" began - none taken now of {', '.join(behind)}, which the unfinished upgrade left"
            " half-migrated (going back takes that backup, docs/upgrading.md)"
        )
        return 0
    stamp = backup_rotation.new_stamp()
    suffix = ".dump" if is_postgres(cities[0].config.bot.database) else ".sqlite3"
    path = target / f"nachbarbot-{stamp}-before-{latest:04d}{suffix}"
    print(f"backup before the upgrade to {latest:04d} of {', '.join(behind)}: {path}")
    if await backups.backup(cities, str(path)) != 0:
        print(
            "nachbarbot: the backup before the upgrade failed: nothing was migrated",
            file=sys.stderr,
        )
        return 1
    await _record(cities, f"{latest:04d} {path.resolve()}")
    return 0


# Each city's record of the backup before the upgrade under way: "NNNN FILE".
UPGRADE_BACKUP = "installation.upgrade_backup"


async def _each_state(cities: list[City]) -> list[Database]:
    """Each city's database as it is, unmigrated (a city with none yet left out)."""
    opened = []
    versions = await schema_versions(cities)
    try:
        for city, version in zip(cities, versions, strict=True):
            if version:
                location, schema = city.location
                opened.append(await Database.open(location, schema=schema, migrate=False))
    except BaseException:
        for db in opened:
            await db.close()
        raise
    return opened


async def _earlier_backup(cities: list[City], latest: int) -> str:
    """The backup an earlier start of this upgrade took, where every city records it and
    it is still there; else ""."""
    databases = await _each_state(cities)
    try:
        found = {await db.transport_state.get(UPGRADE_BACKUP) for db in databases}
    finally:
        for db in databases:
            await db.close()
    if len(found) != 1 or None in found:
        return ""
    number, _, path = str(found.pop()).partition(" ")
    if number != f"{latest:04d}" or not Path(path).exists():
        return ""
    return path


async def _record(cities: list[City], value: str) -> None:
    databases = await _each_state(cities)
    try:
        for db in databases:
            await db.transport_state.set(UPGRADE_BACKUP, value)
    finally:
        for db in databases:
            await db.close()
