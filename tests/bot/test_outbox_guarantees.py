"""The outbox's guarantees under failure: the worker sends only what was committed, never
reuses an id, moves past a message it cannot send, and retries passing failures for as long
as they last. Each test failed on the code before the redesign."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery import MAX_UNEXPLAINED_ATTEMPTS, OutboxWorker
from bot.transports.sending import DeliveryError
from db import Database
from handlers.messages import Message, encode


class Recorder:
    platform = "memory"

    def __init__(self, fail_first: int = 0, error: Exception | None = None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail_first = fail_first
        self.error = error
        self.calls = 0

    async def deliver(self, chat_id, item, edit_message_id=None):
        self.calls += 1
        text = str(getattr(item, "text", ""))
        if self.error is not None and text.startswith("poison"):
            raise self.error
        self.sent.append((chat_id, text))
        return str(len(self.sent))


async def test_the_worker_never_sends_what_an_update_rolled_back(
    db: Database, monkeypatch: pytest.MonkeyPatch
):
    sender = Recorder()
    worker = OutboxWorker(db, [sender])
    inside = asyncio.Event()
    release = asyncio.Event()
    asked, answered = asyncio.Event(), asyncio.Event()
    due = db.outbox.due

    async def looked_for_work(*args, **kwargs):
        asked.set()
        items = await due(*args, **kwargs)
        answered.set()
        return items

    monkeypatch.setattr(db.outbox, "due", looked_for_work)

    async def failing_update() -> int:
        async with db.transaction():
            item_id = await db.outbox.enqueue("memory", "ben", encode(Message("phantom")))
            inside.set()
            await release.wait()
            raise RuntimeError("the handler failed after queueing")
        return item_id  # pragma: no cover

    update = asyncio.create_task(failing_update())
    await inside.wait()
    delivery = asyncio.create_task(worker.run_once())
    # The worker's round looks for work while the update is still open: on PostgreSQL it
    # reads the table meanwhile (the row not committed); on SQLite's one connection it
    # waits for the update's end, which it cannot pass before.
    await (answered if db.dialect == "postgresql" else asked).wait()
    release.set()
    with pytest.raises(RuntimeError):
        await update
    await delivery
    assert sender.sent == []

    # The rolled-back id is not handed out again: a later edit by id hits the right message.
    async with db.transaction():
        real = await db.outbox.enqueue("memory", "ben", encode(Message("real")))
    await worker.run_once()
    assert sender.sent == [("ben", "real")]
    row = await db.fetch_all("SELECT id, sent_at FROM outbox")
    assert [(r[0], r[1] is not None) for r in row] == [(real, True)]
    if db.dialect == "sqlite":
        last = await db.fetch_one("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'")
    else:
        last = await db.fetch_one(
            "SELECT pg_sequence_last_value(pg_get_serial_sequence('outbox', 'id'))"
        )
    assert last and last[0] >= real


async def test_outbox_ids_are_never_reused_after_a_rollback(db: Database):
    async with db.transaction():
        first = await db.outbox.enqueue("memory", "a", encode(Message("one")))
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.outbox.enqueue("memory", "a", encode(Message("two")))
            raise RuntimeError
    async with db.transaction():
        third = await db.outbox.enqueue("memory", "a", encode(Message("three")))
    assert third > first + 1


@pytest.mark.parametrize(
    "error",
    [ValueError("reply could not be parsed: poison text"), DeliveryError("x", transient=False)],
)
async def test_a_poison_message_is_given_up_and_the_chat_moves_on(db: Database, caplog, error):
    caplog.set_level(logging.DEBUG)
    sender = Recorder(error=error)
    now = [datetime.now(UTC)]
    failures: list[tuple[str, bool]] = []
    worker = OutboxWorker(
        db,
        [sender],
        clock=lambda: now[0],
        on_failure=lambda platform, permanent: failures.append((platform, permanent)),
    )
    async with db.transaction():
        poison = await db.outbox.enqueue("memory", "ben", encode(Message("poison: door 4711")))
        await db.outbox.enqueue("memory", "ben", encode(Message("after it")))
    for _ in range(MAX_UNEXPLAINED_ATTEMPTS + 2):
        await worker.run_once()
        now[0] += timedelta(hours=1)
    assert sender.sent == [("ben", "after it")]
    assert sender.calls == MAX_UNEXPLAINED_ATTEMPTS + 1
    _, _, failed_at = await db.outbox.state(poison)
    assert failed_at is not None
    assert ("memory", True) in failures
    assert "4711" not in caplog.text and "door" not in caplog.text


async def test_transient_failures_are_still_retried_for_as_long_as_it_takes(db: Database):
    class Flaky(Recorder):
        async def deliver(self, chat_id, item, edit_message_id=None):
            self.calls += 1
            if self.calls <= MAX_UNEXPLAINED_ATTEMPTS + 3:
                raise DeliveryError("NetworkError")
            return await super().deliver(chat_id, item, edit_message_id)

    sender = Flaky()
    now = [datetime.now(UTC)]
    worker = OutboxWorker(db, [sender], clock=lambda: now[0])
    async with db.transaction():
        await db.outbox.enqueue("memory", "ben", encode(Message("survives an outage")))
    for _ in range(MAX_UNEXPLAINED_ATTEMPTS + 5):
        await worker.run_once()
        now[0] += timedelta(hours=1)
    assert sender.sent == [("ben", "survives an outage")]


async def test_a_send_does_not_begin_for_a_message_settled_or_erased_meanwhile(db: Database):
    """Between the worker's pick of a message and its send (its voice made, the bot's pace
    waited for) the message may be settled or its person erased: begin_attempt then says
    not to send it - on either backend, one process or several."""
    async with db.transaction():
        sent = await db.outbox.enqueue("memory", "a", encode(Message("one")))
        given_up = await db.outbox.enqueue("memory", "b", encode(Message("two")))
        erased = await db.outbox.enqueue("memory", "c", encode(Message("three")))
        waiting = await db.outbox.enqueue("memory", "d", encode(Message("four")))
    await db.outbox.mark_sent(sent, "1")
    await db.outbox.give_up(given_up, "refused")
    await db.execute("DELETE FROM outbox WHERE id = ?", (erased,))
    assert [await db.outbox.begin_attempt(i) for i in (sent, given_up, erased)] == [False] * 3
    assert await db.outbox.begin_attempt(waiting)
    assert (await db.outbox.state(waiting)) is not None


async def test_a_message_erased_while_the_worker_held_it_is_not_sent_and_holds_up_nothing(
    db: Database, monkeypatch
):
    """Its person erased between the worker's pick and the send: not sent, and the round's
    other chats go on in the same run (one process; with several, begin_attempt's False
    may also mean the lock was lost, and the round is left to whoever holds it)."""
    sender = Recorder()
    worker = OutboxWorker(db, [sender])
    async with db.transaction():
        erased = await db.outbox.enqueue("memory", "a", encode(Message("for the erased")))
        await db.outbox.enqueue("memory", "b", encode(Message("for Ben")))
    with_media = worker._with_media

    async def erased_meanwhile(platform, outgoing):
        if str(getattr(outgoing, "text", "")) == "for the erased":
            await db.execute("DELETE FROM outbox WHERE id = ?", (erased,))
        return await with_media(platform, outgoing)

    monkeypatch.setattr(worker, "_with_media", erased_meanwhile)
    await worker.run_once()
    assert sender.sent == [("b", "for Ben")]
