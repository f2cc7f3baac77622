"""A migration, once released, is never edited (issue 78, point 1): a correction is a new
migration. ``db/migrations/released.sha256`` lists the SHA-256 of every migration file of
the last release (``sha256sum`` of ``*.sql`` and ``postgresql/*.sql`` in db/migrations):
this test fails when one of them changes or goes, whatever else changed with it. The texts
that were on main before a fix (db/migration_ledger.py SUPERSEDED) are checksums of
something else than today's files, each repaired by a migration that exists."""

from __future__ import annotations

import hashlib

from db.database import MIGRATIONS_DIR, available_migrations
from db.migration_ledger import SUPERSEDED

RELEASED = MIGRATIONS_DIR / "released.sha256"


def _released() -> dict[str, str]:
    listed = {}
    for line in RELEASED.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    return listed


def _digest(name: str) -> str:
    path = MIGRATIONS_DIR / name
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"


def test_no_released_migration_changed_or_went():
    listed = _released()
    assert len(listed) >= 42, "the list of the last release's migrations is incomplete"
    changed = sorted(name for name, digest in listed.items() if _digest(name) != digest)
    assert changed == [], (
        f"released migrations edited or removed: {changed} - write a new migration instead"
    )


def test_every_migration_file_of_each_backend_is_known_to_the_list_or_newer():
    """A file of a number the list knows but not listed (added to an old number) is an
    edit of the release too."""
    listed = _released()
    for dialect in ("sqlite", "postgresql"):
        newest = max(int(name.rsplit("/", 1)[-1][:4]) for name in listed)
        for number, _, path in available_migrations(dialect):
            name = str(path.relative_to(MIGRATIONS_DIR))
            if number <= newest:
                assert name in listed, f"{name} was added to a released number"


def test_the_superseded_texts_are_not_todays_and_are_repaired():
    numbers = {number for number, _, _ in available_migrations("sqlite")}
    for (dialect, number), texts in SUPERSEDED.items():
        path = next(p for n, _, p in available_migrations(dialect) if n == number)
        for old in texts:
            assert old.checksum != hashlib.sha256(path.read_bytes()).hexdigest()
            assert old.repaired_by in numbers and old.repaired_by > number
