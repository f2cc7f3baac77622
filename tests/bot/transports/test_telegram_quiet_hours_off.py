"""A volunteer who switches her quiet hours off on her page gets the offer held for them at
once (handlers/helping/matching/offer_sending.py ``follow_quiet_hours``), and until then the
coordinators' ``/offer`` says that it waits for her quiet hours, never "nobody left".
Real python-telegram-bot against the fake Bot API server, the outbox worker delivering on
the real clock, as ``python -m bot`` runs (fails with ``follow_quiet_hours`` taken out:
the offer waits for the end of her quiet hours)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.transports.telegram import TelegramTransport
from db import Database
from db.clock import to_text
from handlers.helping.lifecycle import PUBLISHED
from handlers.helping.matching import held_offers
from handlers.helping.matching.who_may_help import TIMEZONE
from locales import translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import TELEGRAM_GROUP, in_review, telegram_volunteer

VERA = 2001


async def test_switching_quiet_hours_off_delivers_the_held_offer(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    fake.names[VERA] = "Vera"
    vera = await telegram_volunteer(db, VERA, "Vera")
    # Quiet hours from this hour for three hours, whatever the time the test runs.
    hour = datetime.now(UTC).astimezone(TIMEZONE).hour
    await db.volunteers.save(vera, quiet_start=hour, quiet_end=(hour + 3) % 24)
    post, request_id = await in_review(fake, db, "Amira", "ar", "أحتاج مساعدة في حمل المشتريات")
    mark = len(fake.calls)
    fake.press(3001, f"mod:ok:{request_id}", post)
    # Amira's notice that it is published (an answer of her last step may still come after
    # the mark: the location step answers with two messages).
    published = translator("ar").t(PUBLISHED, id=request_id)
    await fake.wait_for("sendMessage", lambda c: published in c.text, after=mark, chat_id=1001)
    assert await db.volunteers.held(request_id, to_text(datetime.now(UTC)))

    # The coordinators' /offer: nobody new, but one offer waits for Vera's quiet hours.
    mark = len(fake.calls)
    fake.send_text(3001, f"/offer {request_id}", chat_id=TELEGRAM_GROUP, chat_type="supergroup")
    said = await fake.wait_for("sendMessage", after=mark, chat_id=TELEGRAM_GROUP)
    german = translator("de")
    assert german.t(held_offers.NOBODY_LEFT, id=request_id) != said.text
    assert "Vera" in said.text

    # Vera switches her quiet hours off on her page: the offer comes now.
    for data in ("menu:volunteer", "vo:ed:quiet"):
        mark = len(fake.calls)
        fake.press(VERA, data)
        await fake.wait_for("sendMessage", after=mark, chat_id=VERA)
    mark = len(fake.calls)
    fake.press(VERA, "vo:q:0-0")
    await fake.wait_for(
        "sendMessage", lambda c: f"mt:acc:{request_id}" in str(c.params), after=mark, chat_id=VERA
    )
