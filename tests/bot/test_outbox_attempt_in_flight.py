"""A message is sent once even when its sender loses its process lock in the middle of the
send (issue 77 leftovers, point 5). ``begin_attempt`` checks the claim and the lock right
before the network call, but the lock's connection can go a moment later, while the call is
under way: a second process then found the claim free and sent the same message again. The
database is the arbiter: an attempt under way is not taken over until it is surely over -
a try lasts at most ``ATTEMPT_SECONDS`` (the worker cuts it off there, bot/delivery.py), and
the attempt's start and the takeover's wait are read on the database's clock, so the
processes' clocks do not matter (db/outbox.py).

Two deliverers, each a Cluster with connections of its own, as in
tests/bot/test_cluster_lost_lock.py; the lock's connection is cut by the server
(pg_terminate_backend) while the first's sender is delivering."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.delivery import OutboxWorker
from db import Database, outbox
from handlers.messages import Outgoing
from tests.bot.test_cluster_lost_lock import (
    Recorder,
    _cut_lock_connection,
    _holds_lock,
    _member,
    _queue,
    _until,
)

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


class LosingTheLock(Recorder):
    """The first process's sender: while it delivers, its process's lock connection goes and
    the second process tries to claim and send; then the delivery ends."""

    def __init__(self, during: Any) -> None:
        super().__init__("one")
        self.during = during

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        await self.during()
        return await super().deliver(chat_id, item, edit_message_id)


async def begun_long_ago(db: Database, item_id: int) -> None:
    """The attempt at ``item_id`` began longer ago than a try may last, by the database's
    clock (its start moved back: no test waits minutes)."""
    await db.execute(
        "UPDATE outbox SET attempt_started_at = to_char(clock_timestamp() AT TIME ZONE 'UTC'"
        ' - make_interval(secs => ?), \'YYYY-MM-DD"T"HH24:MI:SS"Z"\') WHERE id = ?',
        (outbox.TAKEOVER_SECONDS + 1, item_id),
    )


async def test_a_message_whose_send_is_under_way_is_not_sent_by_a_second_process(database_url):
    (db1, first), (db2, second) = await _member(database_url), await _member(database_url)
    two = Recorder("two")
    worker2 = OutboxWorker(db2, [two], claimant=second.key)
    back: list[asyncio.Event] = []
    rounds: list[int] = []

    async def lose_the_lock_and_let_the_second_try() -> None:
        back.append(await _cut_lock_connection(first, db2))
        # The first's claim is free now by its lock; the second looks for work twice.
        rounds.append(await worker2.run_once())
        rounds.append(await worker2.run_once())

    one = LosingTheLock(lose_the_lock_and_let_the_second_try)
    worker1 = OutboxWorker(db1, [one], claimant=first.key)
    message = await _queue(db1, "A", "hello")
    assert await worker1.run_once() == 1

    assert one.sent == [("A", "hello")]
    assert two.sent == []  # once, not twice
    assert rounds == [0, 0]
    back[0].set()

    async def first_back() -> bool:
        return await _holds_lock(db2, first.key)

    await _until(first_back)
    row = await db2.fetch_all(
        "SELECT sent_message_id, attempts, claimed_by, in_doubt FROM outbox WHERE id = ?",
        (message,),
    )
    assert tuple(row[0]) == ("one1", 1, None, 0)
    for cluster, db in ((first, db1), (second, db2)):
        await cluster.stop()
        await db.close()


async def test_an_attempt_surely_over_is_taken_over_in_doubt(database_url):
    """A process that died (or hung) in the middle of a send does not keep its message
    forever: once the attempt began longer ago than a try may last, by the database's clock,
    another process sends it, marked in doubt (it may have gone out)."""
    (db1, first), (db2, second) = await _member(database_url), await _member(database_url)
    message = await _queue(db1, "A", "hello")
    now = datetime.now(UTC)
    assert [i.id for i in await db1.outbox.due(now, ["telegram"], claimant=first.key)] == [message]
    assert await db1.outbox.begin_attempt(message, claimant=first.key)
    back = await _cut_lock_connection(first, db2)
    # Under way: not the second's.
    assert await db2.outbox.due(now, ["telegram"], claimant=second.key) == []
    await begun_long_ago(db2, message)
    taken = await db2.outbox.due(now, ["telegram"], claimant=second.key)
    assert [i.id for i in taken] == [message]
    row = await db2.fetch_all("SELECT claimed_by, in_doubt FROM outbox WHERE id = ?", (message,))
    assert tuple(row[0]) == (second.key, 1)
    back.set()
    for cluster, db in ((first, db1), (second, db2)):
        await cluster.stop()
        await db.close()
