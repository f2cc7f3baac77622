"""A coordinator's /enter (a request for a resident who has no app) asks about the
resident's help, not the coordinator's: the category question that follows the contact is
the entering one ("What does the resident need help with?"), not the requester's own
("What do you need help with?"). Real python-telegram-bot against the fake Bot API server
(handlers/helping/requests_flow.py ``_categories``)."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.helping import requests_flow
from locales import translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import telegram_person


async def test_enter_asks_what_the_resident_needs(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    fake.names[3001] = "Cora"
    await telegram_person(db, 3001, "Cora", "de", "coordinator")
    mark = len(fake.calls)
    fake.send_text(3001, "/enter")
    await fake.wait_for("sendMessage", after=mark, chat_id=3001)  # how to reach the person

    mark = len(fake.calls)
    fake.send_text(3001, "Frau Yilmaz, 0231 555 0101")
    question = await fake.wait_for("sendMessage", after=mark, chat_id=3001)
    de = translator("de")
    assert question.text == de.t(requests_flow.ENTERED_CATEGORY_QUESTION)
    assert question.text != de.t(requests_flow.CATEGORY_QUESTION)
    assert any(data.startswith("hr:cat:") for data in _data(question.buttons))


def _data(buttons: list[list[dict]]) -> list[str]:
    return [button.get("callback_data", "") for row in buttons for button in row]
