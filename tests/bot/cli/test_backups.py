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


def _read_only(folder: Path) -> str:
    """A prelude: ``folder`` as on a file system mounted read-only (the tests run as root,
    whom permissions do not stop, and may not mount): nothing under it opens for writing,
    ``access`` says so, ``statvfs`` has ST_RDONLY, and nothing is removed there (EROFS, as
    Linux says it even of a file that is not there). SQLite's own opening of a file is not
    reached by it: the command must see the read-only folder before."""
    return f"""
import errno, os
_ro = {str(folder)!r}
_open, _access, _statvfs, _unlink = os.open, os.access, os.statvfs, os.unlink
def _under(path):
    return os.path.abspath(os.fsdecode(path)).startswith(_ro)
def _opened(path, flags, *args, **kwargs):
    if _under(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))
    return _open(path, flags, *args, **kwargs)
def _unlinked(path, *args, **kwargs):
    if _under(path):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))
    return _unlink(path, *args, **kwargs)
def _accessible(path, mode, *args, **kwargs):
    return not (_under(path) and mode & os.W_OK) and _access(path, mode, *args, **kwargs)
class _Read:
    def __init__(self, found): self.found = found
    def __getattr__(self, name):
        value = getattr(self.found, name)
        return value | os.ST_RDONLY if name == "f_flag" else value
def _stat(path):
    return _Read(_statvfs(path)) if _under(path) else _statvfs(path)
os.open, os.access, os.statvfs, os.unlink = _opened, _accessible, _stat, _unlinked
"""


async def test_a_restore_onto_a_read_only_folder_says_so(tmp_path):
    """The databases' folder on a file system mounted read-only (or another user's, for
    an operator not running as the bot's user): before, a traceback from the check whether
    another process holds the database (os.open's EROFS); now one line naming each city's
    file and why, exit 1, nothing changed."""
    config, database, backup = await _two_cities_backed_up(tmp_path)
    folder = Path(database).parent
    before = sorted(folder.iterdir())

    refused = _bot(config, "db", "restore", str(backup), prelude=_read_only(folder))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr and refused.stderr.count("\n") == 1, refused.stderr
    for city, live in (("dortmund", database), ("unna", folder / "nachbarbot.unna.sqlite3")):
        assert f"{city}: {live} cannot be written: it is on a file system mounted read-only" in (
            refused.stderr
        )
    assert refused.stderr.endswith("; nothing was restored\n")
    assert sorted(folder.iterdir()) == before
    await _unchanged(database)


async def test_a_backup_into_a_read_only_folder_says_so(tmp_path):
    """The backups' folder on a file system mounted read-only (a disk mounted wrongly, a
    forgotten remount): before, "the copy failed (OperationalError: unable to open database
    file)" on a real mount, or a traceback from removing the copy that never began. Now
    one line naming the folder and why, exit 1, nothing written."""
    config, _, backup = await _two_cities(tmp_path)

    refused = _bot(config, "db", "backup", str(backup), prelude=_read_only(backup.parent))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr and refused.stderr.count("\n") == 1, refused.stderr
    assert f"dortmund: {backup} cannot be written: its folder {backup.parent} is on a file" in (
        refused.stderr
    )
    assert "mounted read-only" in refused.stderr and "no backup was made" in refused.stderr
    assert not list(backup.parent.iterdir())


async def test_a_backup_of_a_database_on_a_read_only_mount_says_so(tmp_path):
    """The databases' folder mounted read-only: SQLite cannot open a database there (it
    writes its -shm beside it to read it), and said only "unable to open database file".
    Now the city, its file and why, before any copy is begun."""
    config, database, backup = await _two_cities(tmp_path)
    live = Path(database)

    refused = _bot(config, "db", "backup", str(backup), prelude=_read_only(live.parent))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr and refused.stderr.count("\n") == 1, refused.stderr
    for city, file in (("dortmund", live), ("unna", live.with_name("nachbarbot.unna.sqlite3"))):
        assert f"{city}: {file} cannot be opened to copy it: it is on a file system mounted" in (
            refused.stderr
        )
    assert "no backup was made" in refused.stderr
    assert not list(backup.parent.iterdir())


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


