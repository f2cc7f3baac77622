"""Two processes on one database, as ``python -m bot web`` (or the console) beside
``python -m bot run``: both queue messages for other people in the same outbox.

Found by the browser tests: each process used to count outbox ids from the highest it saw
when it started, so the second process to queue took an id the other had used and the
desk action failed with a 500 (UNIQUE constraint failed: outbox.id). Ids are now taken
inside the write transaction, past the highest anyone committed (db/outbox.py).
"""

from __future__ import annotations

import pytest

from db import Database


async def test_two_processes_queue_messages_in_one_outbox(tmp_path):
    path = tmp_path / "shared.sqlite3"
    bot = await Database.open(path)
    web = await Database.open(path)  # a second connection counts ids like a second process
    try:
        await bot.outbox.enqueue("telegram", "1", {"kind": "message", "text": "a"})
        await web.outbox.enqueue("telegram", "2", {"kind": "message", "text": "b"})
        await bot.outbox.enqueue("telegram", "3", {"kind": "message", "text": "c"})
        # And inside a transaction that rolls back, the id is still not given again.
        with pytest.raises(RuntimeError):
            async with web.transaction():
                rolled_back = await web.outbox.enqueue("telegram", "4", {"kind": "x"})
                raise RuntimeError("the cause failed")
        later = await web.outbox.enqueue("telegram", "5", {"kind": "message", "text": "e"})
        assert later > rolled_back
        async with bot.conn.execute("SELECT COUNT(DISTINCT id) FROM outbox") as cursor:
            assert (await cursor.fetchone())[0] == 4
    finally:
        await web.close()
        await bot.close()
