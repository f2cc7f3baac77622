"""A resident asked "which day?" who writes "завтра" (tomorrow) instead of tapping a day: the
request names that day, in every reader's language, as if its button had been tapped -
kept as written, the German coordinator read "an einem bestimmten Tag: завтра" (no day in a
language they do not read) and a helper reading the offer the next morning went a day late
(a black-box pass as a Ukrainian resident). "вчера" (yesterday) is refused as a day that has
passed, the step and the draft unchanged. Real python-telegram-bot against the fake Bot
API server, the outbox worker delivering (handlers/helping/requests_flow.py, locales/
day_words.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.helping.requests_flow import local_today
from handlers.helping.vocabulary import noon
from locales import translator
from locales.day_words import day_offset
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import TELEGRAM_GROUP, at_which_day, offered, telegram_person

OLENA, CORA = 1001, 3001


async def test_tomorrow_written_is_the_day_for_everyone(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    fake.names.update({OLENA: "Olena", CORA: "Cora"})
    await telegram_person(db, OLENA, "Olena", "uk")
    await telegram_person(db, CORA, "Cora", "de", "coordinator")
    await at_which_day(fake, OLENA, "мені потрібна допомога з покупками")

    mark = len(fake.calls)
    fake.send_text(OLENA, "Завтра")
    await offered(fake, OLENA, "hr:part:afternoon", mark)
    for data, then in (("hr:part:afternoon", "hr:langs-done"), ("hr:langs-done", "hr:send")):
        mark = len(fake.calls)
        fake.press(OLENA, data)
        summary = await offered(fake, OLENA, then, mark)
    tomorrow = noon(local_today() + timedelta(days=1))
    uk, de = translator("uk"), translator("de")
    assert uk.skeleton(tomorrow, "MMMMEEEEd") in summary.text
    assert "Завтра" not in summary.text

    mark = len(fake.calls)
    fake.press(OLENA, "hr:send")
    post = await fake.wait_for(
        "sendMessage", lambda c: "mod:ok" in str(c.params), after=mark, chat_id=TELEGRAM_GROUP
    )
    assert de.skeleton(tomorrow, "MMMMEEEEd") in post.text
    assert de.t("in the afternoon") in post.text
    assert "Завтра" not in post.text


async def test_yesterday_written_is_refused_and_changes_nothing(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    user_id = await telegram_person(db, OLENA, "Olena", "uk")
    await at_which_day(fake, OLENA, "мені потрібна допомога з покупками")
    before = await db.users.get_state(user_id)

    mark = len(fake.calls)
    fake.send_text(OLENA, "вчера")
    refusal = await fake.wait_for("sendMessage", after=mark, chat_id=OLENA)
    assert "вчера" in refusal.text
    # The step's own buttons stay under the refusal: a day can still be tapped.
    assert any(b.get("callback_data") == "hr:dayback" for row in refusal.buttons for b in row)
    after = await db.users.get_state(user_id)
    assert (after.state, after.data) == (before.state, before.data)


@pytest.mark.parametrize(
    ("written", "days"),
    [
        ("morgen", 1),
        ("Heute", 0),
        ("übermorgen", 2),
        ("غدًا", 1),
        ("\u200fغدا؟\u200f", 1),
        ("فردا", 1),
        ("پس فردا", 2),
        ("yarın", 1),
        ("YARIN", 1),
        ("bugün", 0),
        ("mâine", 1),
        ("jutro", 1),
        ("dziś", 0),
        ("утре", 1),
        ("tomorrow!", 1),
        ("morgen Nachmittag", None),
        ("Dienstag", None),
    ],
)
def test_days_named_from_today_in_every_language(written: str, days: int | None):
    assert day_offset(written) == days
