"""A Telegram user who floods the bot is slowed down (handlers/dispatcher.py, the flood
limits), and while the limit stops them the coordinators' group is told who it is - by name
and user number, never what they wrote. Real python-telegram-bot against the fake Bot API
server, the outbox worker delivering."""

from __future__ import annotations

from dataclasses import replace

from bot.transports.telegram import TelegramTransport
from db import Database
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import TELEGRAM_GROUP, in_review


async def test_the_group_is_told_whom_the_flood_limit_stops(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database, telegram_group
):
    fake = fake_telegram
    fake.names[7007] = "Flora"
    dispatcher = telegram_group.dispatcher
    dispatcher.settings = replace(dispatcher.settings, max_messages_per_minute=3)
    dispatcher.clock = lambda: 1000.0  # every message within one minute, however slow
    mark = len(fake.calls)
    for number in range(5):
        fake.send_text(7007, f"private words {number}")
    # The fourth message is answered with the request to wait, in the person's chat.
    await fake.wait_for("sendMessage", lambda c: "🐢" in c.text, after=mark, chat_id=7007)
    told = await fake.wait_for("sendMessage", after=mark, chat_id=TELEGRAM_GROUP)
    flora = await db.users.find("telegram", "7007")
    assert flora is not None
    assert "Flora" in told.text and str(flora.id) in told.text, told.text
    assert "private words" not in told.text


async def test_presses_in_the_group_meet_the_limit_too(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database, telegram_group
):
    """A member of the coordinators' group who is none, pressing a review post's button
    again and again (each refused): slowed down past the limit as in a private chat, and
    the group told who it is."""
    fake = fake_telegram
    post, request_id = await in_review(fake, db, "Amira", "de", "Ich brauche Hilfe beim Tragen")
    fake.names[4004] = "Mallory"
    dispatcher = telegram_group.dispatcher
    dispatcher.settings = replace(dispatcher.settings, max_presses_per_minute=10)
    dispatcher.clock = lambda: 1000.0
    mark = len(fake.calls)
    for _ in range(11):
        fake.press(4004, f"mod:ok:{request_id}", post)
    slowed = await fake.wait_for(
        "answerCallbackQuery", lambda c: "🐢" in str(c.params.get("text")), after=mark
    )
    assert slowed
    told = await fake.wait_for(
        "sendMessage", lambda c: "Mallory" in c.text, after=mark, chat_id=TELEGRAM_GROUP
    )
    assert "🐢" in told.text
    assert (await db.requests.get(request_id)).state == "review"
