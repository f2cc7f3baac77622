"""A new SQLite database in a test starts as a copy of one migrated in this test process.

Migrating a new file runs every migration and a VACUUM, about 0.15 s (more on a busy
machine); a test suite opens a new database a few thousand times, so that was minutes of a
run. :func:`install` makes ``Database.open`` of a file that does not exist yet (migrated,
no city schema) copy the process's template first: the same schema, made by the same
migrations once. A file that exists (a test's older schema, a database under test) and
``migrate=False`` are opened as they are, and so is every file while a test has replaced
the migrations (``available_migrations``) or is marked ``migrates`` (it watches a new file
migrate): the tests of migrating itself still migrate.
Other processes (``python -m bot`` in a test) migrate as the product does."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

import db.database as database
from db import Database
from db.database import DatabaseLocationError, check_location
from db.postgres import is_postgres

_opened = Database.open.__func__  # type: ignore[attr-defined]
_migrations = database.available_migrations
# Set while a test marked ``migrates`` runs (tests/conftest.py): it watches a new file migrate.
watching = False


def _is_new_file(path: Any, schema: Any, migrate: bool) -> bool:
    if not migrate or schema is not None or str(path) == ":memory:" or is_postgres(path):
        return False
    if watching or database.available_migrations is not _migrations:
        return False  # a test of migrating, with migrations of its own choosing
    try:
        check_location(path)
    except DatabaseLocationError:
        return False  # refused by the product as it is
    return not Path(path).exists()


def install(monkeypatch: pytest.MonkeyPatch, folder: Path) -> Path:
    """Make the template in ``folder`` and have new files start from it; its path."""
    template = folder / "template.sqlite3"

    async def make() -> None:
        db = await _opened(Database, template)
        await db.close()

    asyncio.run(make())

    async def open_from_template(
        cls: type[Database], path: Any, *, schema: Any = None, migrate: bool = True, **pool: int
    ) -> Database:
        if _is_new_file(path, schema, migrate):
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            # Private from the first byte, as the product makes it (db/database.py).
            fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
            shutil.copyfile(template, target)
        database: Database = await _opened(cls, path, schema=schema, migrate=migrate, **pool)
        return database

    monkeypatch.setattr(Database, "open", classmethod(open_from_template))
    return template
