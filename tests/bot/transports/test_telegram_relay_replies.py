"""A Telegram reply to a relayed message reaches its writer: real python-telegram-bot
polling the fake Bot API server (the Bot API's ``Message.reply_to_message``), the outbox
worker delivering (handlers/helping/relay/chat.py ``_to_replied``)."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from db import Database
from tests.support.fake_telegram import FakeTelegram
from tests.support.help_story import matched_through_lifecycle
from tests.support.telegram_wiring import telegram_person, telegram_volunteer


async def test_a_reply_to_a_relayed_message_reaches_its_writer(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database, telegram_group
):
    """Vera helps Amira and Bernd. She answers Amira's relayed message with Telegram's
    "Reply": it reaches Amira, not Bernd, and she is not asked whom it is for; the same
    text without the reply is asked about, as before."""
    fake = fake_telegram
    fake.names.update({1001: "Amira", 1002: "Bernd", 2001: "Vera"})
    amira = await telegram_person(db, 1001, "Amira", "de")
    bernd = await telegram_person(db, 1002, "Bernd", "de")
    vera = await telegram_volunteer(db, 2001, "Vera")
    cora = await telegram_person(db, 3001, "Cora", "de", "coordinator")
    settings = telegram_group.dispatcher.settings
    await matched_through_lifecycle(db, settings, amira, vera, cora)
    await matched_through_lifecycle(db, settings, bernd, vera, cora)
    await fake.settle()

    mark = len(fake.calls)
    fake.send_text(1001, "Bitte Milch und Brot")
    from_amira = await fake.wait_for(
        "sendMessage", lambda c: "Milch" in c.text, after=mark, chat_id=2001
    )
    mark = len(fake.calls)
    fake.send_text(1002, "Klingel bei Schmidt")
    await fake.wait_for("sendMessage", lambda c: "Schmidt" in c.text, after=mark, chat_id=2001)

    # Telegram's reply names the message replied to, as the Bot API sends it.
    replied = fake.messages[("2001", from_amira.result["message_id"])]
    mark = len(fake.calls)
    fake.send_text(2001, "Mache ich, bis gleich", reply_to_message=replied)
    copy = await fake.wait_for(
        "sendMessage", lambda c: "bis gleich" in c.text, after=mark, chat_id=1001
    )
    assert "Vera" in copy.text
    await fake.settle()
    assert not any("bis gleich" in c.text for c in fake.calls_to("sendMessage", chat_id=1002))
    assert not any("rl:for" in str(c.params) for c in fake.calls[mark:])

    # Without the reply the bot asks which contact, as before.
    mark = len(fake.calls)
    fake.send_text(2001, "Und noch etwas")
    asked = await fake.wait_for("sendMessage", after=mark, chat_id=2001)
    assert "rl:for" in str(asked.params)
