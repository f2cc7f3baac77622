"""An event's button in a right-to-left chat: the day (Arabic, Persian) makes the label
right-to-left, so a Latin title is isolated in it - unisolated, its closing bracket is drawn
at the label's far end, turned round ("(Repair-Café (Beispiel"). Real python-telegram-bot
against the fake Bot API server; the list of this week's events (handlers/events/chat.py)
and a place's events. And a request's number on the buttons of "My requests" is written in
the digits of the line above it ("#۱" in Persian, handlers/helping/requests_flow.py), not in
other ones."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from db import Database
from db.events import Event
from locales import FSI, PDI, translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import (
    request_on_telegram,
    telegram_person,
    telegram_with_worker,
)
from tests.support.town_events import soon

TITLE = "Repair-Café (Beispiel)"


async def test_an_event_title_is_isolated_in_its_button(fake_telegram: FakeTelegram, db: Database):
    await db.events.upsert(
        Event(
            uid="repair",
            title=TITLE,
            starts_local=soon(1, 14),
            lat=51.5245,
            lon=7.4650,
            stadtbezirk="Innenstadt-Nord",
            category="Reparatur",
        )
    )
    async with telegram_with_worker(fake_telegram, db):
        for uid, lang in ((7001, "ar"), (7002, "fa")):
            await telegram_person(db, uid, "Amira", lang)
            mark = len(fake_telegram.calls)
            fake_telegram.press(uid, "ev:week")
            listed = await fake_telegram.wait_for(
                "sendMessage", lambda c: "ev:d:" in str(c.params), after=mark, chat_id=uid
            )
            [label] = [b["text"] for row in listed.buttons for b in row if TITLE in b["text"]]
            assert label.endswith(f"{FSI}{TITLE}{PDI}"), (lang, label)


async def test_my_requests_number_their_buttons_in_the_readers_digits(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    await telegram_person(db, 7003, "Dariush", "fa")
    post = await request_on_telegram(fake_telegram, 7003, "برای خرید از بازار کمک لازم دارم")
    request_id = int(post.button_data("✅").split(":")[2])
    mark = len(fake_telegram.calls)
    fake_telegram.press(7003, "hr:mine")
    mine = await fake_telegram.wait_for(
        "sendMessage", lambda c: "hr:wd:" in str(c.params), after=mark, chat_id=7003
    )
    number = translator("fa").identifier(request_id)
    assert number != str(request_id)  # Persian digits
    assert f"#{FSI}{number}{PDI}" in mine.text
    labels = [
        b["text"]
        for row in mine.buttons
        for b in row
        if b["callback_data"].endswith(f":{request_id}")
    ]
    assert labels and all(label.endswith(f"#{number}") for label in labels), labels
