"""The cluster bench's fan-out counts a message as sent when the fake Bot API delivered it
(answered 200), not for every request (bench/cluster_bench.py ``deliveries``).

A loaded run reported "429s 23; sends 1023 (23 twice)": each request the fake refused with
429 Too Many Requests was counted as a send, so its retry (the message's one delivery) read
as a message sent twice. These tests send through the real fake over HTTP, and once
through the outbox and the Telegram sender on PostgreSQL, as the bench's processes do.
"""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest
from markupsafe import Markup

from bench.cluster_bench import HandledCount, deliveries
from bot.delivery import OutboxWorker
from db import Database
from db.users import UserStore
from handlers.messages import Message, Recipient, encode
from tests.support.browser import wait_until
from tests.support.clock import Clock
from tests.support.fake_telegram import FakeTelegram


async def _send(fake: FakeTelegram, chat: str, text: str) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{fake.url}/bot{fake.token}/sendMessage", json={"chat_id": chat, "text": text}
        ) as answer,
    ):
        return answer.status


async def test_a_request_answered_429_and_its_retry_are_one_delivery(fake_telegram: FakeTelegram):
    fake_telegram.failures["sendMessage"] = [429]
    assert await _send(fake_telegram, "20000", "offer #0") == 429
    assert await _send(fake_telegram, "20000", "offer #0") == 200
    assert await _send(fake_telegram, "20001", "offer #1") == 200
    # Three requests, two messages delivered, none twice (the old count said one twice).
    assert len(fake_telegram.calls) == 3
    assert deliveries(fake_telegram.calls) == (2, 0)


async def test_a_message_delivered_twice_is_still_counted(fake_telegram: FakeTelegram):
    for _ in range(2):
        assert await _send(fake_telegram, "20000", "offer #0") == 200
    assert deliveries(fake_telegram.calls) == (1 + 1, 1)


@pytest.mark.both_backends
async def test_the_outbox_retries_a_429_without_a_second_delivery(
    db: Database, fake_telegram: FakeTelegram, telegram_bot
):
    """The outbox's send answered 429 (retry_after 1) goes out once: the Bot API got two
    requests for it, and the bench counts one delivery, not one twice."""
    clock = Clock()
    worker = OutboxWorker(db, [telegram_bot], clock=clock)
    await db.outbox.enqueue(
        "telegram", "20000", encode(Message(Markup("offer"), to=Recipient("telegram", "20000")))
    )
    fake_telegram.failures["sendMessage"] = [429]
    sent = await worker.run_once()  # python-telegram-bot may try again itself
    if not sent:  # else the outbox does, after retry_after
        clock.now += timedelta(seconds=2)
        sent = await worker.run_once()
    assert sent == 1
    requests = [c for c in fake_telegram.calls if c.method == "sendMessage"]
    assert len(requests) == 2
    assert deliveries(fake_telegram.calls) == (1, 0)
    assert await db.outbox.pending() == 0


@pytest.mark.both_backends
async def test_the_throughput_pass_counts_updates_handled_from_its_start(db: Database):
    """The throughput pass ends on updates handled by any process (rows of processed_updates),
    counted from the pass's start: the warm-up's updates do not count."""

    async def handle(first: int, count: int) -> None:
        for n in range(first, first + count):
            await db.execute(*UserStore.finish_statement("telegram", str(n), "20000", None))

    await handle(0, 2)  # the warm-up
    counter = HandledCount(db, every=0.01)
    await counter.start()
    try:
        assert counter() == 0
        await handle(2, 3)
        await wait_until(lambda: counter() == 3)
    finally:
        await counter.stop()
    assert counter() == 3
