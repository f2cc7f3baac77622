"""The copies a SQLite ``db restore`` keeps of the database it replaces
(``nachbarbot.sqlite3.before-restore-STAMP``, with its ``-wal``/``-shm`` when it had them;
``STAMP-2`` … for a further restore within the same second, db/sqlite_restore.py
``unused_stamp``): their names, when they go, and their removal by the daily retention
(bot/app.py). A copy's files share its stamp, and go together.

They hold personal data, so they follow the promise every backup does: an erased person
survives in no copy longer than the oldest backup is kept (``privacy.backup_days``, the
age the backups' rotation keeps; the list of erased accounts keeps each entry as long, so
a copy restored again within its time loses again whoever was erased since). A copy's age
counts from the restore that made it: db/sqlite_restore.py ``swap_in`` gives each file it
moves aside that time as its modification time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from db.sqlite_restore import MARK, SIDE_FILES


def removal_day(kept: datetime, days: int) -> date:
    """The day the daily retention removes a copy kept at ``kept``: ``days`` later."""
    return (kept + timedelta(days=days)).date()


@dataclass(frozen=True)
class Removed:
    """One copy removed: its files (the database's first) and the day it was kept."""

    files: list[Path]
    kept: date


def said(removed: list[Removed]) -> str:
    """The operator's line for ``removed`` (paths and dates only: nothing of what they held)."""
    copies = "1 copy" if len(removed) == 1 else f"{len(removed)} copies"
    days = ", ".join(sorted({copy.kept.isoformat() for copy in removed}))
    files = "; ".join(", ".join(str(path) for path in copy.files) for copy in removed)
    return f"removed {copies} kept before a restore, from {days}: {files}"


def remove_old(database: Path, days: int, now: datetime) -> list[Removed]:
    """Remove the copies kept beside ``database`` by a restore more than ``days`` ago; what
    was removed, oldest first. A copy's files go together (its ``-wal`` is part of it)."""
    copies: dict[str, list[Path]] = {}
    for path in database.parent.glob(f"{database.name}*{MARK}*"):
        stem, _, stamp = path.name.rpartition(MARK)
        if stem in {database.name, *(f"{database.name}{s}" for s in SIDE_FILES)}:
            copies.setdefault(stamp, []).append(path)
    oldest = now - timedelta(days=days)
    removed = []
    for files in copies.values():
        kept = datetime.fromtimestamp(max(path.stat().st_mtime for path in files), UTC)
        if kept < oldest:
            for path in files:
                path.unlink(missing_ok=True)
            removed.append(Removed(sorted(files, key=lambda path: len(path.name)), kept.date()))
    return sorted(removed, key=lambda copy: copy.kept)
