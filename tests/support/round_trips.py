"""Counting a test's round trips to the database, on either backend."""

from __future__ import annotations

import psycopg
import pytest

from db import Database


def count_round_trips(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts round trips: on SQLite calls onto aiosqlite's worker thread (the private
    ``_execute`` that db/transactions.py relies on: if aiosqlite renames it, this and the
    store tests fail); on PostgreSQL each cursor execution outside pipeline mode (it sends
    one statement and waits for its results; COMMIT and ROLLBACK of db/postgres.py go
    through them too) and each pipeline's end (its Sync sends what was queued in it and
    waits for all their results: the statements queued inside are not trips of their own)."""
    trips = [0]

    def counted(owner: object, name: str, counts: object = lambda _self: True) -> None:
        original = getattr(owner, name)

        async def counting(self, *args, **kwargs):
            if counts(self):  # type: ignore[operator]
                trips[0] += 1
            return await original(self, *args, **kwargs)

        monkeypatch.setattr(owner, name, counting)

    if db.dialect == "sqlite":
        original = db.conn._execute

        async def on_thread(*args, **kwargs):
            trips[0] += 1
            return await original(*args, **kwargs)

        monkeypatch.setattr(db.conn, "_execute", on_thread)
        return trips
    off = psycopg.pq.PipelineStatus.OFF
    counted(
        psycopg.AsyncCursor,
        "execute",
        lambda cursor: cursor.connection.pgconn.pipeline_status == off,
    )
    counted(psycopg.AsyncPipeline, "__aexit__")
    counted(psycopg.AsyncPipeline, "sync")
    return trips
