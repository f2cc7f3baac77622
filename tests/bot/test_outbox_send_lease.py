"""A message is sent once even when its process loses its lock's connection in the middle
of the send (PostgreSQL, several processes; db/outbox.py, bot/delivery.py).

``begin_attempt`` checks the claim and the process lock right before the network call, but
the lock's connection can go a moment later, while the call is under way: the process lives
and its send goes out, yet its claim looked free, and a second process claimed the message
at once and sent it again. Now a send is leased: the worker cuts it off when its lease
(``SEND_SECONDS``) ends, and the database keeps the message from every other process until
then and a margin, by the database's clock; a process that died mid-send costs its message
that wait, not more, and the message then goes out again in doubt.

Two deliverers, each a Cluster with connections of its own (tests/bot/test_cluster_lost_lock.py);
the lock's connection is cut by the server (pg_terminate_backend) during the first's send."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from bot import delivery
from bot.delivery import OutboxWorker
from db import Database
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

# A round that never ends is given up on after this long: far past any busy machine's slack.
SANITY_SECONDS = 60


class Meanwhile(Recorder):
    """A sender that, while it delivers, lets ``during`` happen first."""

    def __init__(self, during: Any) -> None:
        super().__init__("one")
        self.during = during

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        await self.during()
        return await super().deliver(chat_id, item, edit_message_id)


async def _row(db: Database, message: int, columns: str) -> tuple[Any, ...]:
    rows = await db.fetch_all(f"SELECT {columns} FROM outbox WHERE id = ?", (message,))
    return tuple(rows[0])


async def _close(*members: Any) -> None:
    for db, cluster in members:
        await cluster.stop()
        await db.close()


async def test_a_send_under_way_is_not_sent_again_by_another_process(database_url):
    (db1, first), (db2, second) = await _member(database_url), await _member(database_url)
    two = Recorder("two")
    worker2 = OutboxWorker(db2, [two], claimant=second.key)
    back: list[asyncio.Event] = []
    rounds: list[int] = []

    async def lose_the_lock_and_let_the_second_try() -> None:
        back.append(await _cut_lock_connection(first, db2))
        # The first's claim looks free by its lock now; the second looks for work twice.
        rounds.append(await worker2.run_once())
        rounds.append(await worker2.run_once())

    one = Meanwhile(lose_the_lock_and_let_the_second_try)
    worker1 = OutboxWorker(db1, [one], claimant=first.key)
    message = await _queue(db1, "A", "hello")
    assert await worker1.run_once() == 1

    assert one.sent == [("A", "hello")]
    assert two.sent == []  # once, not twice (before the lease: the second sent it too)
    assert rounds == [0, 0]
    row = await _row(db2, message, "sent_message_id, attempts, claimed_by, in_doubt")
    assert row == ("one1", 1, None, 0)  # the first's own record: its claim was never taken
    back[0].set()

    async def first_back() -> bool:
        return await _holds_lock(db2, first.key)

    await _until(first_back)
    await _close((db1, first), (db2, second))


async def test_a_gone_process_send_is_taken_over_once_its_lease_is_over(database_url):
    """A process that died mid-send holds its message for the send's lease only (then it
    is sent again, in doubt); before that no other process takes it."""
    (db1, first), (db2, second) = await _member(database_url), await _member(database_url)
    message = await _queue(db1, "A", "hello")
    now = datetime.now(UTC)
    assert [i.id for i in await db1.outbox.due(now, ["telegram"], claimant=first.key)] == [message]
    assert await db1.outbox.begin_attempt(
        message, claimant=first.key, lease_seconds=delivery.SEND_SECONDS
    )
    key = first.key
    await _close((db1, first))

    async def gone() -> bool:
        return not await _holds_lock(db2, key)

    await _until(gone)
    # Its lease runs for SEND_SECONDS and a margin from the attempt's start: not yet.
    assert await db2.outbox.due(now, ["telegram"], claimant=second.key) == []
    # The lease runs out (its end moved to the database's present: no test waits 25 s).
    await db2.execute(
        "UPDATE outbox SET next_attempt_at = to_char(clock_timestamp() AT TIME ZONE 'UTC',"
        ' \'YYYY-MM-DD"T"HH24:MI:SS"Z"\') WHERE id = ?',
        (message,),
    )

    async def taken() -> bool:
        due = await db2.outbox.due(datetime.now(UTC), ["telegram"], claimant=second.key)
        return [i.id for i in due] == [message]

    await _until(taken)  # once the database's clock is past the stored second
    assert await _row(db2, message, "claimed_by, in_doubt") == (second.key, 1)
    await _close((db2, second))


class NeverDone(Recorder):
    """A sender whose network call never ends (a server that takes the request and never
    answers); ``during`` happens first."""

    def __init__(self, during: Any = None) -> None:
        super().__init__("one")
        self.started = asyncio.Event()
        self.during = during

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        self.started.set()
        if self.during is not None:
            await self.during()
        await asyncio.Event().wait()
        raise AssertionError("never")


async def test_a_send_is_cut_off_when_its_lease_ends_and_tried_again_in_doubt(
    database_url, monkeypatch: pytest.MonkeyPatch
):
    """The worker keeps its side of the lease: a send still under way when it ends - the
    process lost its lock, so it is not renewed - is abandoned (it may have gone out) and
    recorded in doubt, to be tried again later."""
    monkeypatch.setattr(delivery, "SEND_SECONDS", 0.5)
    monkeypatch.setattr(delivery, "RENEW_SECONDS", 0.1)
    (db1, first), (db2, second) = await _member(database_url), await _member(database_url)
    message = await _queue(db1, "A", "hello")
    back: list[asyncio.Event] = []

    async def lose_the_lock() -> None:
        back.append(await _cut_lock_connection(first, db2))

    hanging = NeverDone(lose_the_lock)
    worker1 = OutboxWorker(db1, [hanging], claimant=first.key)
    # Without the lease's end the round never ends.
    assert await asyncio.wait_for(worker1.run_once(), SANITY_SECONDS) == 0
    assert hanging.started.is_set()
    row = await _row(
        db2, message, "sent_at, attempts, in_doubt, claimed_by, attempt_started_at, last_error"
    )
    assert row == (None, 1, 1, None, None, "send outlasted its lease")
    back[0].set()

    async def first_back() -> bool:
        return await _holds_lock(db2, first.key)

    await _until(first_back)
    await _close((db1, first), (db2, second))


class Slow(Recorder):
    """A healthy send that takes longer than a lease (several parts, an upload over a slow
    line), its lock held all the while."""

    def __init__(self, seconds: float) -> None:
        super().__init__("one")
        self.seconds = seconds

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        await asyncio.sleep(self.seconds)  # the send's own length, not a wait for anything
        return await super().deliver(chat_id, item, edit_message_id)


async def test_a_slow_send_of_a_live_process_is_not_cut_off(
    database_url, monkeypatch: pytest.MonkeyPatch
):
    """While its process holds its claim and lock, a send's lease is renewed: a send longer
    than one lease goes on and is recorded sent, once and not in doubt (before the renewal:
    cut off at the lease's end and tried again, again and again, each time in doubt)."""
    monkeypatch.setattr(delivery, "SEND_SECONDS", 2.0)
    monkeypatch.setattr(delivery, "RENEW_SECONDS", 0.1)
    (db1, first), (db2, second) = await _member(database_url), await _member(database_url)
    message = await _queue(db1, "A", "hello")
    slow = Slow(delivery.SEND_SECONDS * 1.5)
    worker1 = OutboxWorker(db1, [slow], claimant=first.key)
    assert await asyncio.wait_for(worker1.run_once(), SANITY_SECONDS) == 1
    assert slow.sent == [("A", "hello")]
    row = await _row(db2, message, "sent_message_id, attempts, in_doubt, last_error")
    assert row == ("one1", 1, 0, "")  # no try cut off before it
    await _close((db1, first), (db2, second))
