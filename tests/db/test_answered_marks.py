"""Updates answered at the same time are marked answered together (db/answered_marks.py):
every mark is written, each caller returns once its own is, a mark that comes while another
is being written goes with the next write (on PostgreSQL one round trip for several), and a
write that fails fails each of its callers and stops nothing after it."""

from __future__ import annotations

import asyncio

import pytest

from db import Database
from db.statements import execute_all
from db.users import UserStore

IDS = ("u1", "u2", "u3", "u4", "u5")


async def _kept(db: Database, *ids: str) -> None:
    """Updates handled with answers kept to send, none sent yet."""
    async with db.transaction():
        await execute_all(
            db.transactions,
            [UserStore.finish_statement("telegram", i, "c1", '["x"]') for i in ids],
        )


async def _answered(db: Database) -> dict[str, bool]:
    rows = await db.fetch_all(
        "SELECT update_id, answered_at IS NOT NULL AND replies IS NULL AND chat_id IS NULL"
        " FROM processed_updates WHERE platform = 'telegram'"
    )
    return {row[0]: bool(row[1]) for row in rows}


def _counted(db: Database, monkeypatch: pytest.MonkeyPatch, fail: list[bool]) -> list[int]:
    """How many statements wrote marks; while ``fail[0]``, each fails instead."""
    statements = [0]
    changed = db.transactions.changed

    async def counting(sql: str, params: object = ()) -> int:
        if sql.startswith("UPDATE processed_updates SET answered_at"):
            statements[0] += 1
            if fail[0]:
                raise RuntimeError("disk full")
        return await changed(sql, params)

    monkeypatch.setattr(db.transactions, "changed", counting)
    return statements


async def test_marks_at_the_same_time_are_all_written_and_go_together(
    db: Database, monkeypatch: pytest.MonkeyPatch
):
    await _kept(db, *IDS)
    statements = _counted(db, monkeypatch, [False])
    written_when_returned: dict[str, bool] = {}

    async def mark(update_id: str) -> None:
        await db.users.mark_answered("telegram", update_id)
        written_when_returned[update_id] = (await _answered(db))[update_id]

    await asyncio.gather(*(mark(i) for i in IDS))
    assert await _answered(db) == dict.fromkeys(IDS, True)
    assert written_when_returned == dict.fromkeys(IDS, True)
    if db.dialect == "postgresql":
        # The first alone, at once; the four that came meanwhile in one statement.
        assert statements[0] == 2
    # One more, alone, is written at once as ever.
    await _kept(db, "u6")
    await db.users.mark_answered("telegram", "u6")
    assert (await _answered(db))["u6"]


async def test_a_failed_write_fails_each_of_its_callers_and_stops_nothing_after_it(
    db: Database, monkeypatch: pytest.MonkeyPatch
):
    await _kept(db, *IDS)
    fail = [True]
    _counted(db, monkeypatch, fail)
    results = await asyncio.gather(
        *(db.users.mark_answered("telegram", i) for i in IDS[:3]), return_exceptions=True
    )
    assert [type(result) for result in results] == [RuntimeError] * 3
    assert not any((await _answered(db)).values())
    fail[0] = False
    await asyncio.gather(*(db.users.mark_answered("telegram", i) for i in IDS))
    assert await _answered(db) == dict.fromkeys(IDS, True)


# How long a mark in a transaction may take before the test calls it stuck: a guard against
# a hang (the transaction waiting for a write that waits for the transaction), not a measure.
GUARD = 60.0


async def test_a_mark_in_the_callers_transaction_is_part_of_it_while_another_is_written(
    db: Database,
):
    """kept_answers.answered marks an update whose speech it queues in one transaction, so
    that both are committed or neither. While another update's mark is being written, that
    mark must still be written in the caller's transaction - not left to the next write,
    which on SQLite waits for that very transaction to end (the bot stuck for good) and on
    PostgreSQL commits the mark on a connection of its own, kept when the speech is not."""
    await _kept(db, "u1", "u2")
    other: list[asyncio.Task[None]] = []

    async def speech_queued_then_rolled_back() -> None:
        async with db.transaction():
            await db.fetch_all("SELECT 1")
            # Another chat's update is answered meanwhile: its mark begins its write.
            other.append(asyncio.create_task(db.users.mark_answered("telegram", "u1")))
            await asyncio.sleep(0)
            await db.users.mark_answered("telegram", "u2")
            raise RuntimeError("the speech could not be queued")

    attempt = asyncio.ensure_future(speech_queued_then_rolled_back())
    finished, _ = await asyncio.wait({attempt}, timeout=GUARD)
    if not finished:
        attempt.cancel()
    with pytest.raises(RuntimeError, match="speech"):
        await attempt
    await asyncio.wait_for(other[0], GUARD)
    assert await _answered(db) == {"u1": True, "u2": False}
