"""Outages: the chat service answers 502, is unreachable, or rate-limits with 429 for a
while; then Synapse stops and starts again. The bot keeps running, backs off, and delivers
everything once after recovery.

Run alone: ``.venv/bin/python -m pytest tests/system/test_crash.py tests/system/test_outage.py``.
"""

from __future__ import annotations

import asyncio

from markupsafe import Markup

from bot.config import MatrixSection, TelegramSection
from bot.delivery import OutboxWorker
from bot.transports.matrix import MatrixTransport
from bot.transports.telegram import TelegramTransport
from db import Database
from db.statements import fetch_one
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import Message, encode
from handlers.settings import HandlerSettings
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.matrix_people import MatrixPerson, body
from tests.support.synapse_server import Synapse


async def _queue(db: Database, platform: str, chat: str, texts: list[str]) -> None:
    async with db.transaction():
        for text in texts:
            await db.outbox.enqueue(platform, chat, encode(Message(Markup(text))))


async def _tried_again(db: Database, tries: int = 2) -> None:
    """Until the worker has tried an unsent message ``tries`` times (each failure recorded
    with ``retry_later``: a passing one, tried again after its backoff) - instead of waiting
    a while for it; the time-out only detects a hang."""
    for _ in range(1200):
        row = await fetch_one(
            db.transactions,
            "SELECT MAX(attempts) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL",
        )
        if row is not None and (row[0] or 0) >= tries:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no message tried {tries} times within a minute")


async def _all_sent(db: Database) -> None:
    """Until the outbox has nothing left to send (the time-out only detects a hang)."""
    for _ in range(1200):
        if await db.outbox.pending() == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox still held messages after a minute")


async def test_telegram_outage_502_down_and_429(fake_telegram: FakeTelegram, db: Database):
    fake = fake_telegram
    dispatcher = Dispatcher(db, build_router(), HandlerSettings())
    transport = TelegramTransport(
        dispatcher.ports, TelegramSection(api_base_url=fake.url, poll_timeout=1), TOKEN, []
    )
    worker = OutboxWorker(db, [transport], poll_seconds=0.2, max_backoff=1.0)
    stop = asyncio.Event()
    await transport.start()
    delivery = asyncio.create_task(worker.run(stop))
    port = int(fake.url.rsplit(":", 1)[1])
    try:
        # Phase 1: the server answers 502 Bad Gateway.
        fake.failures["sendMessage"] = [502, 502, 502]
        await _queue(db, "telegram", "77", ["eins", "zwei"])
        worker.wake()
        await fake.wait_for("sendMessage", lambda c: c.text == "zwei" and c.result)
        # Phase 2: the server is gone (connection refused), also for getUpdates.
        await fake.stop()
        await _queue(db, "telegram", "77", ["drei", "vier"])
        worker.wake()
        await _tried_again(db)  # failed, and tried again: not given up
        assert await db.outbox.pending() == 2
        await fake.start(port)
        await fake.wait_for("sendMessage", lambda c: c.text == "vier" and c.result)
        # Phase 3: rate limited with retry_after (python-telegram-bot's own retries and then
        # the outbox's wait).
        fake.failures["sendMessage"] = [429] * 6
        await _queue(db, "telegram", "78", ["fünf"])
        worker.wake()
        await fake.wait_for("sendMessage", lambda c: c.text == "fünf" and c.result)
        # Polling survived the outage: a new update is answered.
        mark = len(fake.calls)
        fake.send_text(79, "/help", language_code="de")
        await fake.wait_for("sendMessage", after=mark, chat_id=79)
    finally:
        stop.set()
        await delivery
        await transport.stop()
    delivered = [c.text for c in fake.calls if c.method == "sendMessage" and c.result]
    for text in ("eins", "zwei", "drei", "vier", "fünf"):
        assert delivered.count(text) == 1, (text, delivered)
    assert [t for t in delivered if t in ("eins", "zwei", "drei", "vier")] == [
        "eins",
        "zwei",
        "drei",
        "vier",
    ]  # in order, per chat
    assert await db.outbox.pending() == 0


async def test_synapse_stopped_and_started_again(tmp_path, db: Database):
    synapse = Synapse(tmp_path / "synapse")
    synapse.start()
    person = MatrixPerson(synapse, "olga")
    try:
        registration = synapse.register("outagebot")
        config = MatrixSection(
            homeserver=synapse.url,
            user_id=registration["user_id"],
            access_token=registration["access_token"],
            sync_timeout=1,
        )
        dispatcher = Dispatcher(db, build_router(), HandlerSettings())
        transport = MatrixTransport(dispatcher.ports, db, config)
        await transport.start()
        await person.start()
        room = await person.dm(config.user_id)
        worker = OutboxWorker(db, [transport], poll_seconds=0.2, max_backoff=1.0)
        stop = asyncio.Event()
        delivery = asyncio.create_task(worker.run(stop))
        try:
            synapse.stop()
            await _queue(db, "matrix", room, ["während der Störung"])
            worker.wake()
            # matrix-nio keeps trying a send itself while the homeserver is away: no
            # failure comes back to count, only the time in which none was given up.
            await asyncio.sleep(2.5)
            assert await db.outbox.pending() == 1
            synapse.start()
            await person.wait_for(lambda e: "während der Störung" in body(e), timeout=60)
            # Marked sent, it is not sent again; whatever went out before is in the room
            # once the person's sync after this has been handled.
            await _all_sent(db)
            await person.caught_up()
            assert sum("während der Störung" in body(e) for _, e in person.received) == 1
            # The sync loop came back too: the bot answers again.
            mark = len(person.received)
            await person.say(room, "!help")
            await person.wait_for(lambda e: "!menu" in body(e), after=mark, timeout=60)
        finally:
            stop.set()
            if synapse.process is None:
                # Failed while the homeserver was away: matrix-nio would try the send for
                # ever, and the worker would never end. Back, it ends the send either way.
                synapse.start()
            await delivery
            await transport.stop()
    finally:
        await person.stop()
        synapse.stop()
