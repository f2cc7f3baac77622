"""``db rotate FOLDER``: the nightly backups' rotation (deploy/nachbarbot-backup.sh runs it
after each ``db backup``), by age: every file of a backup older than its city's
``privacy.backup_days`` is deleted, and each deleted file is named.

``privacy.backup_days`` is what the privacy notice tells people ("backups are deleted
after N days") and how long the list of erased accounts keeps an entry (a restore erases
again whom it names). A rotation that counted backups broke both after nights the machine
was off: fourteen backups could then span three weeks, and a restore of the oldest brought
back people the list had forgotten.

A backup's age is the UTC time in its name, written by the command that made it
(``nachbarbot-2026-11-27T031500Z.sqlite3``, ``…-before-0043.sqlite3`` of the upgrade step,
``….dump`` on PostgreSQL), not the file's modification time, which a copy back from another
disk (cp, rsync without -t, a restore of the folder) sets to the day of that copy. A
PostgreSQL restore's copy of the database as it was (``….dump.before-restore-STAMP.dump``,
bot/cli/pg_backups.py) is as old as its own STAMP, the time it was taken.

Which setting: a city's copy (``x.unna.sqlite3``, ``x.unna.erased``) its city's; the main
city's files the main city's; a dump (every city in it) and the copy of a city this
configuration no longer has the smallest of all the cities' (the strictest promise).

The rotation runs once a night: a copy is deleted at the run after which it would be older
than ``privacy.backup_days`` before the next one (``NIGHT`` before), so that no backup lives
past the figure - and past the erasure list's entries - waiting for a run. The newest backup
in the folder (the one the nightly script just took) is never deleted, whatever its age.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.cities import City
from db.database import CITY_SLUG

# How often the rotation runs (deploy/nachbarbot-backup.timer, nachbarbot-pg-backup.timer).
NIGHT = timedelta(days=1)
# A backup's time in its name, as every command that makes one writes it (:func:`new_stamp`;
# the deploy/ scripts' ``date -u +%Y-%m-%dT%H%M%SZ``) and the rotation reads it.
STAMP_FORMAT = "%Y-%m-%dT%H%M%SZ"
_STAMP = r"\d{4}-\d\d-\d\dT\d{6}Z"
# nachbarbot-<time>[-before-NNNN].<rest>: a backup's files (each city's copy, its list of
# erased accounts, a -wal or -shm an sqlite3 shell left beside one, a dump).
_NAME = re.compile(rf"nachbarbot-(?P<stamp>{_STAMP})(?:-before-\d{{4}})?\.(?P<rest>.+)")
# A PostgreSQL restore's copy of the database as it was, beside the dump it restored.
_RESTORE_COPY = re.compile(rf"\.before-restore-(?P<stamp>{_STAMP})(?:-\d+)?\.dump$")
# What follows the time in a main city's file (no city's slug before it).
_MAIN_SUFFIXES = ("sqlite3", "erased", "dump")


def new_stamp() -> str:
    """Now, as a backup's name carries it."""
    return datetime.now(UTC).strftime(STAMP_FORMAT)


def stamp_time(stamp: str) -> datetime:
    return datetime.strptime(stamp, STAMP_FORMAT).replace(tzinfo=UTC)


@dataclass(frozen=True)
class BackupFile:
    path: Path
    made: datetime  # the time in its name
    whose: str  # the city's slug, or "every city" for a dump
    days: int  # the privacy.backup_days that applies

    def due(self, now: datetime) -> bool:
        """Older than its days by the next night's run."""
        return now - self.made > timedelta(days=self.days) - NIGHT


def classify(path: Path, cities: list[City]) -> BackupFile | None:
    """The backup file ``path`` with its time and setting; None for a name without a time
    (not the rotation's to judge)."""
    named = _NAME.fullmatch(path.name)
    if named is None:
        return None
    made = stamp_time(named["stamp"])
    restore_copy = _RESTORE_COPY.search(path.name)
    if restore_copy:
        made = stamp_time(restore_copy["stamp"])
    strictest = min(city.config.privacy.backup_days for city in cities)
    head, _, tail = named["rest"].partition(".")
    if head in _MAIN_SUFFIXES or not tail or not CITY_SLUG.fullmatch(head):
        if head == "dump":
            return BackupFile(path, made, "every city", strictest)
        return BackupFile(path, made, cities[0].slug, cities[0].config.privacy.backup_days)
    for city in cities:
        if city.slug == head:
            return BackupFile(path, made, city.slug, city.config.privacy.backup_days)
    return BackupFile(path, made, head, strictest)  # a city removed since: the strictest


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _age(now: datetime, made: datetime) -> str:
    days = (now - made) / timedelta(days=1)
    return f"{days:.1f} days old"


