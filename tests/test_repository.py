"""What the repository itself holds: never a database. Tests write theirs to temp folders;
a database in git is people's data (names, numbers) in every clone, for ever."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_HEADER = b"SQLite format 3\x00"
DATABASE_SUFFIXES = (".db", ".sqlite", ".sqlite3", ".db-wal", ".db-shm", ".sqlite3-wal")


def tracked_files() -> list[str]:
    """Every file git tracks in this checkout (a test run outside a git checkout fails
    here: CI runs in a clone)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    return [name for name in listed.decode().split("\0") if name]


def databases_among(root: Path, names: list[str]) -> list[str]:
    """The names that are databases: by suffix, by a folder named like a URL scheme
    ("sqlite:"), or by SQLite's header whatever the name."""
    found = []
    for name in names:
        path = root / name
        looks_like = name.endswith(DATABASE_SUFFIXES) or any(
            part.endswith(":") for part in Path(name).parts
        )
        header = b""
        if path.is_file():
            with path.open("rb") as file:
                header = file.read(len(SQLITE_HEADER))
        if looks_like or header == SQLITE_HEADER:
            found.append(name)
    return found


def test_the_tree_tracks_no_database():
    assert databases_among(ROOT, tracked_files()) == []


def test_a_database_is_found_by_name_or_by_its_header(tmp_path):
    (tmp_path / "sqlite:" / "tmp").mkdir(parents=True)
    (tmp_path / "sqlite:" / "tmp" / "x").write_bytes(b"")
    (tmp_path / "notes.txt").write_bytes(SQLITE_HEADER + b"\x10\x00")
    (tmp_path / "people.sqlite3").write_bytes(b"")
    (tmp_path / "README.md").write_text("nothing\n")
    names = ["sqlite:/tmp/x", "notes.txt", "people.sqlite3", "README.md"]
    assert databases_among(tmp_path, names) == names[:3]


def test_git_ignores_what_a_database_is_called():
    names = ["x.db", "var/nachbarbot.sqlite3", "sqlite:/tmp/a/x.db", "bench.sqlite3-wal"]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *names], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    assert ignored == names
