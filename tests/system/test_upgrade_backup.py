"""The backup before an upgrade and the nightly SQLite backup (issue 78, points 7 and 8), as
docs/upgrading.md and docs/operations.md describe them, through the deploy files' own lines:

- deploy/nachbarbot.service's ExecStartPre (``db migrate --backup-into FOLDER``), run on an
  installation of two cities at an older schema, backs every city up into FOLDER before it
  migrates (SQLite and PostgreSQL); run again (a restart) it takes no backup; when the
  backup cannot be made it migrates nothing; the version of before refuses the upgraded
  database, restores that backup with ``db restore`` and runs on it again;
- deploy/nachbarbot-backup.sh, as deploy/nachbarbot-backup.service runs it, writes a
  time-stamped backup of every city and deletes the sets older than privacy.backup_days (a
  backup taken before an upgrade among them; tests/bot/cli/test_backup_rotation.py), and
  ``db restore`` takes what it wrote.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import subprocess
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import db.database as database
from db.database import available_migrations, latest_migration
from tests.support.city_databases import open_city
from tests.support.cli import ROOT, run_bot
from tests.support.postgres_server import PostgresServer, find_binary
from tests.support.two_cities import write_cities

DEPLOY = ROOT / "deploy"
OLD = 39  # the schema of an installation a few releases back


def _unit_line(unit: str, key: str) -> list[str]:
    text = (DEPLOY / unit).read_text(encoding="utf-8")
    return re.search(rf"^{key}=(.+)$", text, re.M).group(1).split()


async def _old_installation(url: str, backend: str, monkeypatch) -> None:
    """Both cities migrated up to 0039 only, by the release of that time, each with a person."""
    upto = [m for m in available_migrations(backend) if m[0] <= OLD]
    with monkeypatch.context() as patched:
        patched.setattr(database, "available_migrations", lambda dialect="sqlite": upto)
        for slug, main in (("dortmund", True), ("unna", False)):
            db = await open_city(url, slug, main=main)
            try:
                await db.users.seen("telegram", slug, slug, slug)
            finally:
                await db.close()


def _version(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]


def _upgrade_step(folder: Path) -> list[str]:
    """The unit's ExecStartPre: the bot's own command, with the backup folder moved here."""
    command = _unit_line("nachbarbot.service", "ExecStartPre")
    assert command[0] == _unit_line("nachbarbot.service", "ExecStart")[0]
    assert command[1:4] == ["db", "migrate", "--backup-into"]
    assert command[4] == "/var/lib/nachbarbot-backups"
    return [*command[1:4], str(folder)]


async def test_the_units_upgrade_step_backs_every_city_up_first_on_sqlite(tmp_path, monkeypatch):
    live = tmp_path / "live" / "nachbarbot.sqlite3"
    live.parent.mkdir()
    config = write_cities(tmp_path, str(live))
    await _old_installation(str(live), "sqlite", monkeypatch)
    unna = live.with_name("nachbarbot.unna.sqlite3")
    folder = tmp_path / "backups"

    # The backup cannot be made - its folder is a file: nothing is migrated.
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    refused = run_bot("--config", str(config), *_upgrade_step(blocked))
    assert refused.returncode == 1
    assert "nothing was migrated" in refused.stderr and "Traceback" not in refused.stderr
    assert (_version(live), _version(unna)) == (OLD, OLD)

    upgraded = run_bot("--config", str(config), *_upgrade_step(folder))
    assert upgraded.returncode == 0, upgraded.stderr
    latest = latest_migration()
    backups = sorted(path.name for path in folder.iterdir())
    main_copy = next(name for name in backups if name.count(".") == 1)
    key = main_copy.removesuffix(".sqlite3")
    assert re.fullmatch(rf"nachbarbot-\d{{4}}-\d\d-\d\dT\d{{6}}Z-before-{latest:04d}", key)
    assert f"{key}.unna.sqlite3" in backups
    for name in (main_copy, f"{key}.unna.sqlite3"):
        copy = folder / name
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
        assert _version(copy) == OLD  # the state before the upgrade
    with closing(sqlite3.connect(folder / f"{key}.unna.sqlite3")) as conn:
        assert conn.execute("SELECT platform_user_id FROM users").fetchall() == [("unna",)]
    assert _version(live) == latest

    # A restart: nothing to migrate, no backup.
    again = run_bot("--config", str(config), *_upgrade_step(folder))
    assert again.returncode == 0, again.stderr
    assert "none needed" in again.stdout
    assert sorted(path.name for path in folder.iterdir()) == backups
    assert _version(unna) == latest

    # Going back: the version of before (it knows migrations up to 0039 only) restores the
    # backup its upgrade left, and runs on it again.
    older = (
        "import db.database as d; every = d.available_migrations;"
        " d.available_migrations = lambda dialect='sqlite':"
        f" [m for m in every(dialect) if m[0] <= {OLD}]"
    )
    refused = run_bot("--config", str(config), "db", "check", prelude=older)
    assert refused.returncode == 1 and "upgraded by a newer nachbarbot" in refused.stderr
    back = run_bot("--config", str(config), "db", "restore", str(folder / main_copy), prelude=older)
    assert back.returncode == 0, back.stderr
    checked = run_bot("--config", str(config), "db", "check", prelude=older)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert (_version(live), _version(unna)) == (OLD, OLD)
    with closing(sqlite3.connect(unna)) as conn:
        assert conn.execute("SELECT platform_user_id FROM users").fetchall() == [("unna",)]


async def test_the_units_upgrade_step_backs_every_city_up_first_on_postgresql(
    postgres_server: PostgresServer, tmp_path, monkeypatch
):
    name = f"upgrade_{os.getpid()}"
    postgres_server.admin(f'CREATE DATABASE "{name}"')
    url = postgres_server.url(name)
    try:
        config = write_cities(tmp_path, url)
        await _old_installation(url, "postgresql", monkeypatch)
        folder = tmp_path / "backups"
        tools = {"PATH": f"{Path(find_binary('pg_dump')).parent}{os.pathsep}{os.environ['PATH']}"}
        upgraded = run_bot("--config", str(config), *_upgrade_step(folder), env=tools)
        assert upgraded.returncode == 0, upgraded.stderr
        (dump,) = folder.iterdir()
        latest = latest_migration()
        assert re.fullmatch(
            rf"nachbarbot-\d{{4}}-\d\d-\d\dT\d{{6}}Z-before-{latest:04d}\.dump", dump.name
        )
        listing = subprocess.run(
            [find_binary("pg_restore"), "--list", str(dump)], capture_output=True, text=True
        ).stdout
        assert "TABLE DATA city_unna users" in listing and "TABLE DATA public users" in listing
        script = subprocess.run(
            [
                find_binary("pg_restore"),
                "--data-only",
                "--table=schema_version",
                "--file=-",
                str(dump),
            ],
            capture_output=True,
            text=True,
        ).stdout
        assert f"\n{OLD}\t" in script and f"\n{latest}\t" not in script

        again = run_bot("--config", str(config), *_upgrade_step(folder), env=tools)
        assert again.returncode == 0, again.stderr
        assert "none needed" in again.stdout and list(folder.iterdir()) == [dump]
    finally:
        postgres_server.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def program(tmp_path: Path) -> Path:
    """What NACHBARBOT_PROGRAM names: this worktree's bot, as the installed command."""
    path = tmp_path / "nachbarbot"
    path.write_text(f'#!/bin/sh\nexec "{os.sys.executable}" -m bot "$@"\n', encoding="utf-8")
    path.chmod(0o755)
    return path


