"""A process that loses its process lock's connection while it lives (bot/cluster.py): its
outbox claims are free from then on, another process claims and sends them, and the first
must neither send them too nor record anything about them (db/outbox.py's fence); it takes
its lock again and goes on sending.

The connection is cut the way a network blip or an idle-connection kill cuts it, by the
server: pg_terminate_backend on the lock connection's backend, between the claim and the
send. Each "process" is a Cluster with connections of its own (tests/bot/test_cluster.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from markupsafe import Markup

from bot.cluster import Cluster
from bot.delivery import OutboxWorker
from db import Database
from handlers.messages import Message, Outgoing, Recipient, encode
from tests.support.loop_clock import real_pause

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

# Waits for what another connection or process does give up only after this many tries of
# 50 ms: long enough for any busy machine.
SANITY_TRIES = 1200


class Recorder:
    platform = "telegram"

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[tuple[str, str]] = []

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        self.sent.append((chat_id, str(item.text)))
        return f"{self.name}{len(self.sent)}"


async def _member(url: str) -> tuple[Database, Cluster]:
    db = await Database.open(url)
    cluster = Cluster(db, url)
    await cluster.start()
    return db, cluster


async def _queue(db: Database, chat: str, text: str) -> int:
    async with db.transaction():
        item = Message(Markup(text), to=Recipient("telegram", chat))
        return await db.outbox.enqueue("telegram", chat, encode(item))


async def _holds_lock(db: Database, key: int) -> bool:
    rows = await db.fetch_all(
        "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid::bigint = ?",
        (key,),
    )
    return bool(rows)


async def _until(check: Any) -> None:
    for _ in range(SANITY_TRIES):
        if await check():
            return
        # By the real clock: a test may hold the loop's clock still (tests/support/loop_clock.py).
        await real_pause(0.05)
    raise AssertionError("the condition never came true")


async def _cut_lock_connection(first: Cluster, db2: Database) -> asyncio.Event:
    """Terminate ``first``'s lock connection and hold its new one back until the returned
    event is set (so that another process surely claims in between)."""
    back = asyncio.Event()
    connect = first._connect

    async def held_back() -> Any:
        await back.wait()
        return await connect()

    first._connect = held_back  # type: ignore[method-assign]
    await db2.fetch_all("SELECT pg_terminate_backend(?)", (first.key,))

    async def gone() -> bool:
        return not await _holds_lock(db2, first.key)

    await _until(gone)
    return back


async def test_a_process_that_lost_its_lock_sends_nothing_another_took(database_url):
    (db1, first), (db2, second) = await _member(database_url), await _member(database_url)
    one, two = Recorder("one"), Recorder("two")
    worker1 = OutboxWorker(db1, [one], claimant=first.key)
    worker2 = OutboxWorker(db2, [two], claimant=second.key)
    message = await _queue(db1, "A", "hello")
    claim = db1.outbox.due
    lost: list[asyncio.Event] = []

    async def claim_then_lose_the_lock(*args: Any, **kwargs: Any) -> Any:
        items = await claim(*args, **kwargs)
        if items and not lost:
            # Between the first's claim and its send: its lock's connection goes, and the
            # second process claims and sends what the first claimed.
            lost.append(await _cut_lock_connection(first, db2))

            async def second_sent() -> bool:
                return await worker2.run_once() > 0 or bool(two.sent)

            await _until(second_sent)
        return items

    db1.outbox.due = claim_then_lose_the_lock  # type: ignore[method-assign]
    await worker1.run_once()

    assert two.sent == [("A", "hello")]
    assert one.sent == []  # one delivery, not two
    row = await db2.fetch_all(
        "SELECT sent_message_id, attempts, claimed_by FROM outbox WHERE id = ?", (message,)
    )
    assert tuple(row[0]) == ("two1", 1, None)  # the second's record, untouched by the first

    # The first takes its lock again and goes on sending what it claims from now on.
    lost[0].set()

    async def first_back() -> bool:
        return await _holds_lock(db2, first.key)

    await _until(first_back)
    await _queue(db1, "B", "again")
    assert await worker1.run_once() == 1
    assert one.sent == [("B", "again")]
    for cluster, db in ((first, db1), (second, db2)):
        await cluster.stop()
        await db.close()


async def test_a_stale_claimer_changes_nothing_of_another_claim(database_url):
    (db1, first), (db2, second) = await _member(database_url), await _member(database_url)
    message = await _queue(db1, "A", "hello")
    now = datetime.now(UTC)
    assert [i.id for i in await db1.outbox.due(now, ["telegram"], claimant=first.key)] == [message]
    back = await _cut_lock_connection(first, db2)
    assert [i.id for i in await db2.outbox.due(now, ["telegram"], claimant=second.key)] == [message]

    # The first's late outcomes and its next try change nothing of the second's claim.
    assert not await db1.outbox.begin_attempt(message, claimant=first.key)
    assert not await db1.outbox.mark_sent(message, "one1", claimant=first.key)
    later = now + timedelta(hours=1)
    await db1.outbox.retry_later(message, later, "busy", claimant=first.key)
    await db1.outbox.give_up(message, "gone", claimant=first.key)
    row = await db2.fetch_all(
        "SELECT sent_at, failed_at, attempts, claimed_by, attempt_started_at FROM outbox"
        " WHERE id = ?",
        (message,),
    )
    assert tuple(row[0]) == (None, None, 0, second.key, None)
    # The second's own outcome counts.
    assert await db2.outbox.begin_attempt(message, claimant=second.key)
    assert await db2.outbox.mark_sent(message, "two1", claimant=second.key)
    back.set()
    for cluster, db in ((first, db1), (second, db2)):
        await cluster.stop()
        await db.close()
