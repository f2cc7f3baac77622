"""The nightly backups' rotation goes by age (bot/cli/backup_rotation.py, ``db rotate``,
run by deploy/nachbarbot-backup.sh): a backup older than its city's
``privacy.backup_days`` - by the time in its name, not the file's date - is deleted, and
each deleted file is named. Before, the script kept the newest 14 backups: after nights the
machine was off, the oldest was weeks old, past the privacy notice's figure and past the
list of erased accounts that a restore erases again."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cities import load_cities
from bot.cli.backup_rotation import rotate
from bot.config import load_config
from tests.support.cli import run_bot, run_deploy_script
from tests.support.two_cities import write_cities


def _name(now: datetime, days: float, tail: str = "") -> str:
    return f"nachbarbot-{(now - timedelta(days=days)):%Y-%m-%dT%H%M%SZ}{tail}"


@pytest.fixture
def program(tmp_path: Path) -> Path:
    """What NACHBARBOT_PROGRAM names: this worktree's bot, as the installed command."""
    path = tmp_path / "nachbarbot"
    path.write_text(f'#!/bin/sh\nexec "{os.sys.executable}" -m bot "$@"\n', encoding="utf-8")
    path.chmod(0o755)
    return path


def _nightly_sqlite(config: Path, program: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    """deploy/nachbarbot-backup.sh as its unit runs it: this configuration, ``program`` as
    the bot's command, the backups into ``folder``; no other NACHBARBOT_ setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
    env |= {
        "NACHBARBOT_CONFIG": str(config),
        "NACHBARBOT_PROGRAM": str(program),
        "NACHBARBOT_BACKUP_DIR": str(folder),
    }
    return run_deploy_script("nachbarbot-backup.sh", env, timeout=120)


def test_the_nightly_script_deletes_by_age_after_nights_off(tmp_path, program):
    """Five backups in three weeks (the machine was off most nights): the three older
    than 13 days (gone by the next night's run, when they would pass 14) are deleted,
    whatever their files' dates say; a copy back from another disk has today's."""
    live = tmp_path / "live" / "nachbarbot.sqlite3"
    live.parent.mkdir()
    config = write_cities(tmp_path, str(live))
    assert run_bot("--config", str(config), "db", "migrate").returncode == 0
    folder = tmp_path / "backups"
    folder.mkdir()
    now = datetime.now(UTC)
    old = [_name(now, 20), _name(now, 16, "-before-0050"), _name(now, 13.2)]
    young = [_name(now, 12.8), _name(now, 3)]
    for key in old + young:
        for suffix in (".sqlite3", ".unna.sqlite3", ".erased"):
            (folder / f"{key}{suffix}").write_bytes(b"older")
    ancient = (now - timedelta(days=400)).timestamp()
    os.utime(folder / f"{young[0]}.sqlite3", (ancient, ancient))  # a wrong date: kept
    made = _nightly_sqlite(config, program, folder)
    assert made.returncode == 0, made.stderr
    kept = {path.name for path in folder.iterdir()}
    for key in old:
        for suffix in (".sqlite3", ".unna.sqlite3", ".erased"):
            assert f"{key}{suffix}" not in kept
            city = "unna" if suffix == ".unna.sqlite3" else "dortmund"
            assert f"deleted {folder / (key + suffix)} - {city}'s backup from" in made.stdout
    assert made.stdout.count("deleted ") == 9, made.stdout
    for key in young:
        assert {f"{key}.sqlite3", f"{key}.unna.sqlite3", f"{key}.erased"} <= kept
    assert len([name for name in kept if name.endswith(".sqlite3")]) == 6  # today's two too
    assert "kept: 8 files" in made.stdout, made.stdout


def _cities(tmp_path: Path, *, unna_days: int, days: int = 14) -> list:
    tmp_path.mkdir(exist_ok=True)
    config = write_cities(
        tmp_path,
        str(tmp_path / "nachbarbot.sqlite3"),
        dortmund=f"[privacy]\nbackup_days = {days}\n",
        unna=f"[privacy]\nbackup_days = {unna_days}\n",
    )
    return load_cities(load_config(str(config)))


def test_each_city_by_its_own_days_and_dumps_by_the_strictest(tmp_path, capsys):
    cities = _cities(tmp_path, unna_days=7)
    folder = tmp_path / "backups"
    folder.mkdir()
    now = datetime(2026, 11, 28, 3, 15, tzinfo=UTC)
    names = {
        "main": _name(now, 9, ".sqlite3"),  # Dortmund: 14 days, kept
        "unna": _name(now, 9, ".unna.sqlite3"),  # Unna: 7 days, deleted
        "unna-new": _name(now, 5, ".unna.sqlite3"),
        "wal": _name(now, 20, ".sqlite3-wal"),  # a shell's leftover of an old copy
        "removed": _name(now, 9, ".luenen.sqlite3"),  # a city gone: the strictest, 7
        "dump": _name(now, 9, ".dump"),  # every city in it: the strictest
        # A PostgreSQL restore's copy, beside an old dump: as old as its own time.
        "aside": _name(now, 30, ".dump.before-restore-")
        + f"{(now - timedelta(days=2)):%Y-%m-%dT%H%M%SZ}-2.dump",
        "newest": _name(now, 0.01, ".sqlite3"),
        "unnamed": "nachbarbot-by-hand.sqlite3",
        "other": "notes.txt",
    }
    for name in names.values():
        (folder / name).write_bytes(b"x")
    assert rotate(cities, str(folder), now) == 0
    out, err = capsys.readouterr()
    left = {path.name for path in folder.iterdir()}
    gone = {"unna", "wal", "removed", "dump"}
    assert left == {names[key] for key in names if key not in gone}, left
    assert out.count("deleted ") == 4, out
    assert f"deleted {folder / names['unna']} - unna's backup from" in out
    assert "privacy.backup_days 7" in out
    assert f"{names['unnamed']} is left alone - no UTC time in its name" in err

    # privacy.backup_days = 1: every run deletes what the one before took, never the newest.
    quick = _cities(tmp_path / "quick", unna_days=1, days=1)
    assert rotate(quick, str(folder), now + timedelta(days=1, minutes=5)) == 0
    assert {path.name for path in folder.iterdir()} == {
        names["newest"],
        names["unnamed"],
        names["other"],
    }


def test_the_newest_kept_past_its_days_is_said(tmp_path, capsys):
    """Found in a black-box pass: `db rotate` by hand on a folder whose newest backup was
    28 days old kept it (the newest is never deleted) and said only "kept: 1 file(s) …, the
    oldest … (28.5 days old; privacy.backup_days 14)", as if that were the rule at work.
    Now it warns that the newest is kept past the figure, why, and what to do; a newest
    just taken, even with privacy.backup_days 1, is no warning."""
    cities = _cities(tmp_path, unna_days=7)
    folder = tmp_path / "backups"
    folder.mkdir()
    now = datetime(2026, 11, 28, 3, 15, tzinfo=UTC)
    old = _name(now, 28.5)
    for suffix in (".sqlite3", ".erased"):
        (folder / f"{old}{suffix}").write_bytes(b"x")
    assert rotate(cities, str(folder), now) == 0
    out, err = capsys.readouterr()
    assert {path.name for path in folder.iterdir()} == {f"{old}.sqlite3", f"{old}.erased"}
    assert err.startswith("nachbarbot: warning: the newest backup in") and err.count("\n") == 1
    assert "28.5 days old" in err and "privacy.backup_days (14)" in err, err
    assert f"{old}.sqlite3" in err and "db backup" in err
    assert "deleted" not in out

    fresh = _name(now, 0.01)
    (folder / f"{fresh}.sqlite3").write_bytes(b"x")
    assert rotate(cities, str(folder), now) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.count("deleted ") == 2, (out, err)
    quick = _cities(tmp_path / "quick", unna_days=1, days=1)
    assert rotate(quick, str(folder), now) == 0
    assert capsys.readouterr().err == ""
    assert {path.name for path in folder.iterdir()} == {f"{fresh}.sqlite3"}


def test_one_kept_backup_is_one_file(tmp_path):
    """Found in a black-box pass: `db rotate` on a folder with a single fresh backup said
    "kept: 1 files"; it says "kept: 1 file" now, and "kept: 2 files" for two."""
    folder = tmp_path / "backups"
    folder.mkdir()
    now = datetime.now(UTC)
    (folder / f"{_name(now, 0.01)}.sqlite3").write_bytes(b"x")
    database = tmp_path / "nachbarbot.sqlite3"
    assert run_bot("db", "migrate", database=database).returncode == 0
    one = run_bot("db", "rotate", str(folder), database=database)
    assert one.returncode == 0 and "kept: 1 file in " in one.stdout, (one.stdout, one.stderr)
    (folder / f"{_name(now, 0.02)}.sqlite3").write_bytes(b"x")
    two = run_bot("db", "rotate", str(folder), database=database)
    assert two.returncode == 0 and "kept: 2 files in " in two.stdout, (two.stdout, two.stderr)


def test_what_it_cannot_do_is_said_in_one_line(tmp_path, capsys):
    cities = _cities(tmp_path, unna_days=7)
    assert rotate(cities, str(tmp_path / "missing")) == 1
    _, err = capsys.readouterr()
    assert err.startswith("nachbarbot: ") and "nothing was deleted" in err and err.count("\n") == 1
    folder = tmp_path / "backups"
    folder.mkdir()
    future = datetime.now(UTC) + timedelta(days=3)
    (folder / f"nachbarbot-{future:%Y-%m-%dT%H%M%SZ}.sqlite3").write_bytes(b"x")
    assert rotate(cities, str(folder)) == 0
    _, err = capsys.readouterr()
    assert "is in the future" in err


def test_a_failed_backup_night_still_deletes_by_age(tmp_path, program):
    """The night's backup fails (a full disk, say): the backups past privacy.backup_days go
    all the same - the newest left is kept, whatever its age - and the unit fails with the
    backup's status. Before, the script ended at the failed backup: on every such night
    each backup outlived the privacy notice's figure and the list of erased accounts."""
    live = tmp_path / "live" / "nachbarbot.sqlite3"
    live.parent.mkdir()
    config = write_cities(tmp_path, str(live))
    assert run_bot("--config", str(config), "db", "migrate").returncode == 0
    folder = tmp_path / "backups"
    folder.mkdir()
    now = datetime.now(UTC)
    old, newest = _name(now, 20), _name(now, 15)
    for key in (old, newest):
        for suffix in (".sqlite3", ".unna.sqlite3", ".erased"):
            (folder / f"{key}{suffix}").write_bytes(b"older")
    failing = tmp_path / "failing-backup"
    failing.write_text(
        f'#!/bin/sh\nif [ "$1 $2" = "db backup" ]; then echo "disk full" >&2; exit 3; fi\n'
        f'exec "{program}" "$@"\n',
        encoding="utf-8",
    )
    failing.chmod(0o755)
    made = _nightly_sqlite(config, failing, folder)
    assert made.returncode == 3, (made.stdout, made.stderr)
    assert {path.name for path in folder.iterdir()} == {
        f"{newest}.sqlite3",
        f"{newest}.unna.sqlite3",
        f"{newest}.erased",
    }, made.stdout


def test_a_failed_dump_still_deletes_dumps_by_age(tmp_path):
    """deploy/nachbarbot-pg-backup.sh: pg_dump fails (the server away, a full disk) - the
    dumps past NACHBARBOT_BACKUP_DAYS go all the same, the newest left is kept whatever its
    age, nothing half-written stays, and the run fails. Before, it ended at the failed dump
    and every dump outlived the figure on each such night."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "pg_dump").write_text('#!/bin/sh\necho "server away" >&2\nexit 1\n', encoding="utf-8")
    (fake / "pg_dump").chmod(0o755)
    folder = tmp_path / "backups"
    folder.mkdir()
    now = datetime.now(UTC)
    old, newest = _name(now, 20, ".dump"), _name(now, 15, ".dump")
    for name in (old, newest):
        (folder / name).write_bytes(b"older")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NACHBARBOT_", "PG"))}
    env |= {
        "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}",
        "NACHBARBOT_BOT__DATABASE": "postgresql://nachbarbot@127.0.0.1:1/nachbarbot",
        "NACHBARBOT_BACKUP_DIR": str(folder),
        "NACHBARBOT_BACKUP_DAYS": "14",
    }
    run = run_deploy_script("nachbarbot-pg-backup.sh", env)
    assert run.returncode != 0, run.stdout
    assert {path.name for path in folder.iterdir()} == {newest}, (run.stdout, run.stderr)
    assert f"deleted {folder / old}" in run.stdout