def _ctrl_c_in(module: str, name: str, when: str) -> str:
    """A prelude: ``module``'s ``name`` (a coroutine function, or ``Class.method``) gets a
    Ctrl-C (SIGINT to the process, as the terminal sends it) where its ``args`` make
    ``when`` true, then waits as a long copy or check would; otherwise it runs as it is."""
    kind, _, attribute = name.rpartition(".")
    # SIGINT as a terminal's command has it: a test worker may ignore it, and an ignored
    # signal stays ignored in the processes it starts (Python then takes no Ctrl-C at all).
    return f"""
import asyncio, importlib, os, signal
signal.signal(signal.SIGINT, signal.default_int_handler)
_owner = importlib.import_module({module!r})
_owner = getattr(_owner, {kind!r}) if {kind!r} else _owner
_real = getattr(_owner, {attribute!r})
async def _interrupted(*args, **kwargs):
    if {when}:
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.sleep(60)
    return await _real(*args, **kwargs)
setattr(_owner, {attribute!r}, _interrupted)
"""


async def test_a_backup_interrupted_says_so_and_keeps_no_half_copy(tmp_path):
    """Ctrl-C while Unna's copy is written: before, exit 130 with no word, and the file
    under the backup's name (the rotation counts it, a second try is refused as existing);
    now the same line as a failed copy's, beginning "interrupted", and no half copy."""
    config, _, backup = await _two_cities(tmp_path)
    # Unna's copy begun (a file of it written), then Ctrl-C.
    half = "'.unna.' in str(args[1]) and open(args[1], 'wb').write(b'half a copy')"
    stopped = _bot(
        config,
        "db",
        "backup",
        str(backup),
        prelude=_ctrl_c_in("db.database", "Database.backup", half),
    )
    assert stopped.returncode == 130, stopped.stdout + stopped.stderr
    assert "Traceback" not in stopped.stderr and stopped.stderr.count("\n") == 1, stopped.stderr
    assert stopped.stderr.startswith("nachbarbot: interrupted: unna: the copy was not finished")
    assert "not copied: unna - this backup is incomplete" in stopped.stderr
    assert stopped.stdout.startswith("dortmund: database ")
    assert sorted(p.name for p in backup.parent.iterdir()) == ["b.sqlite3"]


async def test_a_restore_interrupted_leaves_no_checked_copy(tmp_path):
    """Ctrl-C while Unna's copy is checked: before, exit 130 with no word, and the hidden
    checked copies (``.nachbarbot.sqlite3.restoring``: every person of the backup) left
    beside the databases, where nothing removes them."""
    config, database, backup = await _two_cities_backed_up(tmp_path)
    folder = Path(database).parent
    before = sorted(folder.iterdir())
    stopped = _bot(
        config,
        "db",
        "restore",
        str(backup),
        prelude=_ctrl_c_in("bot.cli.backups", "_runnable", "args[2].slug == 'unna'"),
    )
    assert stopped.returncode == 130, stopped.stdout + stopped.stderr
    assert "Traceback" not in stopped.stderr and stopped.stderr.count("\n") == 1, stopped.stderr
    assert stopped.stderr == (
        "nachbarbot: interrupted while checking the backup; nothing was restored\n"
    )
    assert sorted(folder.iterdir()) == before
    await _unchanged(database)


async def test_a_restore_interrupted_while_erasing_again_finishes_the_erasing(tmp_path):
    """Ctrl-C once the backups are in place, while the accounts erased since are erased
    again: before, the command ended there - the restored databases held people erased
    after the backup, with no word of it. Now the erasing goes on in every city, is said,
    and the command ends as interrupted."""
    config, database, backup = await _two_cities_backed_up(tmp_path)
    stopped = _bot(
        config,
        "db",
        "restore",
        str(backup),
        prelude=_ctrl_c_in("bot.cli.backups", "erase_listed", "args[1].slug == 'dortmund'").replace(
            "await asyncio.sleep(60)", "await asyncio.sleep(1)"
        ),
    )
    assert stopped.returncode == 130, stopped.stdout + stopped.stderr
    assert "Traceback" not in stopped.stderr and stopped.stderr.count("\n") == 1, stopped.stderr
    assert stopped.stderr.startswith("nachbarbot: interrupted after the restore: erasing again")
    for city in ("dortmund", "unna"):
        assert f"{city}: schema version {latest_migration()}; erased again: 0" in stopped.stdout
    assert await people_names(database, "dortmund", main=True) == ["d1"]
    assert await people_names(database, "unna", main=False) == ["u1"]
