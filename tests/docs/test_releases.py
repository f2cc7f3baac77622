"""The release record (docs/releases.md, issue 99 point 6e): its newest entry is the version
this tree builds, named as ``nachbarbot --version`` names it - the package's version and the
newest migration - and the entry of the last release names the newest migration that
``db/migrations/released.sha256`` lists."""

from __future__ import annotations

import re

from bot.cli.main import release
from db.database import MIGRATIONS_DIR, available_migrations
from tests.support.cli import ROOT

ENTRY = re.compile(r"^## (.+)$", re.M)
SCHEMA = re.compile(r"schema (\d{4}) \((\d{4}_\w+)\)")


def _entries() -> list[str]:
    text = (ROOT / "docs" / "releases.md").read_text(encoding="utf-8")
    return ENTRY.findall(text)


def test_the_newest_entry_is_this_tree_named_as_version_names_it():
    newest = _entries()[0]
    printed = release()  # "nachbarbot 0.1.0, schema 0059 (0059_…)"
    assert newest.startswith(printed), (newest, printed)
    number, name, _ = available_migrations()[-1]
    assert SCHEMA.search(newest).groups() == (f"{number:04d}", f"{number:04d}_{name}")


def test_the_last_release_names_the_newest_released_migration():
    released = sorted(
        line.split()[1].removesuffix(".sql")
        for line in (MIGRATIONS_DIR / "released.sha256").read_text().splitlines()
        if line.strip() and "/" not in line.split()[1]
    )
    last = next(entry for entry in _entries() if entry.startswith("Last release"))
    assert SCHEMA.search(last).groups() == (released[-1][:4], released[-1])
