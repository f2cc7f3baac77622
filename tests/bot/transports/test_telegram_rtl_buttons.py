"""An event's button in a right-to-left chat: the day (Arabic, Persian) makes the label
right-to-left, so a Latin title is isolated in it - unisolated, its closing bracket is drawn
at the label's far end, turned round ("(Repair-Café (Beispiel"). Real python-telegram-bot
against the fake Bot API server; the list of this week's events (handlers/events/chat.py)
and a place's events."""

from __future__ import annotations

from db import Database
from db.events import Event
from locales import FSI, PDI
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import telegram_person, telegram_with_worker
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
