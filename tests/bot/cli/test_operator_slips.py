"""An operator's slips at the backup commands, as the black-box pass of docs/operations.md
met them on an installation of two cities: each is refused in one line naming what to do,
exit code 1 (2 for a command used wrongly), nothing written - never a misleading reason."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from tests.support.cli import run_bot
from tests.support.two_cities import write_cities


def _installation(tmp_path: Path) -> tuple[Path, Path]:
    live = tmp_path / "live" / "nachbarbot.sqlite3"
    live.parent.mkdir()
    config = write_cities(tmp_path, str(live))
    assert run_bot("--config", str(config), "db", "migrate").returncode == 0
    return config, live


def _one_line(result, code: int = 1) -> str:
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_a_folder_named_as_the_backup(tmp_path):
    """Before, ``db backup FOLDER`` said the folder 'exists already - choose a new file',
    and ``db restore FOLDER`` took the folder for the main city's copy and refused for want
    of Unna's (``FOLDER.unna``)."""
    config, live = _installation(tmp_path)
    folder = tmp_path / "backups"
    folder.mkdir()
    made = folder / "nachbarbot-2026-11-27T031500Z.sqlite3"
    assert run_bot("--config", str(config), "db", "backup", str(made)).returncode == 0
    before = sorted(folder.iterdir())

    backup = _one_line(run_bot("--config", str(config), "db", "backup", str(folder)))
    assert f"{folder} is a folder" in backup and "no backup was made" in backup
    assert sorted(folder.iterdir()) == before
    restore = _one_line(run_bot("--config", str(config), "db", "restore", str(folder)))
    assert f"{folder} is a folder" in restore and str(made) in restore
    assert "has no copy" not in restore and "nothing was restored" in restore
    assert not list(live.parent.glob("*before-restore*"))


def test_a_further_citys_copy_named_as_the_backup(tmp_path):
    config, live = _installation(tmp_path)
    made = tmp_path / "b.sqlite3"
    assert run_bot("--config", str(config), "db", "backup", str(made)).returncode == 0
    unna = tmp_path / "b.unna.sqlite3"
    refused = _one_line(run_bot("--config", str(config), "db", "restore", str(unna)))
    assert f"the backup {made}: name that file" in refused and "--city unna" in refused
    assert not list(live.parent.glob("*before-restore*"))
    with closing(sqlite3.connect(live)) as conn:  # still the live database, untouched
        assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)


def test_a_whole_installation_command_with_a_city_names_itself(tmp_path):
    """Before: 'db works on the whole installation' - as if every db command did."""
    config, _ = _installation(tmp_path)
    folder = tmp_path / "backups"
    folder.mkdir()
    refused = run_bot("--config", str(config), "--city", "unna", "db", "rotate", str(folder))
    assert "db rotate works on the whole installation" in _one_line(refused, 2)
