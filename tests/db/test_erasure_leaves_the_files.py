"""After an erasure commits, SQLite's files hold nothing of the person: the WAL, which keeps
page images from before the erasure, is moved into the file and emptied (db/database.py,
``_clean_wal``), not only at the daily retention. Readers of another process holding the
WAL make the checkpoint wait for them: the erasure still succeeds, and the checkpoint is
tried again soon.

The raw bytes of the database file, its ``-wal`` and its ``-shm`` are read."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from pathlib import Path

import pytest

from db import Database
from tests.support.help_story import post_request
from tests.support.memory_transport import MemoryTransport

pytestmark = pytest.mark.sqlite_only

# A hang detector, not a time the work must fit in.
HANG = 60.0

PERSON = "amira"
WORDS = "Einkauf bitte, Klingel PFEFFERMINZE"
SECRETS = ("Amira", "PFEFFERMINZE")


async def _request(story: MemoryTransport) -> None:
    await post_request(story, PERSON, "de", WORDS)
    await story.flush()


def _found(path: Path) -> list[str]:
    """The secrets in the database file, its WAL or its shared-memory index."""
    raw = b"".join(
        (path.parent / name).read_bytes()
        for name in (path.name, path.name + "-wal", path.name + "-shm")
        if (path.parent / name).exists()
    )
    return [
        secret
        for secret in SECRETS
        if secret.encode() in raw or json.dumps(secret).encode()[1:-1] in raw
    ]


async def _delete(story: MemoryTransport, db: Database) -> None:
    await story.text(PERSON, "/delete")
    await story.press(PERSON, "delete:yes")
    assert await db.users.find("memory", PERSON) is None


async def test_after_delete_neither_the_file_nor_its_wal_holds_the_person(
    story: MemoryTransport, db: Database, database_url: str
):
    path = Path(database_url)
    await _request(story)
    assert _found(path) == list(SECRETS)  # the WAL has them, nothing checkpointed yet

    await _delete(story, db)
    # The checkpoint waits for the erasing transaction and runs before any statement asked
    # for after it (the connection's lock is fair): one more statement, and it has run.
    await db.fetch_all("SELECT 1")
    assert _found(path) == []


async def test_readers_holding_the_wal_delay_the_checkpoint_not_the_erasure(
    story: MemoryTransport, db: Database, database_url: str, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger="db.database")
    path = Path(database_url)
    await _request(story)
    # Another process's reader, in the middle of a read: its snapshot is from before the
    # erasure, so the WAL cannot be emptied while it reads.
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM users").fetchone()

        await _delete(story, db)
        async with asyncio.timeout(HANG):
            while not any("again in" in r.getMessage() for r in caplog.records):
                await asyncio.sleep(0.05)
        assert _found(path), "the WAL is still held by the reader"
    finally:
        reader.execute("ROLLBACK")
        reader.close()

    async with asyncio.timeout(HANG):
        while _found(path):
            await asyncio.sleep(0.05)
