"""``db backup PATH`` and ``db restore PATH``: every city of the installation, or one.

A backup is a set: on SQLite one file per city, named as the cities' databases are
(``PATH`` for the main city, ``x.unna.sqlite3`` beside ``x.sqlite3`` for Unna), each with
its list of erased accounts beside it (``x.erased``, db/erasure_ledger.py); on PostgreSQL
one pg_dump of the whole database, every city's schema in it (bot/cli/pg_backups.py).
``PATH`` names the set in both commands; ``--city`` restores one city of it alone.

A restore refuses, changing nothing, while any process holds a database it would replace,
when the backup lacks a city it should restore, fails its integrity check, has a schema
newer than this code, or one this code cannot run on (checked on a migrated copy: edited
migrations, tables or columns missing). Then it puts the migrated copy in place (the old
database kept aside), erases again every account the erasure list names (through
handlers/privacy.py, the one way a person's data goes), and says what it did.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import os
import shutil
import sqlite3
import sys
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import open_city_database
from bot.cities import City
from bot.cli import backup_rotation
from bot.cli.checks import backup_rotation_check
from bot.cli.city_list import where
from bot.cli.restore_steps import erase_listed, erased_again, other_city, schema_gap
from db import Database
from db.database import CITY_SLUG, city_location
from db.erasure_ledger import ErasureLedger, FileLedger, file_location
from db.migration_ledger import MigrationError
from db.postgres import is_postgres
from db.restore_copies import removal_day
from db.sqlite_restore import (
    SIDE_FILES,
    RestoreError,
    check_copy,
    discard,
    in_use,
    not_writable,
    only_an_empty_wal,
    settle,
    swap_in,
)


def path_argument(text: str) -> str:
    """The argparse type of a backup's file or folder: an empty one - a variable left unset
    in a script or unit - names none, and ``db migrate --backup-into ""`` would migrate
    with no backup at all."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "an empty path names no file or folder (a variable left unset?); nothing was done"
        )
    return text


def add_path(command: argparse.ArgumentParser, what: str) -> None:
    """``db backup``'s and ``db restore``'s ``path``, never empty."""
    command.add_argument("path", type=path_argument, help=what)


def _refuse(why: str) -> int:
    print(f"nachbarbot: {why}", file=sys.stderr)
    return 1


def backup_file(path: str, city: City) -> Path:
    """The file of ``city`` in the SQLite backup set ``path``."""
    return Path(city_location(path, city.slug, city.main)[0])


def _a_folder(path: str, nothing: str, *, new: bool) -> str:
    """Why ``path`` cannot name a backup - it is a folder, whose name a script's variable
    (the nightly folder) gives easily in place of a file's - or "": a backup is named by
    its main city's file, the others' beside it. The example is a new name for a backup
    (``new``), else the newest backup in the folder."""
    folder = Path(path)
    if not folder.is_dir():
        return ""
    example = folder / f"nachbarbot-{backup_rotation.new_stamp()}.sqlite3"
    if not new:
        made = [
            each
            for each in folder.glob("nachbarbot-*")
            if each.name.count(".") == 1 and each.suffix in (".sqlite3", ".dump")
        ]
        if not made:  # a name made up now would be no backup to restore
            return (
                f"{path} is a folder, not a backup's file, and holds no backup"
                f" (nachbarbot-<time>.sqlite3, .dump on PostgreSQL); {nothing}"
            )
        example = max(made, key=lambda each: each.name)
    return (
        f"{path} is a folder, not a backup's file - name the main city's copy in it (the"
        f" other cities' lie beside it), e.g. {example} (.dump on PostgreSQL); {nothing}"
    )


