"""Polled updates of different chats are handled at the same time on PostgreSQL, one chat's
in order (bot/transports/telegram_polling.py, db/postgres.py ``updates_at_once``; SQLite's
one writer takes one at a time): while one person's update waits, the
next person's is answered; a person's second message is handled after her first; and the
batch is confirmed to Telegram only once every update in it was handled. Real
python-telegram-bot polling the fake Bot API server."""

from __future__ import annotations

import asyncio

import pytest

from bot.config import TelegramSection
from bot.transports.telegram import TelegramTransport
from handlers.dispatcher import Dispatcher
from handlers.messages import Incoming, Outgoing
from tests.support.fake_telegram import TOKEN, FakeTelegram

ANNA, BORIS = 7001, 7002
# How long Anna's first update waits for Boris's to be handled: a guard against a hang on
# a bot that handles one update at a time, not a measured time.
GUARD = 60.0

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


async def test_another_chat_is_answered_while_one_waits_and_a_chat_keeps_its_order(
    fake_telegram: FakeTelegram, dispatcher: Dispatcher
):
    fake = fake_telegram
    # All three wait on the server before the bot fetches: one batch.
    anna_first = fake.send_text(ANNA, "/start", language_code="de")
    boris = fake.send_text(BORIS, "/start", language_code="de")
    anna_second = fake.send_text(ANNA, "/help", language_code="de")
    happened: list[tuple[str, str | None]] = []
    boris_handled = asyncio.Event()
    waited_for_boris: list[bool] = []
    handle = dispatcher.handle

    async def watched(incoming: Incoming) -> list[Outgoing]:
        happened.append(("begin", incoming.update_id))
        if incoming.update_id == str(anna_first):
            try:
                await asyncio.wait_for(boris_handled.wait(), GUARD)
                waited_for_boris.append(True)
            except TimeoutError:
                waited_for_boris.append(False)
        outgoing = await handle(incoming)
        happened.append(("end", incoming.update_id))
        if incoming.update_id == str(boris):
            boris_handled.set()
        return outgoing

    dispatcher.handle = watched  # type: ignore[method-assign]
    config = TelegramSection(api_base_url=fake.url, poll_timeout=1)
    transport = TelegramTransport(
        dispatcher.ports, config, TOKEN, dispatcher.router.public_commands()
    )
    await transport.start()
    try:
        await fake.wait_for("sendMessage", chat_id=BORIS)
        mark = len(fake.calls)
        await fake.wait_for("sendMessage", chat_id=ANNA)
        await fake.wait_for("sendMessage", after=mark, chat_id=ANNA)
        while fake.unconfirmed():
            await asyncio.sleep(0.05)
    finally:
        await transport.stop()
    # Boris was answered while Anna's first update waited.
    assert waited_for_boris == [True]
    # Anna's second update began only after her first had ended.
    anna = [(what, update) for what, update in happened if update != str(boris)]
    assert anna == [
        ("begin", str(anna_first)),
        ("end", str(anna_first)),
        ("begin", str(anna_second)),
        ("end", str(anna_second)),
    ]
    assert len(happened) == 6  # each update handled once
