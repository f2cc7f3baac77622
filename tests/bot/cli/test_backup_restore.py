"""``db backup`` and ``db restore`` as an operator runs them (docs/operations.md): every city
of the installation, one city alone, over a crashed database's leftovers, refused while a
process holds the database, and erasures since the backup done again (issue 78, 3-5).
SQLite here; PostgreSQL in test_backup_restore_postgresql.py."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import stat
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from db.database import latest_migration
from tests.support.city_databases import add_people, erase_person, people_names
from tests.support.cli import ROOT, run_bot
from tests.support.two_cities import unna_alone, write_cities


def _bot(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_bot("--config", str(config), *args)


async def test_a_backup_holds_every_city_and_a_restore_can_take_one(tmp_path):
    database = str(tmp_path / "var" / "nachbarbot.sqlite3")
    config = write_cities(tmp_path, database)
    await add_people(database, "dortmund", ["d1", "d2"], main=True)
    await add_people(database, "unna", ["u1"], main=False)

    backup = tmp_path / "backups" / "nachbarbot-1.sqlite3"
    backup.parent.mkdir()
    made = _bot(config, "db", "backup", str(backup))
    assert made.returncode == 0, made.stderr
    assert backup.exists() and (backup.parent / "nachbarbot-1.unna.sqlite3").exists()
    assert "dortmund:" in made.stdout and "unna:" in made.stdout

    await add_people(database, "dortmund", ["d3"], main=True)
    await add_people(database, "unna", ["u2"], main=False)
    one = _bot(config, "--city", "unna", "db", "restore", str(backup))
    assert one.returncode == 0, one.stderr
    assert await people_names(database, "unna", main=False) == ["u1"]
    assert await people_names(database, "dortmund", main=True) == ["d1", "d2", "d3"]

    every = _bot(config, "db", "restore", str(backup))
    assert every.returncode == 0, every.stderr
    assert await people_names(database, "dortmund", main=True) == ["d1", "d2"]
    assert await people_names(database, "unna", main=False) == ["u1"]
    check = _bot(config, "db", "check")
    assert check.returncode == 0, check.stdout + check.stderr


async def test_a_restore_refuses_a_backup_without_a_city(tmp_path):
    database = str(tmp_path / "nachbarbot.sqlite3")
    config = write_cities(tmp_path, database)
    await add_people(database, "dortmund", ["d1"], main=True)
    await add_people(database, "unna", ["u1"], main=False)
    backup = tmp_path / "b.sqlite3"
    assert _bot(config, "db", "backup", str(backup)).returncode == 0
    (tmp_path / "b.unna.sqlite3").unlink()
    await add_people(database, "dortmund", ["d2"], main=True)
    refused = _bot(config, "db", "restore", str(backup))
    assert refused.returncode == 1 and "unna" in refused.stderr
    assert await people_names(database, "dortmund", main=True) == ["d1", "d2"]


# A bot process that writes and is killed in the middle of its work: its WAL (with the rows
# it wrote after the backup) and its -shm stay beside the file.
CRASHING_WRITER = """
import asyncio, os, signal, sys
from db import Database

async def main():
    db = await Database.open(sys.argv[1])
    await db.conn.execute("PRAGMA wal_autocheckpoint = 0")
    for n in range(31):
        await db.users.seen("telegram", f"late{n}", f"late{n}", "Late")
    os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(main())
"""


async def test_a_restore_over_a_crashed_database_holds_the_backup_and_nothing_else(tmp_path):
    live = tmp_path / "nachbarbot.sqlite3"
    await add_people(str(live), "x", [f"early{n:02}" for n in range(25)], main=True)
    backup = tmp_path / "backup.sqlite3"
    assert run_bot("db", "backup", str(backup), database=live).returncode == 0

    crashed = subprocess.run(
        [sys.executable, "-c", CRASHING_WRITER, str(live)], cwd=ROOT, capture_output=True
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    wal = Path(f"{live}-wal")
    assert wal.stat().st_size > 0 and Path(f"{live}-shm").exists()

    restored = run_bot("db", "restore", str(backup), database=live)
    assert restored.returncode == 0, restored.stderr
    assert "moved aside" in restored.stdout
    rows = sqlite3.connect(live).execute("SELECT COUNT(*) FROM users").fetchone()
    assert rows == (25,)
    check = run_bot("db", "check", database=live)
    assert check.returncode == 0, check.stdout + check.stderr
    # The crashed file and its WAL are kept aside, the 31 late rows in them.
    aside = sorted(path.name for path in tmp_path.glob("nachbarbot.sqlite3*.before-restore-*"))
    assert len(aside) == 3, aside


HOLDER = """
import asyncio, sys
from db import Database

