"""The copy of the database a SQLite ``db restore`` keeps aside holds personal data: the
restore says when it goes, and the daily retention (``db retention``) removes it once it is
as old as the oldest backup kept (``privacy.backup_days``), saying what it removed
(docs/operations.md, "Backup and restore")."""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from db.restore_copies import remove_old
from db.sqlite_restore import swap_in
from tests.support.city_databases import add_people, people_names
from tests.support.cli import run_bot

DAYS = {"NACHBARBOT_PRIVACY__BACKUP_DAYS": "14"}


def _age(paths: list[Path], days: float) -> None:
    then = time.time() - days * 86400
    for path in paths:
        os.utime(path, (then, then))


async def test_the_copy_a_restore_kept_goes_with_the_oldest_backup(tmp_path):
    live = tmp_path / "nachbarbot.sqlite3"
    await add_people(str(live), "x", ["Erika Mustermann"], main=True)
    backup = tmp_path / "backup.sqlite3"
    assert run_bot("db", "backup", str(backup), database=live, env=DAYS).returncode == 0

    restored = run_bot("db", "restore", str(backup), database=live, env=DAYS)
    assert restored.returncode == 0, restored.stderr
    aside = sorted(tmp_path.glob("nachbarbot.sqlite3*.before-restore-*"))
    assert aside
    gone = (datetime.now(UTC) + timedelta(days=14)).date().isoformat()
    told = [line for line in restored.stdout.splitlines() if str(aside[0]) in line]
    assert told and gone in told[0], restored.stdout

    young = run_bot("db", "retention", database=live, env=DAYS)
    assert young.returncode == 0, young.stderr
    assert sorted(tmp_path.glob("nachbarbot.sqlite3*.before-restore-*")) == aside
    assert "removed" not in young.stdout

    _age(aside, 13.5)
    assert run_bot("db", "retention", database=live, env=DAYS).returncode == 0
    assert sorted(tmp_path.glob("nachbarbot.sqlite3*.before-restore-*")) == aside

    _age(aside, 15)
    old = run_bot("db", "retention", database=live, env=DAYS)
    assert old.returncode == 0, old.stderr
    assert not list(tmp_path.glob("*.before-restore-*"))
    kept = (datetime.now(UTC) - timedelta(days=15)).date().isoformat()
    line = next(line for line in old.stdout.splitlines() if "removed" in line)
    assert f"removed 1 copy kept before a restore, from {kept}: {aside[0]}" in line
    assert "Erika" not in old.stdout and "Mustermann" not in old.stdout
    assert live.exists() and backup.exists()


def test_only_the_databases_own_old_copies_go(tmp_path):
    database = tmp_path / "nachbarbot.sqlite3"
    old = [
        tmp_path / "nachbarbot.sqlite3.before-restore-2026-11-01T000000Z",
        tmp_path / "nachbarbot.sqlite3-wal.before-restore-2026-11-01T000000Z",
    ]
    young = tmp_path / "nachbarbot.sqlite3.before-restore-2026-11-27T000000Z"
    other = tmp_path / "nachbarbot.unna.sqlite3.before-restore-2026-11-01T000000Z"
    for path in (*old, young, other):
        path.write_bytes(b"x")
    _age([*old, other], 20)

    removed = remove_old(database, 14, datetime.now(UTC))

    assert [copy.files for copy in removed] == [old]
    assert young.exists() and other.exists()
    assert not any(path.exists() for path in old)


# Every restore of the process in the same second, as two restores a script runs one after
# the other may be.
ONE_SECOND = "import bot.cli.backup_rotation as r; r.new_stamp = lambda: '2026-11-27T101500Z'"


def _people(copy: Path) -> list[str]:
    """Who a copy holds, read without writing anything beside it (no -wal, no -shm)."""
    conn = sqlite3.connect(f"file:{copy}?immutable=1", uri=True)
    try:
        return [row[0] for row in conn.execute("SELECT platform_user_id FROM users ORDER BY 1")]
    finally:
        conn.close()


async def test_a_second_restore_in_the_same_second_keeps_the_first_ones_copy(tmp_path):
    """The database before the first restore (with Erika, whom the backup lacks) is kept
    aside by it, and the second restore keeps its own copy beside it (before, the second
    moved the restored database aside under the same name, replacing the first's copy: the
    only database that held Erika was gone). The retention removes both once old."""
    live = tmp_path / "nachbarbot.sqlite3"
    await add_people(str(live), "x", ["max"], main=True)
    backup = tmp_path / "backup.sqlite3"
    assert run_bot("db", "backup", str(backup), database=live, env=DAYS).returncode == 0
    await add_people(str(live), "x", ["erika"], main=True)

    for _ in range(2):
        done = run_bot("db", "restore", str(backup), database=live, env=DAYS, prelude=ONE_SECOND)
        assert done.returncode == 0, done.stderr
    assert await people_names(str(live), "x", main=True) == ["max"]
    aside = sorted(tmp_path.glob("nachbarbot.sqlite3.before-restore-*"))
    assert len(aside) == 2, aside
    assert sorted(map(_people, aside)) == [["erika", "max"], ["max"]]
    told = [line for line in done.stdout.splitlines() if "moved aside" in line]
    assert told and f"moved aside: {aside[1]} - " in told[0], done.stdout

    _age(list(tmp_path.glob("*.before-restore-*")), 15)
    old = run_bot("db", "retention", database=live, env=DAYS)
    assert old.returncode == 0, old.stderr
    assert "removed 2 copies kept before a restore" in old.stdout, old.stdout
    assert not list(tmp_path.glob("*.before-restore-*"))


def test_a_copy_never_takes_the_name_of_another_copys_file(tmp_path):
    """The stamp is free for each file of a copy: an older copy's -wal left under it (its
    database file deleted by hand) is neither replaced nor made part of the new copy."""
    database = tmp_path / "nachbarbot.sqlite3"
    stamp = "2026-11-27T101500Z"
    left = tmp_path / f"nachbarbot.sqlite3-wal.before-restore-{stamp}"
    left.write_bytes(b"old wal")
    database.write_bytes(b"live")
    copy = tmp_path / ".restoring"
    copy.write_bytes(b"restored")

    moved = swap_in(copy, database, stamp)

    assert [path.name for path in moved] == [f"nachbarbot.sqlite3.before-restore-{stamp}-2"]
    assert moved[0].read_bytes() == b"live" and left.read_bytes() == b"old wal"
    assert database.read_bytes() == b"restored"