async def backup(cities: list[City], path: str) -> int:
    folder = _a_folder(path, "no backup was made", new=True)
    if folder:
        return _refuse(folder)
    _warn_of_rotation(cities)
    if is_postgres(cities[0].config.bot.database):
        from bot.cli.pg_backups import backup as pg_backup  # loads psycopg

        return await pg_backup(cities, path)
    targets = [(city, backup_file(path, city)) for city in cities]
    taken = [str(target) for _, target in targets if target.exists()]
    if taken:
        return _refuse(f"{', '.join(taken)} exists already - choose a new file")
    barred = _barred(targets)
    if barred:
        return _refuse(f"{'; '.join(barred)}; no backup was made")
    copied: list[str] = []
    damaged: list[str] = []
    for city, target in targets:
        try:
            db = await _opened(city)
            try:
                await db.backup(target)
            finally:
                await db.close()
            _copy_ledger(Path(city.location[0]), target)
            found = _damage_of(target)
        except (Exception, asyncio.CancelledError) as exc:
            if not isinstance(exc, FileExistsError):  # made since the check: not ours
                _discard_partial(target)
            missing = [c.slug for c, _ in targets if c.slug not in copied]
            if isinstance(exc, asyncio.CancelledError):  # Ctrl-C: said, then ended (130)
                _refuse(
                    f"interrupted: {city.slug}: the copy was not finished, nothing of it"
                    f" kept; not copied: {', '.join(missing)} - this backup is incomplete"
                )
                raise
            return _refuse(
                f"{city.slug}: the copy failed ({_why(exc)}), nothing of it"
                f" kept; not copied: {', '.join(missing)} - this backup is incomplete"
            )
        copied.append(city.slug)
        print(f"{city.slug}: database {where(city)} copied to {target}")
        if found:
            damaged.append(
                f"{city.slug}: the database {where(city)} is damaged ({found}), and so is its"
                f" copy {target} - kept, it holds what could be read, but db restore refuses"
                " it; python -m bot db check shows what SQLite finds; restore the newest"
                " backup db restore accepts (docs/operations.md)"
            )
    for each in damaged:
        _refuse(each)
    return 1 if damaged else 0


