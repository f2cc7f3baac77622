"""``db migrate --backup-into FOLDER``: the backup before an upgrade, taken by the upgrade
step itself (deploy/nachbarbot.service runs it as ExecStartPre; docs/upgrading.md).

When a city's database lacks a migration this release brings, every city is backed up into
``FOLDER`` first, by ``db backup`` (bot/cli/backups.py), as
``nachbarbot-<UTC time>-before-<NNNN>.sqlite3`` (``.dump`` on PostgreSQL; NNNN is this
release's newest migration), and nothing is migrated unless that backup is whole; then
every city is migrated (plain ``db migrate`` migrates the main city, or ``--city``'s). The names
sort by time with the nightly backups' (deploy/nachbarbot-backup.sh,
deploy/nachbarbot-pg-backup.sh), whose rotation therefore bounds them too.

A start with nothing to migrate (an ordinary restart, or a service restarting in a loop)
takes no backup: the folder does not fill up, and the nightly backups are not pushed out of
their rotation by copies of one state. A new database (no schema yet) has nothing to back
up. A schema newer than the code, or a standby server, is refused by the opening itself
(db/migration_ledger.py, db/postgres.py), before anything is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cities import City
from bot.cli import backup_rotation, backups
from bot.cli.schema_versions import schema_versions
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
    return 0