def rotate(cities: list[City], folder: str, now: datetime | None = None) -> int:
    """Delete the backups in ``folder`` that are due (:meth:`BackupFile.due`), naming each;
    0, or 1 where the folder cannot be read or a file not deleted."""
    now = now or datetime.now(UTC)
    where = Path(folder)
    try:
        names = sorted(where.iterdir())
    except OSError as exc:
        print(f"nachbarbot: {folder}: {exc.strerror or exc}; nothing was deleted", file=sys.stderr)
        return 1
    files = [(path, classify(path, cities)) for path in names if path.is_file()]
    found = [each for _, each in files if each is not None]
    _unjudged((path for path, each in files if each is None), now)
    newest = max((each.made for each in found), default=None)
    failed, kept = 0, []
    for each in found:
        if each.made == newest or not each.due(now):
            kept.append(each)
            if each.made > now + NIGHT:
                print(
                    f"nachbarbot: warning: {each.path}: its name's time {_when(each.made)} is"
                    " in the future - the clock was wrong when it was made, or is now; the"
                    " rotation keeps it until it is due by that time: check it and delete it by"
                    " hand",
                    file=sys.stderr,
                )
            continue
        try:
            each.path.unlink()
        except OSError as exc:
            print(
                f"nachbarbot: {each.path} could not be deleted: {exc.strerror or exc}",
                file=sys.stderr,
            )
            failed = 1
            continue
        print(
            f"deleted {each.path} - {each.whose}'s backup from {_when(each.made)},"
            f" {_age(now, each.made)}; privacy.backup_days {each.days}"
        )
    _say_kept(where, kept, now)
    _say_newest_past(where, [each for each in kept if each.made == newest], now)
    return failed


def _say_newest_past(folder: Path, newest: list[BackupFile], now: datetime) -> None:
    """Warn where the newest backup, kept whatever its age, is older than its
    privacy.backup_days: the rotation keeps it past the privacy notice's figure (no
    backup was taken since - a rotation run by hand, a backup step that fails), and the
    list of erased accounts no longer names everyone a restore of it would bring back.
    Before, it was counted among the kept files without a word."""
    past = [each for each in newest if now - each.made > timedelta(days=each.days)]
    if not past:
        return
    days = min(each.days for each in past)
    print(
        f"nachbarbot: warning: the newest backup in {folder}, from {_when(past[0].made)}"
        f" ({_age(now, past[0].made)}), is older than privacy.backup_days ({days}) and is"
        f" kept all the same, for it is the last there is: {', '.join(e.path.name for e in past)}"
        f" - a restore of it would bring back people erased more than {days} days ago; take"
        " a new backup (db backup) - the next rotation deletes this one",
        file=sys.stderr,
    )


def _unjudged(paths: Iterable[Path], now: datetime) -> None:
    """Say the files of the folder that look like a backup but carry no time in their
    name: they may hold personal data the rotation never deletes."""
    for path in paths:
        if path.name.startswith("nachbarbot-"):
            print(
                f"nachbarbot: warning: {path} is left alone - no UTC time in its name"
                " (nachbarbot-YYYY-MM-DDTHHMMSSZ…): delete it by hand once it is older than"
                " privacy.backup_days",
                file=sys.stderr,
            )


def _say_kept(folder: Path, kept: list[BackupFile], now: datetime) -> None:
    if not kept:
        print(f"kept: no backup in {folder}")
        return
    oldest = min(kept, key=lambda each: each.made)
    files = "1 file" if len(kept) == 1 else f"{len(kept)} files"
    print(
        f"kept: {files} in {folder}, the oldest {oldest.path.name} from"
        f" {_when(oldest.made)} ({_age(now, oldest.made)}; privacy.backup_days {oldest.days})"
    )
