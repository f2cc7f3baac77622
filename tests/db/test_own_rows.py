"""An update's transaction on PostgreSQL begins without the city's write lock (db/postgres.py,
"own rows"): it waits for no other update while it writes only its person's rows, and a
write beyond them sends it back to be done again under the lock, so that a rule raced from
two processes (two Database handles on one database) is still done once."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import psycopg
import pytest

from db import Database
from db.postgres import PERSON_CLASS, person_lock, write_lock
from db.request_states import MATCHED, OPEN
from db.transactions import CityLockNeeded, ForPerson, own_row
from db.users import ConversationState
from handlers.dispatcher import Dispatcher
from tests.support.memory_transport import MemoryTransport

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])
# Generous: reached only when the update waits for the lock held below (it never should).
WAIT = 120


async def test_an_update_of_own_rows_waits_for_no_other_writer(
    chat: MemoryTransport, db: Database, database_url: str
):
    await chat.onboard("ana")
    first, second = write_lock(None)
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as other:
        # Another process's write transaction, holding the city's lock until it ends.
        await other.execute("BEGIN")
        await other.execute("SELECT pg_advisory_xact_lock(%s, %s)", (first, second))
        answers = await asyncio.wait_for(chat.text("ana", "/start"), WAIT)
        assert answers
        await other.execute("ROLLBACK")
    rows = await db.fetch_all("SELECT count(*) FROM processed_updates")
    assert rows[0][0] >= 2  # the onboarding's updates and /start, each recorded once


async def _match_once(
    db: Database, request_id: int, volunteer_id: int, both_read: asyncio.Barrier
) -> bool:
    """A rule as the stores write it - read the request, match it if it is open - in an
    update's transaction of own rows, done again under the city lock when it is refused."""

    async def attempt(own_rows: bool) -> bool:
        async with db.transaction(person=ForPerson(f"memory:{volunteer_id}", own_rows)):
            state = (
                await db.fetch_all("SELECT state FROM help_requests WHERE id = ?", (request_id,))
            )[0][0]
            if own_rows:
                await both_read.wait()  # both processes saw it open
            if state != OPEN:
                return False
            await db.transactions.changed(
                "UPDATE help_requests SET state = ?, volunteer_id = ? WHERE id = ?",
                (MATCHED, volunteer_id, request_id),
            )
            return True

    try:
        return await attempt(True)
    except CityLockNeeded:
        return await attempt(False)


async def test_a_rule_raced_from_two_processes_is_done_once(database_url: str):
    first, second = await Database.open(database_url), await Database.open(database_url)
    try:
        people = [await first.users.seen("memory", name, name, name) for name in ("r", "v1", "v2")]
        request = await first.requests.create(
            people[0].id, people[0].id, category="shopping", state=OPEN
        )
        both_read = asyncio.Barrier(2)
        won = await asyncio.gather(
            _match_once(first, request.id, people[1].id, both_read),
            _match_once(second, request.id, people[2].id, both_read),
        )
        assert sorted(won) == [False, True]
        matched = await first.requests.get(request.id)
        assert matched is not None and matched.state == MATCHED
        assert matched.volunteer_id == people[1 + won.index(True)].id
    finally:
        await first.close()
        await second.close()


async def test_a_refused_write_commits_nothing_even_when_the_caller_goes_on(db: Database):
    user = await db.users.seen("memory", "p", "p", "P")
    with pytest.raises(CityLockNeeded):
        async with db.transaction(person=ForPerson("memory:p", own_rows=True)):
            await db.transactions.execute_all(
                [db.users.state_statement(user.id, None)]  # an own row: allowed
            )
            # A handler that swallows the refusal: the transaction still commits nothing.
            with contextlib.suppress(CityLockNeeded):
                await db.transactions.changed(
                    "UPDATE users SET language = 'ar' WHERE id = ?", (user.id,)
                )
            await db.transactions.changed(
                "UPDATE users SET first_name = 'Q' WHERE id = ?", (user.id,)
            )
    again = await db.users.get(user.id)
    assert again is not None and again.first_name == "P" and again.language != "ar"


async def _waiter(conn: psycopg.AsyncConnection, lock_class: int) -> int:
    """The backend waiting for an advisory lock of ``lock_class``, once one does."""
    for _ in range(WAIT * 20):
        cursor = await conn.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = %s",
            (lock_class,),
        )
        row = await cursor.fetchone()
        if row is not None:
            return int(row[0])
        await asyncio.sleep(0.05)
    raise AssertionError("nothing waited for the lock")


async def test_one_persons_updates_wait_for_each_other(
    chat: MemoryTransport, db: Database, database_url: str
):
    await chat.onboard("ana")
    first, second = person_lock(None, "memory:ana")
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as other:
        # Another process handling one of ana's updates.
        await other.execute("BEGIN")
        await other.execute("SELECT pg_advisory_xact_lock(%s, %s)", (first, second))
        answer = asyncio.create_task(chat.text("ana", "/start"))
        await _waiter(other, PERSON_CLASS)
        assert not answer.done()
        await other.execute("ROLLBACK")
        assert await asyncio.wait_for(answer, WAIT)