def _damage_of(copy: Path) -> str:
    """What SQLite's quick check finds wrong in a copy just made ("" where nothing): the
    online backup copies damaged pages as they are. Before, the copy of a damaged database
    was said "copied", exit 0, night after night, while the rotation deleted the sound
    backups by age; db restore refused every copy taken since."""
    conn = sqlite3.connect(copy, isolation_level=None)
    try:
        result = [row[0] for row in conn.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()
    return "" if result == ["ok"] else "; ".join(result)[:200]


def _barred(targets: list[tuple[City, Path]]) -> list[str]:
    """What this user may not write for the backup, said before anything is written: a
    city's database (SQLite writes beside a database it reads: its -shm, its journal) or
    the folder of a copy, where it is on a file system mounted read-only or another
    user's. SQLite says only "unable to open database file", and that half-way."""
    barred = [
        f"{city.slug}: {live} cannot be opened to copy it: {why}"
        for city, _ in targets
        if (live := Path(city.location[0])).exists() and (why := not_writable(live))
    ]
    for city, target in targets:
        folder = next(each for each in target.parents if each.exists())
        if folder.is_dir() and (why := not_writable(folder / target.name)):
            barred.append(f"{city.slug}: {target} cannot be written: {why}")
    return barred


def _why(exc: Exception) -> str:
    """Why a copy failed, for the operator: the file and the system's reason where the
    system refused (a full disk, a folder it may not write to, a file where the backup's
    folder should be), else the error as it is."""
    if isinstance(exc, MigrationError):  # said for the operator already (bot/app.py)
        return str(exc)
    if not isinstance(exc, OSError) or not exc.strerror:
        return f"{type(exc).__name__}: {exc}"
    if exc.filename is None:
        return exc.strerror
    where = Path(exc.filename)
    if isinstance(exc, FileExistsError | NotADirectoryError):
        for each in (where, *where.parents):
            if each.is_file():
                return f"{each} is a file, not a folder"
    return f"{where}: {exc.strerror}"


def _warn_of_rotation(cities: list[City]) -> None:
    """Say where the nightly rotation may keep backups longer or shorter than a city's
    privacy.backup_days (``doctor``'s check, in the backup unit's environment: its journal
    shows it every night). The backup is made all the same: a missing backup would be the
    worse loss."""
    for city in cities:
        _, verdict, detail = backup_rotation_check(city.config)
        if verdict != "ok":
            print(f"nachbarbot: warning: {city.slug}: {detail}", file=sys.stderr)


async def _opened(city: City) -> Database:
    """The city's database as it is: a copy taken while others write must not wait for
    a write of its own (the migrations' record). One not made yet is made, as at a start."""
    location = Path(city.location[0])
    if not location.exists():
        return await open_city_database(city)
    return await Database.open(location, migrate=False)


def _discard_partial(target: Path) -> None:
    """Remove what a failed copy (a full disk, say) left of ``target``: a half-written file
    is no backup, yet the nightly rotation would count it and a second try with the same
    name would be refused as existing."""
    for leftover in (target, file_location(target), *(Path(f"{target}{s}") for s in SIDE_FILES)):
        # Where the copy could not even begin (its folder a file, or not made, or mounted
        # read-only: unlink then says EROFS of a file that is not there), there is nothing
        # to remove, and that must not hide why it failed.
        if not os.path.lexists(leftover):
            continue
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            leftover.unlink()


def _copy_ledger(database: Path, target: Path) -> None:
    """The city's erasure list beside its copy (readable by the owner only)."""
    ledger = file_location(database)
    if ledger.exists():
        copy = file_location(target)
        shutil.copyfile(ledger, copy)
        copy.chmod(0o600)


async def restore(cities: list[City], path: str, known: list[City] | None = None) -> int:
    """Restore ``cities`` (every city, or the one ``--city`` names) from the set ``path``;
    ``known``: every city of the configuration (default ``cities``), whose copies in the
    backup are not named as of a city it lacks."""
    folder = _a_folder(path, "nothing was restored", new=False)
    if folder:
        return _refuse(folder)
    if is_postgres(cities[0].config.bot.database):
        from bot.cli.pg_backups import restore as pg_restore  # loads psycopg

        return await pg_restore(cities, path)
    sources = sqlite_sources(cities, path)
    if isinstance(sources, str):
        return _refuse(sources)
    copies: list[Path] = []
    try:
        for city, source, live in sources:
            copy = live.with_name(f".{live.name}.restoring")
            copies.append(copy)
            say_an_empty_wal(city, source)
            version = checked_copy(city, source, copy)
            lists_readable(city, source, live)
            await _runnable(copy, version, city, source)
            print(f"{city.slug}: backup {source} checked: integrity ok, schema version {version}")
        # Again right before the swap: the check of a large backup takes a minute, and a bot
        # started meanwhile must not have its database replaced under it.
        held = held_open(sources)
        if held:
            raise RestoreError(held.removesuffix("; nothing was restored"))
    except (RestoreError, asyncio.CancelledError) as exc:
        # The checked copies hold personal data, under hidden names nothing else removes.
        for copy in copies:
            discard(copy)
        if isinstance(exc, asyncio.CancelledError):  # Ctrl-C: said, then ended (130)
            _refuse("interrupted while checking the backup; nothing was restored")
            raise
        return _refuse(f"{exc}; nothing was restored")
    stamp = backup_rotation.new_stamp()
    for (city, source, live), copy in zip(sources, copies, strict=True):
        _kept(city, swap_in(copy, live, stamp))
        print(f"{city.slug}: {source} is now the database {live} (no WAL from before)")
    await _finish_erasing(_erase_every(sources))
    if cities[0].main:
        for copy, slug in _copies_of_others(Path(path), {city.slug for city in known or cities}):
            print(
                f"not restored: {copy} - the backup's copy of a city {slug!r} this configuration"
                " does not have (its file missing from bot.cities_dir, or the city removed?)"
            )
    return 0


Sources = list[tuple[City, Path, Path]]


def sqlite_sources(cities: list[City], path: str) -> Sources | str:
    """Each city with its copy in the backup set ``path`` and its live database; or why
    nothing may be restored: a copy missing, a database that cannot be written or is open
    in another process (``db restore``, ``db go-back``)."""
    sources = [(city, backup_file(path, city), Path(city.location[0])) for city in cities]
    missing = [f"{city.slug} ({source})" for city, source, _ in sources if not source.exists()]
    if missing:
        return (
            f"the backup has no copy of: {', '.join(missing)}"
            f"{_a_city_copy(Path(path), [city for city, _, _ in sources])}"
            f"{_one_by_one(path, sources)}; nothing was restored"
        )
    barred = [
        f"{city.slug}: {live} cannot be written: {why}"
        for city, _, live in sources
        if (why := not_writable(live))
    ]
    if barred:
        return f"{'; '.join(barred)}; nothing was restored"
    held = held_open(sources)
    if held:
        return held
    return sources


def say_an_empty_wal(city: City, source: Path) -> None:
    """The empty -wal a reader left beside a backup is ignored: said (db/sqlite_restore.py)."""
    if only_an_empty_wal(source):
        print(
            f"{city.slug}: {source}-wal is empty (a reader such as sqlite3 -readonly left it):"
            " it holds nothing and is ignored; the backup file is restored as it is"
        )


def held_open(sources: Sources) -> str:
    """Why the databases may not be replaced now - another process has one open - or ""."""
    held = [f"{city.slug} ({live})" for city, _, live in sources if in_use(live)]
    if not held:
        return ""
    return (
        f"the database is open in another process: {', '.join(held)} - stop the bot and"
        " the web (systemctl stop nachbarbot nachbarbot-web) first; nothing was restored"
    )


def lists_readable(city: City, source: Path, live: Path) -> None:
    """RestoreError where the list of erased accounts beside the backup or beside the
    database cannot be read: the restore erases again whom they name once the backup is in
    place. Before, a damaged list ended the restore in a traceback after the swap, the
    people erased since the backup back in the database."""
    for ledger in (file_location(live), file_location(source)):
        why = FileLedger(ledger).unreadable()
        if why:
            raise RestoreError(
                f"{city.slug}: {why} - the restore erases again whom it names: put back a"
                " sound copy of it (each backup has one beside it, the newest names every"
                " erasure of the older ones; docs/operations.md)"
            )


async def _erase_every(sources: list[tuple[City, Path, Path]]) -> None:
    """Erase again, in each restored city, whom its lists name (its own and the backup's)."""
    for city, source, live in sources:
        ledgers: list[ErasureLedger] = [
            FileLedger(file_location(live)),
            FileLedger(file_location(source)),
        ]
        await _erase_again(city, ledgers)


async def _finish_erasing(erasing: Coroutine[Any, Any, None]) -> None:
    """Run ``erasing`` to its end, a Ctrl-C (the task cancelled) notwithstanding: once the
    backups are in place, the people erased since they were taken must go again before the
    command ends - said, then ended as interrupted (130). A second Ctrl-C leaves at once."""
    task = asyncio.ensure_future(erasing)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        _refuse(
            "interrupted after the restore: erasing again the accounts erased since the"
            " backup before stopping (a second Ctrl-C stops at once: then run this db"
            " restore again)"
        )
        await task
        raise


def _a_city_copy(path: Path, cities: list[City]) -> str:
    """Where ``path`` is a further city's copy in a backup (``b.unna.sqlite3`` beside
    ``b.sqlite3``, or alone: ``--city unna db backup b.sqlite3`` writes only it), what to
    name instead, said after the missing copies; else ""."""
    stem, _, slug = path.stem.rpartition(".")
    main = path.with_name(f"{stem}{path.suffix}")
    known = any(city.slug == slug and not city.main for city in cities)
    if not stem or not CITY_SLUG.fullmatch(slug) or not (main.is_file() or known):
        return ""
    return (
        f" - {path} is the copy of the city {slug!r} in the backup {main}: name that file"
        f" (--city {slug} restores {slug} alone)"
    )


def _one_by_one(path: str, sources: list[tuple[City, Path, Path]]) -> str:
    """Where the backup holds some of the cities' copies - one taken before a city was
    added (city add) - how to restore those it holds, said after the missing copies; else
    "". The others keep their databases as they are."""
    held = [city.slug for city, source, _ in sources if source.exists()]
    if not held or len(held) == len(sources):
        return ""
    commands = ", ".join(f"--city {slug} db restore {path}" for slug in held)
    return f" - a backup from before a city was added? Restore each city it holds alone: {commands}"


def _kept(city: City, aside: list[Path]) -> None:
    """Name the files of the database a restore moved aside, and when they go: they hold
    personal data, kept as long as the oldest backup (db/restore_copies.py)."""
    if not aside:
        return
    days = city.config.privacy.backup_days
    gone = removal_day(datetime.now(UTC), days)
    print(
        f"{city.slug}: moved aside: {', '.join(str(path) for path in aside)} - the database as"
        f" it was, kept {days} days (privacy.backup_days, as old as the oldest backup): the"
        f" daily retention removes it on {gone} (delete it sooner once the restored bot runs"
        " well)"
    )


def _copies_of_others(main: Path, restored: set[str]) -> list[tuple[Path, str]]:
    """The further cities' copies in the set of ``main`` (``b.unna.sqlite3`` beside
    ``b.sqlite3``) whose city is not among ``restored``, with their slugs: a restore on a
    configuration that lacks a city leaves that city's data in the backup, and says so."""
    found = []
    for copy in sorted(main.parent.glob(f"{glob.escape(main.stem)}.*{main.suffix}")):
        slug = copy.name[len(main.stem) + 1 : len(copy.name) - len(main.suffix)]
        if CITY_SLUG.fullmatch(slug) and slug not in restored and copy != file_location(main):
            found.append((copy, slug))
    return found


def checked_copy(city: City, source: Path, copy: Path) -> int:
    """:func:`check_copy` of the city's ``source`` to ``copy``, its refusal naming the city:
    with several cities the operator must know whose copy was refused."""
    try:
        copy.parent.mkdir(parents=True, exist_ok=True)
        return check_copy(source, copy)
    except RestoreError as exc:
        raise RestoreError(f"{city.slug}: {exc}") from exc
    except OSError as exc:  # the database's folder cannot be made
        why = _why(exc)
        where = "" if str(copy.parent) in why else f"{copy.parent}: "
        raise RestoreError(f"{city.slug}: {where}{why}") from exc


async def _runnable(copy: Path, version: int, city: City, source: Path) -> None:
    """Migrate the checked ``copy`` to this code and check that every table and column of
    this code's schema is in it and that it is ``city``'s, before anything is moved: a
    backup whose applied migrations were edited, a sound SQLite file without the schema's
    tables, or another city's data must not take the live database's place. RestoreError
    (the copy removed) otherwise."""
    try:
        db = await Database.open(copy, upgrade=True)  # put back by db go-back: up again
        try:
            found = await db.data_rights.live_columns()
            foreign = await other_city(db, city, str(source))
        finally:
            await db.close()
        fresh = await Database.open(":memory:")
        try:
            wanted = await fresh.data_rights.live_columns()
        finally:
            await fresh.close()
        settle(copy)
    except (MigrationError, sqlite3.DatabaseError) as exc:
        discard(copy)
        raise RestoreError(
            f"{city.slug}: {source} (schema version {version}) cannot be used: {exc}"
        ) from exc
    if foreign:
        discard(copy)
        raise RestoreError(foreign)
    gap = schema_gap(found, wanted)
    if gap:
        discard(copy)
        raise RestoreError(f"{city.slug}: {source} (schema version {version}) {gap}")


async def _erase_again(city: City, ledgers: list[ErasureLedger]) -> None:
    """Open the restored city (its migrations run) and erase again whom the lists name."""
    db = await open_city_database(city, upgrade=True)
    try:
        count, back = await erase_listed(db, city, ledgers)
        version = await db.schema_version()
    finally:
        await db.close()
    print(f"{city.slug}: schema version {version}; {erased_again(count, back)}")