async def test_the_nightly_sqlite_backup_is_time_stamped_rotated_and_restorable(tmp_path, program):
    unit = (DEPLOY / "nachbarbot-backup.service").read_text(encoding="utf-8")
    script = _unit_line("nachbarbot-backup.service", "ExecStart")[0]
    assert f"install -m 0755 deploy/nachbarbot-backup.sh {script}" in unit
    bot_unit = (DEPLOY / "nachbarbot.service").read_text(encoding="utf-8")
    for line in ("EnvironmentFile=", "Environment=NACHBARBOT_CONFIG=", "User="):
        assert re.search(rf"^{line}.*$", bot_unit, re.M).group(0) in unit, line
    assert "Type=oneshot" in unit and "StateDirectory=nachbarbot-backups" in unit
    timer = (DEPLOY / "nachbarbot-backup.timer").read_text(encoding="utf-8")
    assert "OnCalendar=" in timer and "Persistent=true" in timer

    live = tmp_path / "live" / "nachbarbot.sqlite3"
    live.parent.mkdir()
    config = write_cities(tmp_path, str(live))
    migrated = run_bot("--config", str(config), "db", "migrate")
    assert migrated.returncode == 0, migrated.stderr
    folder = tmp_path / "backups"
    folder.mkdir()
    old = "nachbarbot-2020-01-01T031500Z"
    # An upgrade's, two days old: kept (privacy.backup_days 14).
    before = f"nachbarbot-{datetime.now(UTC) - timedelta(days=2):%Y-%m-%dT%H%M%SZ}-before-0040"
    for name in (
        f"{old}.sqlite3",
        f"{old}.unna.sqlite3",
        f"{old}.erased",
        f"{before}.sqlite3",
        f"{before}.unna.sqlite3",
    ):
        (folder / name).write_bytes(b"older")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
    env |= {
        "NACHBARBOT_CONFIG": str(config),
        "NACHBARBOT_PROGRAM": str(program),
        "NACHBARBOT_BACKUP_DIR": str(folder),
    }
    made = subprocess.run(
        ["sh", str(DEPLOY / "nachbarbot-backup.sh")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    kept = sorted(path.name for path in folder.iterdir())
    assert not any(name.startswith(old) for name in kept), kept
    assert f"{before}.sqlite3" in kept and f"{before}.unna.sqlite3" in kept
    new = [name for name in kept if not name.startswith(before)]
    key = new[0].split(".")[0]
    assert re.fullmatch(r"nachbarbot-\d{4}-\d\d-\d\dT\d{6}Z", key), new
    assert {f"{key}.sqlite3", f"{key}.unna.sqlite3"} <= set(new)
    assert all(stat.S_IMODE((folder / name).stat().st_mode) == 0o600 for name in new)

    restored = run_bot("--config", str(config), "db", "restore", str(folder / f"{key}.sqlite3"))
    assert restored.returncode == 0, restored.stderr


# The upgrade step killed in the middle of its migrations, after 0042 was applied (SIGKILL
# leaves what SQLite committed: migration by migration).
KILLED_AFTER_0042 = """
import logging, os
import db.database as d

class Kill(logging.Handler):
    def emit(self, record):
        if record.getMessage() == "applied migration 0042_evening_requests_repair.sql":
            os._exit(137)

d.log.addHandler(Kill())
d.log.setLevel(logging.INFO)
"""


async def test_an_interrupted_upgrade_takes_no_second_backup_of_its_half(tmp_path, monkeypatch):
    """Issue 99, point 4: killed in the middle of the migrations, the upgrade step's next
    start found a half-migrated database (schema 42, which no version ran) and took another
    "before" backup of it - the newest, the one docs/upgrading.md sends an operator going
    back to. Now it names the first attempt's backup and takes none."""
    live = tmp_path / "live" / "nachbarbot.sqlite3"
    live.parent.mkdir()
    config = write_cities(tmp_path, str(live))
    await _old_installation(str(live), "sqlite", monkeypatch)
    folder = tmp_path / "backups"
    killed = run_bot("--config", str(config), *_upgrade_step(folder), prelude=KILLED_AFTER_0042)
    assert killed.returncode == 137, killed.stdout + killed.stderr
    (first,) = folder.glob(f"nachbarbot-*-before-{latest_migration():04d}.sqlite3")
    assert _version(first) == OLD and _version(live) == 42

    again = run_bot("--config", str(config), *_upgrade_step(folder))
    assert again.returncode == 0, again.stderr
    assert f"{first}, taken when this upgrade began" in again.stdout
    assert "dortmund (schema 42)" in again.stdout
    assert len(list(folder.iterdir())) == 2  # the first attempt's: Dortmund's and Unna's
    assert _version(live) == latest_migration()
