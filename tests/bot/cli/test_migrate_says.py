"""``db migrate`` says what it did in a city in words an operator reads as written: one
migration is "1 migration", not "1 migrations" - the usual case of an upgrade by one
release step (bot/cli/main.py ``_what_ran``)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from bot.cli.main import _what_ran


def _said(*applied: str) -> str:
    db: Any = SimpleNamespace(applied=list(applied))
    return _what_ran(db)


def test_what_db_migrate_did_is_counted_as_said():
    assert _said() == "nothing to migrate, nothing changed"
    assert _said("0064_matrix_names.sql") == "1 migration applied now (0064_matrix_names)"
    assert _said("0063_a.sql", "0064_b.sql") == "2 migrations applied now (0063_a, 0064_b)"
    assert _said("0001_a.sql", "0002_b.sql", "0003_c.sql", "0004_d.sql") == (
        "4 migrations applied now (0001_a … 0004_d)"
    )
