"""The Telegram side of a test, wired as the running bot wires it: python-telegram-bot's
Application polling the fake Bot API server, a dispatcher, and the outbox worker that
delivers what the handlers queued. Also the people those tests start with."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import NamedTuple

from bot.config import TelegramSection
from bot.delivery import OutboxWorker
from bot.transports.telegram import TelegramTransport
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support.fake_telegram import TOKEN, Call, FakeTelegram
from tests.support.flood_limits import UNFLOODED
from tests.support.helping_people import verified_volunteer

# The coordinators' Telegram group of the tests that need one.
TELEGRAM_GROUP = -1001


class Wired(NamedTuple):
    transport: TelegramTransport
    worker: OutboxWorker
    # The city's dispatcher, which the transport is never handed (it holds only its ports).
    dispatcher: Dispatcher


@asynccontextmanager
async def telegram_with_worker(
    fake: FakeTelegram,
    db: Database,
    settings: HandlerSettings | None = None,
    backchannel_topic: int = 0,
) -> AsyncIterator[Wired]:
    """A started Telegram transport whose queued messages the outbox worker delivers
    (``backchannel_topic``: the forum topic of its own posts in the coordinators' group)."""
    dispatcher = Dispatcher(db, build_router(), settings or HandlerSettings(**UNFLOODED))
    transport = TelegramTransport(
        dispatcher.ports,
        TelegramSection(api_base_url=fake.url, poll_timeout=1, backchannel_topic=backchannel_topic),
        TOKEN,
        dispatcher.router.public_commands(),
    )
    worker = OutboxWorker(
        db,
        [transport],
        poll_seconds=0.2,
        on_closed=dispatcher.ports.chats.refused,
        on_unstarted=dispatcher.ports.chats.unstarted,
    )
    dispatcher.on_queued = worker.wake
    stop = asyncio.Event()
    await transport.start()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield Wired(transport, worker, dispatcher)
    finally:
        stop.set()
        await task
        await transport.stop()


async def telegram_person(db: Database, uid: int, name: str, lang: str, *roles: str) -> int:
    """A Telegram user who has chosen a language and consented, with the given roles."""
    user = await db.users.seen("telegram", str(uid), str(uid), name)
    await db.users.set_language(user.id, lang)
    await db.users.record_consent(user.id)
    for role in roles:
        await db.users.grant_role(user.id, role)
    return user.id


async def telegram_volunteer(db: Database, uid: int, name: str) -> int:
    """A verified volunteer for shopping in Innenstadt-Nord, speaking German and Arabic,
    with no quiet hours (so a test at night is told at once, as by day)."""
    user_id = await telegram_person(db, uid, name, "de")
    await verified_volunteer(db, user_id, languages=("de", "ar"))
    return user_id


async def request_on_telegram(fake: FakeTelegram, resident: int, description: str) -> Call:
    """``resident`` asks for help with shopping near Nordmarkt, as soon as possible, saying
    ``description``, pressing through the steps and waiting for each answer; the request's
    review post in :data:`TELEGRAM_GROUP`.

    A step whose next one is a button waits for the message that offers it, as a person
    does: the location step answers with two messages, and waiting for "a message" after
    it let the second come after the next mark - every later wait, the caller's too, then
    took an answer of the step before for its own (seen in test_telegram_quiet_hours_off)."""
    mark = len(fake.calls)
    fake.press(resident, "hr:new")
    await offered(fake, resident, "hr:cat:shopping", mark)
    mark = len(fake.calls)
    fake.press(resident, "hr:cat:shopping")
    await fake.wait_for("sendMessage", after=mark, chat_id=resident)
    mark = len(fake.calls)
    fake.send_text(resident, description)
    await fake.wait_for("sendMessage", after=mark, chat_id=resident)
    mark = len(fake.calls)
    fake.send_message(resident, location={"latitude": 51.523, "longitude": 7.456})
    await offered(fake, resident, "hr:when:asap", mark)
    for data, then in (("hr:when:asap", "hr:langs-done"), ("hr:langs-done", "hr:send")):
        mark = len(fake.calls)
        fake.press(resident, data)
        await offered(fake, resident, then, mark)
    mark = len(fake.calls)
    fake.press(resident, "hr:send")
    await fake.wait_for("sendMessage", after=mark, chat_id=resident)
    return await fake.wait_for(
        "sendMessage", lambda c: "mod:ok" in str(c.params), chat_id=TELEGRAM_GROUP
    )


async def at_which_day(fake: FakeTelegram, resident: int, description: str) -> None:
    """``resident`` asks for help with shopping near Nordmarkt, saying ``description``, and
    chooses "on a day": she is at "which day?", its day buttons shown."""
    steps = (
        ("hr:new", "hr:cat:shopping"),
        ("hr:cat:shopping", None),
        (description, None),
        ({"latitude": 51.523, "longitude": 7.456}, "hr:when:date"),
        ("hr:when:date", "hr:dayback"),
    )
    for step, then in steps:
        mark = len(fake.calls)
        if isinstance(step, dict):
            fake.send_message(resident, location=step)
        elif step.startswith("hr:"):
            fake.press(resident, step)
        else:
            fake.send_text(resident, step)
        if then is None:
            await fake.wait_for("sendMessage", after=mark, chat_id=resident)
        else:
            await offered(fake, resident, then, mark)


async def offered(fake: FakeTelegram, resident: int, data: str, after: int) -> Call:
    """The first message to ``resident`` since ``after`` with a button of ``data``."""
    return await fake.wait_for(
        "sendMessage",
        lambda c: any(b.get("callback_data") == data for row in c.buttons for b in row),
        after=after,
        chat_id=resident,
    )


async def in_review(
    fake: FakeTelegram, db: Database, name: str, lang: str, description: str
) -> tuple[Call, int]:
    """``name`` (Telegram user 1001, reading ``lang``) and the coordinator Cora (3001,
    German); ``name``'s request, saying ``description``, posted for review
    (:func:`request_on_telegram`): its review post in :data:`TELEGRAM_GROUP` and its id."""
    fake.names.update({1001: name, 3001: "Cora"})
    await telegram_person(db, 1001, name, lang)
    await telegram_person(db, 3001, "Cora", "de", "coordinator")
    post = await request_on_telegram(fake, 1001, description)
    return post, int(post.button_data("✅").split(":")[2])
