"""``/start`` with a link that opens nothing (a place's or district's link not valid, an
event gone, an unknown kind of link) says so first and then shows the main menu it
promises ("Here is the main menu instead") - not, as it was, the menu first and the notice
after it. Real python-telegram-bot against the fake Bot API server (handlers/onboarding.py
``_menu_and_link``)."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers import ui
from locales import translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import telegram_person


async def test_the_notice_of_an_invalid_link_comes_before_the_menu(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    await telegram_person(db, 1001, "Dana", "pl")
    notice = translator("pl").t(ui.LINK_NOT_VALID)
    for link in ("place_abc", "district_nowhere", "event_999999", "nothing_1"):
        mark = len(fake.calls)
        fake.send_text(1001, f"/start {link}")
        said = await fake.wait_for("sendMessage", lambda c: c.text == notice, after=mark)
        menu = await fake.wait_for(
            "sendMessage", lambda c: c.text != notice and "menu:" in str(c.params), after=mark
        )
        assert said.params["chat_id"] == menu.params["chat_id"]
        assert fake.calls.index(said) < fake.calls.index(menu), link
