"""``/reject 12`` without a reason is told that the reason is missing and how to add it
(the reasons it may name), the request left in review - not, as it was, asked to name the
request number it had just named. Real python-telegram-bot against the fake Bot API server
(handlers/helping/moderation.py ``_decide_by_command``)."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.helping import moderation
from handlers.helping.vocabulary import REJECT_REASONS
from locales import translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import in_review


async def test_reject_without_a_reason_asks_for_the_reason(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    _post, request_id = await in_review(fake, db, "Dana", "de", "Ich brauche Hilfe beim Tragen")
    de = translator("de")
    reasons = "|".join(REJECT_REASONS)
    for typed in (f"/reject {request_id}", f"/reject {request_id} weil"):
        mark = len(fake.calls)
        fake.send_text(3001, typed)
        answer = await fake.wait_for("sendMessage", after=mark, chat_id=3001)
        assert answer.text == de.t(moderation.REASON_MISSING, id=request_id, reasons=reasons)
        assert answer.text != de.t(
            "Please name the request number, for example: /publish 12 or /reject 12 {reasons}",
            reasons=reasons,
        )
        assert (await db.requests.get(request_id)).state == "review"
