"""The release notes name every schema change (issue 78, point 8): each migration not yet in
the last release (db/migrations/released.sha256) has its row in docs/upgrading.md's
"Release notes name the schema changes", so that an operator reads of it before upgrading."""

from __future__ import annotations

import re

from db.database import MIGRATIONS_DIR
from tests.support.cli import ROOT


def _section() -> str:
    text = (ROOT / "docs" / "upgrading.md").read_text(encoding="utf-8")
    return text.split("## Release notes name the schema changes", 1)[1].split("\n## ", 1)[0]


def test_every_migration_since_the_last_release_is_in_the_release_notes():
    released = {
        line.split()[1]
        for line in (MIGRATIONS_DIR / "released.sha256").read_text().splitlines()
        if line.strip()
    }
    rows = set(re.findall(r"^\| (\d{4}_\w+) \|", _section(), re.M))
    new = {path.stem for path in MIGRATIONS_DIR.glob("*.sql") if path.name not in released}
    missing = sorted(new - rows)
    assert not missing, f"add a row to docs/upgrading.md's release notes for: {missing}"
    # Every row names a real migration.
    assert rows <= {path.stem for path in MIGRATIONS_DIR.glob("*.sql")}, rows
