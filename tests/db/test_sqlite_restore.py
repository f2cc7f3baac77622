"""db/sqlite_restore.py's ``not_writable``: why this process may not write a city's
database (db restore refuses with it, and every command that cannot open the file says it
instead of "restore a backup", bot/app.py)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from bot import app
from db import sqlite_restore
from db.sqlite_restore import not_writable


@pytest.fixture
def barred(monkeypatch, tmp_path: Path) -> Path:
    """A database in a folder that this process may not write (as an operator not running
    as the bot's user finds it; the tests run as root, whom permissions do not stop)."""
    database = tmp_path / "var" / "nachbarbot.sqlite3"
    database.parent.mkdir()
    database.write_bytes(b"")
    allowed = os.access
    monkeypatch.setattr(
        sqlite_restore.os,
        "access",
        lambda path, mode: not mode & os.W_OK and allowed(path, mode),
    )
    return database


def test_a_writable_database_has_no_reason(tmp_path: Path):
    assert not_writable(tmp_path / "nachbarbot.sqlite3") == ""


def test_another_users_file_names_its_owner_and_who_runs(barred: Path):
    why = not_writable(barred)
    assert why.startswith(f"it belongs to uid {barred.stat().st_uid} and this user (uid")
    assert "run the command as the bot's user" in why


def test_a_read_only_file_system_is_said_as_that(barred: Path, monkeypatch):
    found = os.statvfs(barred)

    class ReadOnly:
        f_flag = found.f_flag | os.ST_RDONLY

    monkeypatch.setattr(sqlite_restore.os, "statvfs", lambda path: ReadOnly())
    assert not_writable(barred) == "it is on a file system mounted read-only"


def test_a_command_that_cannot_open_it_says_why_not_restore(barred: Path):
    """Before: "cannot be opened: unable to open database file - … restore a backup"."""
    said = str(
        app._unreadable(str(barred), sqlite3.OperationalError("unable to open database file"))
    )
    assert said.startswith(f"{barred} cannot be written: it belongs to uid")
    assert "restore a backup" not in said and said.endswith("nothing was changed")
