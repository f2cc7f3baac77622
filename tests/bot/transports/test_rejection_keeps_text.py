"""A requester whose request is not published keeps what they wrote (docs/help.md "Not
published"): the rejection they get repeats their own description, quoted as every person's
text is (escaped, each line isolated), below the reason and what they can do next - on
Telegram here (real python-telegram-bot, the fake Bot API server, which refuses broken
HTML), by SMS in tests/bot/transports/sms/test_rejection_keeps_text.py. The lifecycle
(handlers/helping/lifecycle.py ``reject``) writes it for every path that rejects: the
backchannel's buttons here, the desk's review queue alike."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.helping.vocabulary import REJECT_REASONS
from locales import FSI, PDI, translator
from tests.support.fake_telegram import FakeTelegram, check_html
from tests.support.telegram_wiring import TELEGRAM_GROUP, request_on_telegram, telegram_person

# Two lines, and a "<" that must arrive escaped (the fake refuses broken HTML).
DESCRIPTION = "أحتاج مساعدة في حمل المشتريات <ثقيلة>\nيوم الثلاثاء بعد الظهر"


async def test_a_rejected_requester_gets_their_own_description_back(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    resident = 1001
    fake.names.update({1001: "Amira", 3001: "Cora"})
    await telegram_person(db, resident, "Amira", "ar")
    await telegram_person(db, 3001, "Cora", "de", "coordinator")

    post = await request_on_telegram(fake, resident, DESCRIPTION)
    request_id = int(post.button_data("✅").split(":")[2])
    mark = len(fake.calls)
    fake.press(3001, f"mod:no:{request_id}", post)
    # The reasons to choose from, on the post she pressed.
    await fake.wait_for(
        "editMessageText", lambda c: "mod:rr" in str(c.params), after=mark, chat_id=TELEGRAM_GROUP
    )
    fake.press(3001, f"mod:rr:{request_id}:trade", post)

    reason = translator("ar")._(REJECT_REASONS["trade"])
    told = await fake.wait_for(
        "sendMessage", lambda c: reason in c.text, after=mark, chat_id=resident
    )
    assert (await db.requests.get(request_id)).state == "rejected"
    error, shown = check_html(told.text)
    assert error is None, error
    # Each line as she wrote it, isolated so that it cannot turn the Arabic lines around,
    # after the reason (what she is told first) and not in place of it.
    for line in DESCRIPTION.split("\n"):
        assert f"{FSI}{line}{PDI}" in shown, shown
    assert shown.index(reason) < shown.index(DESCRIPTION.split("\n")[0])
