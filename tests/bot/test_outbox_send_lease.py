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
the lock's connection is cut by the server (pg_terminate_backend) during the first's send.

The worker's side of the lease runs by the event loop's clock: the tests about it hold that
clock still and move it on themselves (tests/support/loop_clock.py), a renewal's interval at
a time and each renewal answered before the next, so a busy machine - a slow database, a
starved process - changes nothing they judge. The database's side runs by the database's
clock, which no test holds: where it must not end during a test, the lease is longer than
all of the test's waits together."""

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
from tests.support.loop_clock import LoopClock, within

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

# A round that never ends is given up on after this long (real time): far past any busy
# machine's slack.
SANITY_SECONDS = 60
# A lease the database's clock does not reach while the test runs: longer than all of its
# waits for the other connection and process together (each gives up after 60 s).
LONGER_THAN_THE_TEST = 3600.0


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


class Renewals:
    """The answers to a process's lease renewals as they come (True: renewed; False:
    refused, or the database failed)."""

    def __init__(self, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answers: asyncio.Queue[bool] = asyncio.Queue()
        renew = db.outbox.renew_lease

        async def answered(item_id: int, *, claimant: int, lease_seconds: float) -> bool:
            answer = False
            try:
                answer = await renew(item_id, claimant=claimant, lease_seconds=lease_seconds)
            finally:
                self.answers.put_nowait(answer)
            return answer

        monkeypatch.setattr(db.outbox, "renew_lease", answered)

    async def run_past(self, clock: LoopClock, seconds: float) -> list[bool]:
        """Move the loop's clock on by a renewal's interval at a time - each renewal it brings
        answered before the next step - until ``seconds`` have passed; the answers."""
        answers: list[bool] = []
        while clock.advanced < seconds:
            # The renewing task, started with the send, takes its turn first (asyncio runs
            # ready tasks in order) and waits for its interval from the present; after that
            # each renewal's next wait begins before its answer is given.
            await asyncio.sleep(0)
            clock.advance(delivery.RENEW_SECONDS)
            answers.append(await self.answers.get())
        return answers


async def test_a_send_under_way_is_not_sent_again_by_another_process(
    database_url, monkeypatch: pytest.MonkeyPatch
):
    # What is judged is that the second keeps off a send under way, however long the first
    # takes to lose its lock: not a race with the lease's end.
    monkeypatch.setattr(delivery, "SEND_SECONDS", LONGER_THAN_THE_TEST)
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
    # A lease the database's clock does not reach by itself while the test waits for the
    # first to go; its end is moved to the present below.
    assert await db1.outbox.begin_attempt(
        message, claimant=first.key, lease_seconds=LONGER_THAN_THE_TEST
    )
    key = first.key
    await _close((db1, first))

    async def gone() -> bool:
        return not await _holds_lock(db2, key)

    await _until(gone)
    # Its lease runs for its length and a margin from the attempt's start: not yet.
    assert await db2.outbox.due(now, ["telegram"], claimant=second.key) == []
    # The lease runs out (its end moved to the database's present: no test waits for it).
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
    recorded in doubt, to be tried again later. Cut off when the loop's clock reaches the
    lease's end, not a renewal's interval later, however long the database took."""
    (db1, first), (db2, second) = await _member(database_url), await _member(database_url)
    message = await _queue(db1, "A", "hello")
    renewals = Renewals(db1, monkeypatch)
    back: list[asyncio.Event] = []
    answers: list[bool] = []
    with LoopClock() as clock:

        async def lose_the_lock_then_let_time_pass() -> None:
            back.append(await _cut_lock_connection(first, db2))
            answers.extend(await renewals.run_past(clock, 2 * delivery.SEND_SECONDS))

        hanging = NeverDone(lose_the_lock_then_let_time_pass)
        worker1 = OutboxWorker(db1, [hanging], claimant=first.key)
        # Without the lease's end the round never ends.
        assert await within(worker1.run_once(), SANITY_SECONDS) == 0
    assert hanging.started.is_set()
    assert clock.advanced == delivery.SEND_SECONDS  # cut off in the step that reached it
    assert answers == []  # that step's renewal was still under way: cut off all the same
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
    line), its lock held all the while: it lasts ``seconds`` of the loop's clock, which it
    moves on itself, a renewal's interval at a time (``Renewals.run_past``)."""

    def __init__(self, clock: LoopClock, renewals: Renewals, seconds: float) -> None:
        super().__init__("one")
        self.clock = clock
        self.renewals = renewals
        self.seconds = seconds
        self.answers: list[bool] = []

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        self.answers = await self.renewals.run_past(self.clock, self.seconds)
        return await super().deliver(chat_id, item, edit_message_id)


async def test_a_slow_send_of_a_live_process_is_not_cut_off(
    database_url, monkeypatch: pytest.MonkeyPatch
):
    """While its process holds its claim and lock, a send's lease is renewed: a send longer
    than one lease goes on and is recorded sent, once and not in doubt (before the renewal:
    cut off at the lease's end and tried again, again and again, each time in doubt)."""
    (db1, first), (db2, second) = await _member(database_url), await _member(database_url)
    message = await _queue(db1, "A", "hello")
    renewals = Renewals(db1, monkeypatch)
    with LoopClock() as clock:
        slow = Slow(clock, renewals, delivery.SEND_SECONDS * 1.5)
        worker1 = OutboxWorker(db1, [slow], claimant=first.key)
        assert await within(worker1.run_once(), SANITY_SECONDS) == 1
    assert clock.advanced >= delivery.SEND_SECONDS * 1.5
    assert slow.answers and all(slow.answers)  # renewed at every step
    assert slow.sent == [("A", "hello")]
    row = await _row(db2, message, "sent_message_id, attempts, in_doubt, last_error")
    assert row == ("one1", 1, 0, "")  # no try cut off before it
    await _close((db1, first), (db2, second))
