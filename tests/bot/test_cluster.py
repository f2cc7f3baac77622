"""Several processes on one PostgreSQL database (bot/cluster.py, db/outbox.py's claims):
roles with takeover, outbox claims that keep each chat's order and survive a dead process,
and one sending pace for all.

Each "process" here is a Cluster with connections of its own, as a process has; the
replica fault test (tests/system/test_replicas.py) runs real processes."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

import pytest

from bot.cluster import Cluster, members
from db import Database

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


# A wait for something another process does (a lock its backend drops as it exits) gives
# up only after this many tries of 50 ms and more: long enough for any busy machine.
SANITY_TRIES = 1200


async def _until(condition) -> None:
    for _ in range(SANITY_TRIES):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition never came true")


async def _member(url: str) -> tuple[Database, Cluster]:
    db = await Database.open(url)
    cluster = Cluster(db, url)
    await cluster.start()
    return db, cluster


async def test_a_role_has_one_holder_and_passes_on_when_it_dies(database_url):
    (db1, first), (db2, second) = await _member(database_url), await _member(database_url)
    stop = asyncio.Event()
    holding: list[str] = []

    def worker(name: str):
        async def begin() -> None:
            holding.append(name)

        async def end() -> None:
            holding.remove(name)

        return begin, end

    one = asyncio.create_task(first.hold("scheduler", *worker("first"), stop))
    await _until(lambda: holding == ["first"])
    two = asyncio.create_task(second.hold("scheduler", *worker("second"), stop))
    # The second tries for a while (a slower machine gives it fewer tries, never a wrong
    # holder): the first keeps the role.
    await asyncio.sleep(3)
    assert holding == ["first"]
    shown = {m.key: m.roles for m in await members(db2)}
    assert shown[first.key] == ("scheduler",) and shown[second.key] == ()

    # The first process dies: its connections go, and with them its locks.
    one.cancel()
    await first.stop()
    await db1.close()
    await _until(lambda: holding == ["second"])
    shown = {m.key: m.roles for m in await members(db2)}
    assert first.key not in shown and shown[second.key] == ("scheduler",)
    stop.set()
    await two
    assert holding == []
    await second.stop()
    await db2.close()


async def _queue(db: Database, chat: str, text: str) -> int:
    async with db.transaction():
        return await db.outbox.enqueue("telegram", chat, {"type": "text", "text": text})


async def test_claims_keep_each_chat_in_order_and_free_a_dead_process(database_url):
    (db1, first), (db2, second) = await _member(database_url), await _member(database_url)
    a1, a2 = await _queue(db1, "A", "a1"), await _queue(db1, "A", "a2")
    b1 = await _queue(db1, "B", "b1")
    now = datetime.now(UTC)

    mine = await db1.outbox.due(now, ["telegram"], claimant=first.key)
    assert [item.id for item in mine] == [a1, b1]
    # The heads are taken and nothing behind them may overtake: the second gets nothing.
    assert await db2.outbox.due(now, ["telegram"], claimant=second.key) == []

    await db1.outbox.begin_attempt(a1)
    await db1.outbox.mark_sent(a1, "1")
    assert [i.id for i in await db2.outbox.due(now, ["telegram"], claimant=second.key)] == [a2]

    # The first dies while sending b1: b1 is free again, and in doubt.
    await db1.outbox.begin_attempt(b1)
    await first.stop()
    # The server drops a closed connection's locks as its backend exits: a moment later.
    for _ in range(SANITY_TRIES):
        due = await db2.outbox.due(now, ["telegram"], claimant=second.key)
        if [i.id for i in due] == [a2, b1]:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError(f"b1 was never freed: {due}")
    rows = await db2.fetch_all("SELECT in_doubt, claimed_by FROM outbox WHERE id = ?", (b1,))
    assert rows[0][0] == 1 and rows[0][1] == second.key
    await db1.close()
    await second.stop()
    await db2.close()


async def test_concurrent_claims_never_take_the_same_message(database_url):
    dbs = [await _member(database_url) for _ in range(3)]
    db = dbs[0][0]
    ids = [await _queue(db, f"chat{n}", "x") for n in range(60)]
    now = datetime.now(UTC)
    claimed = await asyncio.gather(
        *(d.outbox.due(now, ["telegram"], limit=25, claimant=c.key) for d, c in dbs)
    )
    taken = [item.id for batch in claimed for item in batch]
    assert sorted(taken) == ids  # every head claimed, none twice
    assert all(len(batch) <= 25 for batch in claimed)
    for d, c in dbs:
        await c.stop()
        await d.close()


async def test_one_pace_for_all_processes(database_url):
    """The sending slots of a bot are one sequence for all its processes, kept by the
    database: three processes taking 20 slots each at the same time get 60 slots one
    interval apart (three paces of their own would end after 20)."""
    dbs = [await Database.open(database_url) for _ in range(3)]
    # Far longer than the test takes: every slot lies ahead of the database's clock, so each
    # one taken moves the next on by exactly one interval, however slow the machine.
    interval = 3600.0

    async def take(db: Database, n: int) -> list[float]:
        return [await db.outbox.take_slot("telegram", interval) for _ in range(n)]

    waits = sorted(w for batch in await asyncio.gather(*(take(d, 20) for d in dbs)) for w in batch)
    # A wait is the slot's distance from the database's clock when it was taken; the clock
    # moves on by the test's own duration (well under a minute) in between.
    slack = 60
    assert waits[-1] - waits[0] == pytest.approx(59 * interval, abs=slack)
    assert all(b - a > interval - slack for a, b in itertools.pairwise(waits))
    for d in dbs:
        await d.close()


async def test_a_starting_process_sends_only_a_gone_process_kept_answers(database_url, settings):
    """Answers are kept with each handled update until sent. A process that starts sends
    those a dead process left behind, never those a live process is about to send."""
    from handlers import build_router
    from handlers.dispatcher import Dispatcher
    from handlers.messages import Command, Incoming, Sender

    (db1, live), (db2, dying), (db3, starting) = [await _member(database_url) for _ in range(3)]
    handlers = []
    for db, cluster in ((db1, live), (db2, dying)):
        dispatcher = Dispatcher(db, build_router(), settings)
        dispatcher.process_key = cluster.key
        handlers.append(dispatcher)
    for dispatcher, chat in zip(handlers, ("801", "802"), strict=True):
        incoming = Incoming(Sender("telegram", chat, "A"), chat, Command("start"), update_id=chat)
        assert await dispatcher.handle(incoming)  # answers kept, not yet sent
    newcomer = Dispatcher(db3, build_router(), settings)
    assert [i.chat_id for i, _ in await newcomer.unanswered("telegram")] == []

    await dying.stop()  # the process dies: its lock goes with its connection
    await db2.close()
    # The server lets go of a closed connection's lock when it has noticed the close, a
    # moment later on a busy machine: wait for that (a hang detector, not a speed bound).
    for _ in range(600):
        kept = [i.chat_id for i, _ in await newcomer.unanswered("telegram")]
        if kept:
            break
        await asyncio.sleep(0.05)
    # The dead process's answer is the newcomer's to send; the live one's (801) stays with
    # the live process.
    assert kept == ["802"]
    for db, cluster in ((db1, live), (db3, starting)):
        await cluster.stop()
        await db.close()


async def test_more_chat_turns_at_once_than_the_pool_has_connections_all_get_handled(
    database_url,
):
    """Webhook updates of as many chats at once as the database's pool has connections,
    and more (Telegram opens up to 40 connections): each is handled in its chat's turn, and
    its handling reads the database. A turn's lock must not hold one of the pool's
    connections: the turns would take them all and every handling would wait for one."""
    db, cluster = await _member(database_url)
    chats = db.pool.max_size + 2
    handled: list[int] = []

    async def update(chat: int) -> None:
        async with cluster.chat_turn("telegram", str(chat)):
            assert await db.fetch_all("SELECT 1") == [(1,)]
            handled.append(chat)

    try:
        # Every update asks for its turn before any handling asks for a connection (the
        # order the turns' waiting would leave them in): without turns of their own, the
        # pool hands its connections to the turns first and ends in PoolTimeout.
        await asyncio.gather(*(update(n) for n in range(chats)))
        assert sorted(handled) == list(range(chats))
    finally:
        await cluster.stop()
        await db.close()
