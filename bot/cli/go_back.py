"""``db go-back BACKUP``: going back to the version that ran before an upgrade
(docs/upgrading.md, "Going back").

``db restore`` migrates what it restores up to this version, so it cannot take an
installation back to an older version: the older code would then run on a schema newer
than it knows. ``db go-back`` puts the backup in place as it was, at its own schema version,
never migrating it, and says which version may run on it: the one whose newest migration is
the backup's. It refuses, changing nothing, what ``db restore`` refuses (a copy missing, a
database open in another process, a damaged file, another city's data, a schema newer than
this code or migrations changed since) and a backup older than the mark it leaves can be
kept in (schema 0006).

It leaves a mark in each database it put back (db/went_back.py): this version then refuses
to start on it or migrate it, so that only the older version starts, until ``db migrate``
(the upgrade step) upgrades it again - which also erases again the accounts erased since the
backup was taken. The older version does not know the list of erased accounts, and this
version cannot erase anyone in an older schema: how many such accounts are in the backup is
said, with what to do.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.cities import City
from bot.cli import backup_rotation, backups
from bot.cli.restore_steps import OLDEST, may_run, other_city, say_erased_since
from db import Database, went_back
from db.database import latest_migration
from db.erasure_ledger import ErasureLedger, FileLedger, file_location
from db.migration_ledger import MigrationError
from db.postgres import is_postgres
from db.sqlite_restore import RestoreError, discard, settle, swap_in


async def go_back(cities: list[City], path: str, known: list[City]) -> int:
    """Put every city's copy of the set ``path`` (or --city's) in place, unmigrated."""
    folder = backups._a_folder(path, "nothing was restored", new=False)
    if folder:
        return backups._refuse(folder)
    if is_postgres(cities[0].config.bot.database):
        from bot.cli.pg_backups import go_back as pg_go_back  # loads psycopg

        return await pg_go_back(cities, path)
    sources = backups.sqlite_sources(cities, path)
    if isinstance(sources, str):
        return backups._refuse(sources)
    copies: list[Path] = []
    versions: list[int] = []
    try:
        for city, source, live in sources:
            copy = live.with_name(f".{live.name}.going-back")
            copies.append(copy)
            backups.say_an_empty_wal(city, source)
            version = backups.checked_copy(city, source, copy)
            backups.lists_readable(city, source, live)
            await _marked(copy, version, city, source)
            versions.append(version)
            print(f"{city.slug}: backup {source} checked: integrity ok, schema version {version}")
        # Checked again right before the swap: a bot started while the copies were checked
        # must not have its database replaced under it.
        held = backups.held_open(sources)
        if held:
            raise RestoreError(held.removesuffix("; nothing was restored"))
    except (RestoreError, asyncio.CancelledError) as exc:
        for copy in copies:
            discard(copy)
        if isinstance(exc, asyncio.CancelledError):
            backups._refuse("interrupted while checking the backup; nothing was restored")
            raise
        return backups._refuse(f"{exc}; nothing was restored")
    stamp = backup_rotation.new_stamp()
    for (city, source, live), copy, version in zip(sources, copies, versions, strict=True):
        backups._kept(city, swap_in(copy, live, stamp))
        print(
            f"{city.slug}: {source} is now the database {live}, at its own schema version"
            f" {version} (not migrated): {may_run(version)}"
        )
        ledgers: list[ErasureLedger] = [
            FileLedger(file_location(live)),
            FileLedger(file_location(source)),
        ]
        await say_erased_since(city, live, ledgers)
    return 0


async def _marked(copy: Path, version: int, city: City, source: Path) -> None:
    """Check the copy as this code may without migrating it (a schema it knows, the
    migrations unchanged, the city's own data) and leave the mark in it."""
    refused = ""
    if version < OLDEST:
        refused = (
            f"schema version {version} is older than any version db go-back can go back to"
            f" ({OLDEST:04d}); restore it with db restore (it migrates it to this version)"
        )
    else:
        try:
            db = await Database.open(copy, migrate=False)
            try:
                refused = await other_city(db, city, str(source))
                if not refused and version < latest_migration():
                    await db.transport_state.set(went_back.KEY, str(version))
            finally:
                await db.close()
            settle(copy)
        except (MigrationError, OSError) as exc:
            refused = f"{city.slug}: {source} (schema version {version}) cannot be used: {exc}"
    if refused:
        discard(copy)
        raise RestoreError(refused if refused.startswith(city.slug) else f"{city.slug}: {refused}")
