"""The copy of the database a SQLite ``db restore`` keeps aside holds personal data: the
restore says when it goes, and the daily retention (``db retention``) removes it once it is
as old as the oldest backup kept (``privacy.backup_days``), saying what it removed
(docs/operations.md, "Backup and restore")."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from db.restore_copies import remove_old
from tests.support.city_databases import add_people
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
