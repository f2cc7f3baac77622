"""Two processes on one database, as ``python -m bot web`` (or the console) beside
``python -m bot run``: both queue messages for other people in the same outbox.

Found by the browser tests: each process counts outbox ids from the highest it saw when
it started (db/outbox.py), so the second process to queue after the other one's start
takes an id the other has used, and the desk action fails with a 500 (UNIQUE constraint
failed: outbox.id). Strict xfail until the outbox takes ids safely across processes.
"""

from __future__ import annotations

import pytest

from db import Database


@pytest.mark.xfail(
    strict=True, reason="outbox ids are counted per process (db/outbox.py OutboxStore)"
)
async def test_two_processes_queue_messages_in_one_outbox(tmp_path):
    path = tmp_path / "shared.sqlite3"
    bot = await Database.open(path)
    web = await Database.open(path)  # a second connection counts ids like a second process
    try:
        await bot.outbox.enqueue("telegram", "1", {"kind": "message", "text": "a"})
        await web.outbox.enqueue("telegram", "2", {"kind": "message", "text": "b"})
        await bot.outbox.enqueue("telegram", "3", {"kind": "message", "text": "c"})
        async with bot.conn.execute("SELECT COUNT(DISTINCT id) FROM outbox") as cursor:
            assert (await cursor.fetchone())[0] == 3
    finally:
        await web.close()
        await bot.close()
