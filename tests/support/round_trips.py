"""Counting a test's round trips to the database, on either backend."""

from __future__ import annotations

import psycopg
import pytest

from db import Database


def count_round_trips(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts round trips: on SQLite calls onto aiosqlite's worker thread (the private
    ``_execute`` that db/transactions.py relies on: if aiosqlite renames it, this and the
    store tests fail); on PostgreSQL cursor executions (each sends one query string and
    waits for its results; COMMIT and ROLLBACK of db/postgres.py go through them too)."""
    trips = [0]
    owner, name = (
        (db.conn, "_execute") if db.dialect == "sqlite" else (psycopg.AsyncCursor, "execute")
    )
    original = getattr(owner, name)

    async def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        trips[0] += 1
        return await original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return trips