async def test_a_persons_write_beyond_own_rows_takes_their_lock_then_the_citys(
    db: Database, database_url: str
):
    user = await db.users.seen("memory", "p", "p", "P")

    async def set_language() -> None:
        async with db.transaction(person=ForPerson("memory:p")):
            await db.transactions.changed(
                "UPDATE users SET language = 'ar' WHERE id = ?", (user.id,)
            )

    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as other:
        await other.execute("BEGIN")
        await other.execute("SELECT pg_advisory_xact_lock(%s, %s)", write_lock(None))
        task = asyncio.create_task(set_language())
        pid = await _waiter(other, write_lock(None)[0])
        cursor = await other.execute(
            "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = %s"
            " AND classid = %s AND objid::int = %s",
            (pid, *person_lock(None, "memory:p")),
        )
        assert await cursor.fetchone() is not None  # the person's lock first, held
        assert not task.done()
        await other.execute("ROLLBACK")
        await asyncio.wait_for(task, WAIT)
    again = await db.users.get(user.id)
    assert again is not None and again.language == "ar"


# A write of the person's own users row, declared as the stores declare theirs.
_SEEN = own_row("UPDATE users SET seen_at = ? WHERE id = ?")


async def _blocked_on_a_row(conn: psycopg.AsyncConnection, pid: int) -> None:
    """Until the backend ``pid`` waits for another transaction's row."""
    for _ in range(WAIT * 20):
        cursor = await conn.execute(
            "SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted AND locktype = 'transactionid'",
            (pid,),
        )
        if await cursor.fetchone() is not None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the writer never waited for the row")


async def test_an_update_of_own_rows_that_deadlocks_with_a_city_writer_is_done_again(
    db: Database, database_url: str
):
    """A person's own rows and a city writer that takes the same two rows the other way
    round: the server ends the transaction of own rows as the deadlock's victim, and it is
    sent to the city's lock (CityLockNeeded) rather than failed."""
    user = await db.users.seen("memory", "p", "p", "P")
    await db.transactions.execute_all(
        [db.users.state_statement(user.id, ConversationState("a", {}))]
    )
    holds_its_row, go_on = asyncio.Event(), asyncio.Event()

    async def own_rows() -> None:
        async with db.transaction(person=ForPerson("memory:p", own_rows=True)):
            state = ConversationState("b", {})
            await db.transactions.execute_all([db.users.state_statement(user.id, state)])
            holds_its_row.set()
            await go_on.wait()
            await db.transactions.changed(_SEEN, ("2026-01-01T00:00:00", user.id))

    async with (
        await psycopg.AsyncConnection.connect(database_url, autocommit=True) as writer,
        await psycopg.AsyncConnection.connect(database_url, autocommit=True) as watch,
    ):
        # The writer is never the one to give up (with both at 1 s, it would be half the time).
        await writer.execute("SET deadlock_timeout = '1h'")
        await writer.execute("BEGIN")
        await writer.execute("SELECT pg_advisory_xact_lock(%s, %s)", write_lock(None))
        attempt = asyncio.create_task(own_rows())
        await asyncio.wait_for(holds_its_row.wait(), WAIT)
        await writer.execute("UPDATE users SET first_name = 'Q' WHERE id = %s", (user.id,))
        blocked = asyncio.create_task(
            writer.execute("UPDATE conversations SET state = 'c' WHERE user_id = %s", (user.id,))
        )
        await _blocked_on_a_row(watch, writer.info.backend_pid)
        go_on.set()
        with pytest.raises(CityLockNeeded):
            await asyncio.wait_for(attempt, WAIT)
        await asyncio.wait_for(blocked, WAIT)
        await writer.execute("COMMIT")
    again = await db.users.get(user.id)
    assert again is not None and again.first_name == "Q"


async def test_a_handler_that_makes_its_own_error_of_a_refused_write_is_no_failure(
    chat: MemoryTransport, db: Database, monkeypatch: pytest.MonkeyPatch, caplog
):
    """A handler that turns the refusal into an error of its own: the update is handled
    again under the city's lock, and no "handler failed" is logged for it."""
    await chat.onboard("ana")
    route = Dispatcher._route

    async def wrapping(self: Dispatcher, ctx) -> None:
        try:
            await self.db.transactions.changed(
                "UPDATE users SET first_name = 'Anna' WHERE id = ?", (ctx.user.id,)
            )
        except CityLockNeeded as exc:
            raise RuntimeError("could not rename") from exc
        await route(self, ctx)

    monkeypatch.setattr(Dispatcher, "_route", wrapping)
    with caplog.at_level(logging.ERROR, logger="handlers.dispatcher"):
        assert await chat.text("ana", "/start")
    assert not caplog.records
    user = await db.users.find("memory", "ana")
    assert user is not None and user.first_name == "Anna"
