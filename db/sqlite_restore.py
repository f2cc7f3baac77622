"""Putting a SQLite backup in place of a city's database file (``db restore``,
bot/cli/backups.py), so that nothing of the old file can reach the restored one.

A crashed process leaves ``-wal`` and ``-shm`` beside the file; copied over, the backup
would get the old WAL replayed onto it (rows that were never in the backup, or a corrupt
index). So: refuse while any process has the file open (:func:`in_use`), check the backup
on a copy beside the file (:func:`check_copy`: integrity, a schema this code knows, the WAL
emptied), then move the old file and its ``-wal``/``-shm`` aside and rename the checked
copy into place (:func:`swap_in`) - the restored file has no WAL at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from db.database import latest_migration

# SQLite's own locks (src/os_unix.c): every connection to a WAL database holds a shared lock
# on this byte of the -shm file while it is open, idle or not; a killed process holds none.
SHM_DMS_BYTE = 128
# And on the database file, the pending, reserved and shared bytes (rollback journal mode).
PENDING_BYTE = 0x40000000
LOCK_BYTES = 512
SIDE_FILES = ("-wal", "-shm", "-journal")
# A replaced database kept aside: ``nachbarbot.sqlite3.before-restore-STAMP``, STAMP the
# restore's UTC second (``-2``, ``-3`` … after it for a further restore within that second;
# their removal: db/restore_copies.py).
MARK = ".before-restore-"


class RestoreError(RuntimeError):
    """The restore was refused; nothing was changed."""


def _locked_by_another(path: Path, start: int, length: int) -> bool:
    try:
        fd = os.open(path, os.O_RDWR)
    except (FileNotFoundError, NotADirectoryError):  # not there, nor can it be
        return False
    try:
        # A POSIX record lock: it conflicts with SQLite's in every other process. (Closing
        # the descriptor drops this process's locks on the file: it has no connection open.)
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, length, start, os.SEEK_SET)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, length, start, os.SEEK_SET)
        return False
    finally:
        os.close(fd)


def not_writable(database: Path) -> str:
    """Why this process may not write ``database`` - its file, or the folder its journal,
    its -wal and -shm and a restore's copies go into - or "": a file system mounted
    read-only, or a command run as another user than the bot's. SQLite says only "unable
    to open database file", and a restore would fail half-way through (the copy, the
    rename)."""
    folder = database.parent if str(database.parent) else Path(".")
    for path, subject in ((database, "it"), (folder, f"its folder {folder}")):
        if not path.exists() or os.access(path, os.R_OK | os.W_OK):
            continue
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return f"{subject} is on a file system mounted read-only"
        return (
            f"{subject} belongs to uid {path.stat().st_uid} and this user (uid"
            f" {os.geteuid()}) may not write it - run the command as the bot's user"
        )
    return ""


def in_use(database: Path) -> bool:
    """Whether another process (the bot, the web, an sqlite3 shell) has ``database`` open."""
    return _locked_by_another(Path(f"{database}-shm"), SHM_DMS_BYTE, 1) or _locked_by_another(
        database, PENDING_BYTE, LOCK_BYTES
    )


def holders(database: Path) -> list[int] | None:
    """The other processes that have ``database`` open - a WAL connection's lock on its
    ``-shm`` file, or a lock on the file itself - read from the kernel's /proc/locks, never
    by opening the file: closing a descriptor of it would drop this process's own SQLite
    locks (POSIX locks are the process's, whichever descriptor took them). None where there
    is no /proc/locks to read (not Linux)."""
    try:
        table = Path("/proc/locks").read_text(encoding="ascii")
    except OSError:
        return None
    files = set()
    for path in (Path(f"{database}-shm"), database):
        with contextlib.suppress(OSError):
            st = path.stat()
            files.add(f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}")
    found: set[int] = set()
    for line in table.splitlines():
        # "1: POSIX  ADVISORY  READ 22995 fe:00:2761898 128 128"; a waiter's line has "->"
        # after the number, and open-file-description locks no process (-1).
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "POSIX" and fields[5] in files:
            with contextlib.suppress(ValueError):
                found.add(int(fields[4]))
    return sorted(pid for pid in found if pid > 0 and pid != os.getpid())


def check_copy(backup: Path, copy: Path) -> int:
    """Copy ``backup`` to ``copy`` (readable by the owner only) and check it there: its
    integrity and a schema version this code knows. The copy's schema version; a
    RestoreError naming ``backup`` (and no copy left) for a backup that may not be restored
    or cannot be copied there (a full disk, a folder that may not be written to)."""
    if not backup.is_file():
        raise RestoreError(f"{backup}: no such file")
    for suffix in SIDE_FILES:
        if Path(f"{backup}{suffix}").exists() and not only_an_empty_wal(backup):
            raise RestoreError(
                f"{backup}{suffix} exists: the backup is in use or was not closed cleanly;"
                " use a copy made by `db backup`"
            )
    try:
        fd = os.open(copy, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        os.close(fd)
        shutil.copyfile(backup, copy)
    except OSError as exc:  # a full disk, a folder the operator may not write to
        discard(copy)
        raise RestoreError(
            f"{backup} could not be copied beside the database to {copy}: {exc.strerror or exc}"
        ) from exc
    try:
        version = _checked(copy)
    except RestoreError as exc:
        discard(copy)
        raise RestoreError(f"{backup}: {exc}") from exc
    except BaseException:
        discard(copy)
        raise
    return version


def only_an_empty_wal(backup: Path) -> bool:
    """Whether what lies beside ``backup`` is an empty -wal (and its -shm) and nothing else:
    what a reader of a WAL backup (``sqlite3 -readonly``) leaves. An empty WAL holds no
    page, so the file alone is the whole backup: it is restored, and the restore says so."""
    wal = Path(f"{backup}-wal")
    return wal.exists() and wal.stat().st_size == 0 and not Path(f"{backup}-journal").exists()


def discard(copy: Path) -> None:
    """Remove a copy that is not restored, with any side file it got."""
    for leftover in (copy, *(Path(f"{copy}{suffix}") for suffix in SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):  # nor can it be
            leftover.unlink()


def _checked(copy: Path) -> int:
    try:
        conn = sqlite3.connect(copy, isolation_level=None)
        try:
            (result,) = conn.execute("PRAGMA integrity_check").fetchone()
            if result != "ok":
                raise RestoreError(f"the backup fails SQLite's integrity check: {result}")
            rows = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
            version = int(rows[0])
        finally:
            conn.close()
        settle(copy)
    except sqlite3.DatabaseError as exc:
        raise RestoreError(f"the backup is not a readable nachbarbot database: {exc}") from exc
    latest = latest_migration()
    if version > latest:
        raise RestoreError(
            f"the backup has schema version {version}, newer than this nachbarbot knows"
            f" ({latest}): restore it with the version that made it"
        )
    return version


def settle(copy: Path) -> None:
    """Empty and remove the copy's own WAL: the file alone is the whole database."""
    conn = sqlite3.connect(copy, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def unused_stamp(stamp: str, taken: Callable[[str], bool]) -> str:
    """``stamp``, or ``stamp-2``, ``stamp-3`` … - the first that ``taken`` says no copy
    has yet: a stamp counts seconds, and a second restore within the same second must not
    replace the copy the first one kept (it may be the only copy of the database before
    both)."""
    unused, count = stamp, 1
    while taken(unused):
        count += 1
        unused = f"{stamp}-{count}"
    return unused


def _aside(path: Path, stamp: str) -> Path:
    return path.with_name(f"{path.name}{MARK}{stamp}")


def swap_in(copy: Path, database: Path, stamp: str) -> list[Path]:
    """Move ``database`` and its side files aside (``….before-restore-STAMP``, the stamp
    made unique: :func:`unused_stamp`) and rename the checked ``copy`` into its place; the
    paths moved aside, each with the time of the restore as its modification time (the
    daily retention counts a copy's age from it)."""
    files = (database, *(Path(f"{database}{suffix}") for suffix in SIDE_FILES))
    # Free for every file of the copy, present or not: an old copy's -wal left alone would
    # otherwise be counted as part of the new one (db/restore_copies.py).
    stamp = unused_stamp(stamp, lambda s: any(_aside(path, s).exists() for path in files))
    moved = []
    for path in files:
        if path.exists():
            aside = _aside(path, stamp)
            os.replace(path, aside)
            os.utime(aside)  # a moved file keeps its last write time: not when it was kept
            moved.append(aside)
    for suffix in SIDE_FILES:
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    os.replace(copy, database)
    folder = os.open(database.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the renames survive a power cut
    finally:
        os.close(folder)
    return moved