async def main():
    db = await Database.open(sys.argv[1])
    print("open", flush=True)
    await asyncio.to_thread(sys.stdin.read)
    await db.close()

asyncio.run(main())
"""


async def test_a_restore_refuses_while_a_process_holds_the_database_or_the_backup_is_bad(
    tmp_path,
):
    live = tmp_path / "nachbarbot.sqlite3"
    await add_people(str(live), "x", ["a"], main=True)
    backup = tmp_path / "backup.sqlite3"
    assert run_bot("db", "backup", str(backup), database=live).returncode == 0
    await add_people(str(live), "x", ["b"], main=True)

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(live)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        refused = run_bot("db", "restore", str(backup), database=live)
    finally:
        holder.communicate("", timeout=30)
    assert refused.returncode == 1 and "open in another process" in refused.stderr
    assert await people_names(str(live), "x", main=True) == ["a", "b"]

    newer = tmp_path / "newer.sqlite3"
    newer.write_bytes(backup.read_bytes())
    with sqlite3.connect(newer) as conn:  # a migration this code does not know
        conn.execute(
            "CREATE TEMP TABLE newest AS SELECT * FROM schema_version ORDER BY version DESC LIMIT 1"
        )
        conn.execute("UPDATE newest SET version = ?", (latest_migration() + 1,))
        conn.execute("INSERT INTO schema_version SELECT * FROM newest")
    conn.close()
    refused = run_bot("db", "restore", str(newer), database=live)
    assert refused.returncode == 1 and "newer" in refused.stderr
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(backup.read_bytes()[:4096] + b"\x00" * 8192)
    refused = run_bot("db", "restore", str(broken), database=live)
    assert refused.returncode == 1 and "nothing was restored" in refused.stderr
    assert await people_names(str(live), "x", main=True) == ["a", "b"]
    assert not list(tmp_path.glob("*.before-restore-*"))


@pytest.mark.parametrize(
    "damage",
    [
        # A released migration's text recorded otherwise: this code must not run on it.
        "UPDATE schema_version SET checksum = 'edited' WHERE version = 3",
        # Sound to SQLite, but a table of the schema is gone (a hand-made or foreign file).
        "DROP TABLE user_roles",
    ],
)
async def test_a_restore_refuses_a_backup_this_code_cannot_run_on(tmp_path, damage):
    """Checked before anything is moved: the live database stays in place, whole."""
    live = tmp_path / "nachbarbot.sqlite3"
    await add_people(str(live), "x", ["a"], main=True)
    backup = tmp_path / "backup.sqlite3"
    assert run_bot("db", "backup", str(backup), database=live).returncode == 0
    await add_people(str(live), "x", ["b"], main=True)
    with sqlite3.connect(backup) as conn:
        conn.execute(damage)
    conn.close()
    refused = run_bot("db", "restore", str(backup), database=live)
    assert refused.returncode == 1 and "nothing was restored" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert await people_names(str(live), "x", main=True) == ["a", "b"]
    assert not list(tmp_path.glob("*.before-restore-*"))
    assert not list(tmp_path.glob(".*.restoring*"))


async def test_a_restore_erases_again_whom_was_erased_since_the_backup(tmp_path):
    live = tmp_path / "var" / "nachbarbot.sqlite3"
    await add_people(str(live), "x", ["4917012345678", "keeps"], main=True)
    backup = tmp_path / "backups" / "b.sqlite3"
    backup.parent.mkdir()
    assert run_bot("db", "backup", str(backup), database=live).returncode == 0
    await erase_person(str(live), "x", "4917012345678", main=True)

    restored = run_bot("db", "restore", str(backup), database=live)
    assert restored.returncode == 0, restored.stderr
    assert "erased again: 1 " in restored.stdout
    assert await people_names(str(live), "x", main=True) == ["keeps"]
    # The list holds no account id, and it stays where a restore does not reach.
    listed = (tmp_path / "var" / "nachbarbot.erased").read_text()
    assert "4917012345678" not in listed and "keeps" not in listed
    again = run_bot("db", "restore", str(backup), database=live)
    assert again.returncode == 0 and "erased again: 1 " in again.stdout
    assert await people_names(str(live), "x", main=True) == ["keeps"]


async def test_a_restore_on_a_new_machine_reads_the_list_beside_the_backup(tmp_path):
    live = tmp_path / "old" / "nachbarbot.sqlite3"
    await add_people(str(live), "x", ["gone", "keeps"], main=True)
    first = tmp_path / "first.sqlite3"
    assert run_bot("db", "backup", str(first), database=live).returncode == 0
    await erase_person(str(live), "x", "gone", main=True)
    second = tmp_path / "second.sqlite3"
    assert run_bot("db", "backup", str(second), database=live).returncode == 0
    assert (tmp_path / "second.erased").exists()

    # The machine is lost: a new one restores the older backup, with the newer one's list.
    (tmp_path / "first.erased").unlink(missing_ok=True)
    (tmp_path / "first.erased").write_bytes((tmp_path / "second.erased").read_bytes())
    fresh = tmp_path / "new" / "nachbarbot.sqlite3"
    restored = run_bot("db", "restore", str(first), database=fresh)
    assert restored.returncode == 0, restored.stderr
    assert "erased again: 1 " in restored.stdout
    assert await people_names(str(fresh), "x", main=True) == ["keeps"]


def test_the_erasure_list_holds_no_personal_data(tmp_path):
    live = tmp_path / "nachbarbot.sqlite3"
    asyncio.run(add_people(str(live), "x", ["4915112345678"], main=True))
    asyncio.run(erase_person(str(live), "x", "4915112345678", main=True))
    listed = tmp_path / "nachbarbot.erased"
    assert stat.S_IMODE(listed.stat().st_mode) == 0o600
    lines = listed.read_text().splitlines()
    assert lines[0].startswith("key ") and len(lines) == 2
    when, why, platform, digest = lines[1].split()
    # The moment of the erasure, to the second (issue 99, point 3): no more than that.
    assert (len(when), why, platform, len(digest)) == (20, "deleted", "telegram", 64)
    assert "49151" not in "".join(lines)


def test_the_list_keeps_an_entry_no_longer_than_the_oldest_backup(tmp_path):
    live = tmp_path / "nachbarbot.sqlite3"
    asyncio.run(add_people(str(live), "x", ["old", "new"], main=True))
    asyncio.run(erase_person(str(live), "x", "old", main=True))
    asyncio.run(erase_person(str(live), "x", "new", main=True))
    listed = tmp_path / "nachbarbot.erased"
    key, first, second = listed.read_text().splitlines()
    # The first erasure long ago: older than privacy.backup_days (14) lets an entry be.
    listed.write_text("\n".join([key, "2000-01-01" + first[10:], second, ""]))
    retention = run_bot("db", "retention", database=live)
    assert retention.returncode == 0, retention.stderr
    assert "erasure_list: 1" in retention.stdout
    assert listed.read_text().splitlines() == [key, second]


async def test_a_restore_refuses_another_citys_data(tmp_path):
    """Each database records its city at the first open: another installation's backup, or
    a further city's copy under the main city's name, is refused before anything is moved
    (before, either became Dortmund's data)."""
    other = unna_alone(tmp_path / "other", str(tmp_path / "other" / "unna.sqlite3"))
    assert _bot(other, "db", "migrate").returncode == 0
    await add_people(str(tmp_path / "other" / "unna.sqlite3"), "unna", ["stranger"], main=True)
    theirs = tmp_path / "other" / "backup.sqlite3"
    assert _bot(other, "db", "backup", str(theirs)).returncode == 0

    database = str(tmp_path / "var" / "nachbarbot.sqlite3")
    config = write_cities(tmp_path, database)
    assert _bot(config, "db", "migrate").returncode == 0
    await add_people(database, "dortmund", ["d1"], main=True)
    await add_people(database, "unna", ["u1"], main=False)
    ours = tmp_path / "b.sqlite3"
    assert _bot(config, "db", "backup", str(ours)).returncode == 0
    swapped = tmp_path / "swapped.sqlite3"
    swapped.write_bytes((tmp_path / "b.unna.sqlite3").read_bytes())
    (tmp_path / "swapped.unna.sqlite3").write_bytes((tmp_path / "b.unna.sqlite3").read_bytes())

    for args in (
        ("--city", "dortmund", "db", "restore", str(theirs)),
        ("db", "restore", str(swapped)),
    ):
        refused = _bot(config, *args)
        assert refused.returncode == 1, refused.stdout
        assert "'unna', not of 'dortmund'" in refused.stderr
        assert "nothing was restored" in refused.stderr
    assert await people_names(database, "dortmund", main=True) == ["d1"]
    assert await people_names(database, "unna", main=False) == ["u1"]
    assert not list((tmp_path / "var").glob("*.before-restore-*"))
    # Each city's own copy is taken back as before.
    assert _bot(config, "db", "restore", str(ours)).returncode == 0


# A bot started while db restore checks the backup (a check of a large backup takes a
# minute): started in the restore's own process right after the check, it holds the live
# database open until the restore has ended.
STARTED_DURING_THE_CHECK = """
import subprocess, sys
import bot.cli.backups as backups
from tests.bot.cli.test_backup_restore import HOLDER

checked = backups._runnable

async def runnable(copy, version, city, source):
    await checked(copy, version, city, source)
    bot = subprocess.Popen(
        [sys.executable, "-c", HOLDER, city.location[0]],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert bot.stdout.readline() == "open\\n"
    backups.started = bot

backups._runnable = runnable
"""


async def test_a_restore_checks_again_for_a_bot_right_before_the_swap(tmp_path):
    """Issue 99, point 6d: the other processes were looked for once, before the check."""
    live = tmp_path / "nachbarbot.sqlite3"
    await add_people(str(live), "x", ["a"], main=True)
    backup = tmp_path / "backup.sqlite3"
    assert run_bot("db", "backup", str(backup), database=live).returncode == 0
    await add_people(str(live), "x", ["b"], main=True)
    refused = run_bot("db", "restore", str(backup), database=live, prelude=STARTED_DURING_THE_CHECK)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "open in another process" in refused.stderr and "nothing was restored" in refused.stderr
    assert await people_names(str(live), "x", main=True) == ["a", "b"]
    assert not list(tmp_path.glob("*.before-restore-*"))
    assert not list(tmp_path.glob(".*.restoring*"))


async def test_a_backup_looked_at_read_only_is_still_restored(tmp_path):
    """Issue 99, point 6a: a backup looked at with ``sqlite3 -readonly`` got an empty -wal
    beside it and could no longer be restored. A backup is now written without WAL (a
    reader leaves nothing beside it), and a backup of before with an empty -wal beside it
    is restored, saying so."""
    live = tmp_path / "nachbarbot.sqlite3"
    await add_people(str(live), "x", ["a"], main=True)
    backup = tmp_path / "backup.sqlite3"
    assert run_bot("db", "backup", str(backup), database=live).returncode == 0
    with closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as reader:
        assert reader.execute("SELECT COUNT(*) FROM users").fetchone()[0] >= 1
    assert not Path(f"{backup}-wal").exists()
    await add_people(str(live), "x", ["b"], main=True)
    assert run_bot("db", "restore", str(backup), database=live).returncode == 0
    assert await people_names(str(live), "x", main=True) == ["a"]

    # A backup of before (WAL) that a reader left an empty -wal beside.
    with closing(sqlite3.connect(backup)) as old:
        old.execute("PRAGMA journal_mode = WAL")
    Path(f"{backup}-wal").write_bytes(b"")
    await add_people(str(live), "x", ["c"], main=True)
    restored = run_bot("db", "restore", str(backup), database=live)
    assert restored.returncode == 0, restored.stderr
    assert "-wal is empty" in restored.stdout and "ignored" in restored.stdout
    assert await people_names(str(live), "x", main=True) == ["a"]
