"""``db backup`` and ``db restore`` (bot/cli/backups.py, db/sqlite_restore.py) where they
cannot do their work, as an operator of several cities meets it: a refusal names the city
and the file it is about, a disk that takes no more (here a process's file-size limit, as a
full disk refuses a write) is said in a line - never a traceback - and leaves no half copy
behind. The main paths are in test_backup_restore.py."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from db.database import latest_migration
from tests.support.city_databases import add_people, people_names
from tests.support.cli import run_bot
from tests.support.two_cities import write_cities

# The bot's process may write no file larger than this (SIGXFSZ is ignored by Python, so a
# write beyond it fails with EFBIG, as one on a full disk fails with ENOSPC); a database
# copy is far larger.
NO_ROOM = "import resource; resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))"


def _bot(config: Path, *args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    return run_bot("--config", str(config), *args, prelude=prelude)


async def _two_cities(tmp_path: Path) -> tuple[Path, str, Path]:
    """Dortmund and Unna, one person each, and an empty folder for backups: the
    configuration, the main database and the backup's main file (not made yet)."""
    database = str(tmp_path / "var" / "nachbarbot.sqlite3")
    config = write_cities(tmp_path, database)
    await add_people(database, "dortmund", ["d1"], main=True)
    await add_people(database, "unna", ["u1"], main=False)
    backup = tmp_path / "backups" / "b.sqlite3"
    backup.parent.mkdir()
    return config, database, backup


async def _two_cities_backed_up(tmp_path: Path) -> tuple[Path, str, Path]:
    """:func:`_two_cities`, a backup of both, then one more person each."""
    config, database, backup = await _two_cities(tmp_path)
    made = _bot(config, "db", "backup", str(backup))
    assert made.returncode == 0, made.stderr
    await add_people(database, "dortmund", ["d2"], main=True)
    await add_people(database, "unna", ["u2"], main=False)
    return config, database, backup


def _truncated(copy: Path) -> None:
    copy.write_bytes(copy.read_bytes()[: copy.stat().st_size // 2])


def _newer(copy: Path) -> None:
    with sqlite3.connect(copy) as conn:
        conn.execute(
            "INSERT INTO schema_version (version, name, applied_at, checksum)"
            " VALUES (?, 'newer', '2027-01-01T00:00:00Z', 'x')",
            (latest_migration() + 1,),
        )
    conn.close()


def _table_gone(copy: Path) -> None:
    with sqlite3.connect(copy) as conn:
        conn.execute("DROP TABLE user_roles")
    conn.close()


async def _unchanged(database: str) -> None:
    assert await people_names(database, "dortmund", main=True) == ["d1", "d2"]
    assert await people_names(database, "unna", main=False) == ["u1", "u2"]


@pytest.mark.parametrize("damage", [_truncated, _newer, _table_gone])
async def test_a_refused_copy_is_named_by_its_city_and_file(tmp_path, damage):
    """Unna's copy damaged: the refusal says it is Unna's, and which file (before, a
    truncated or newer copy was refused as "the backup is …" with neither)."""
    config, database, backup = await _two_cities_backed_up(tmp_path)
    unna_copy = backup.parent / "b.unna.sqlite3"
    damage(unna_copy)

    refused = _bot(config, "db", "restore", str(backup))
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert "nothing was restored" in refused.stderr
    assert f"unna: {unna_copy}" in refused.stderr, refused.stderr
    await _unchanged(database)


async def test_a_restore_that_cannot_write_says_so_and_changes_nothing(tmp_path):
    """No room beside the database for the checked copy: one line saying so, exit 1, the
    live databases as they were and no copy left (before: a traceback from shutil)."""
    config, database, backup = await _two_cities_backed_up(tmp_path)

    refused = _bot(config, "db", "restore", str(backup), prelude=NO_ROOM)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr, refused.stderr
    assert "dortmund:" in refused.stderr and str(backup) in refused.stderr
    assert "nothing was restored" in refused.stderr
    assert not list(Path(database).parent.glob(".*.restoring*"))
    await _unchanged(database)


async def test_a_backup_that_cannot_write_leaves_no_half_copy(tmp_path):
    """No room for the copy: exit 1, the city named, and no half-written file under the
    backup's name - the nightly rotation would count it, and a second try with the name
    would be refused as "exists already"."""
    config, _, backup = await _two_cities(tmp_path)

    failed = _bot(config, "db", "backup", str(backup), prelude=NO_ROOM)
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr, failed.stderr
    assert "dortmund:" in failed.stderr and "incomplete" in failed.stderr
    assert not list(backup.parent.iterdir())

    again = _bot(config, "db", "backup", str(backup))
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["db", "backup", ""],
        ["db", "restore", " "],
        # The unit's line with its folder in a variable left unset: before, an upgrade that
        # migrated with no backup at all, and said nothing of it.
        ["db", "migrate", "--backup-into", ""],
    ],
)
def test_an_empty_path_is_refused_before_anything_is_done(tmp_path, command):
    database = str(tmp_path / "var" / "nachbarbot.sqlite3")
    config = write_cities(tmp_path, database)

    refused = _bot(config, *command)
    assert refused.returncode == 2, refused.stdout
    assert "Traceback" not in refused.stderr, refused.stderr
    assert "empty" in refused.stderr
    assert not Path(database).parent.exists()


async def test_a_restore_names_the_copies_of_cities_it_does_not_know(tmp_path):
    """Restored on a machine whose configuration lacks Unna (its city file forgotten, or the
    city removed since): Dortmund is restored, and the output says that Unna's copy in the
    backup was not (before, it was left without a word, and the operator believed the whole
    installation back)."""
    config, database, backup = await _two_cities_backed_up(tmp_path)
    (tmp_path / "cities" / "unna.toml").unlink()

    restored = _bot(config, "db", "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert await people_names(database, "dortmund", main=True) == ["d1"]
    unna_copy = backup.parent / "b.unna.sqlite3"
    said = [line for line in restored.stdout.splitlines() if str(unna_copy) in line]
    assert said and "not restored" in said[0] and "unna" in said[0], restored.stdout
    assert str(backup.parent / "b.erased") not in restored.stdout
