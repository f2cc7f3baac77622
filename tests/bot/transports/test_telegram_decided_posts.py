"""A review post keeps saying what was decided (handlers/helping/lifecycle.py ``_decide``):
a coordinator's tap that came twice (a double tap, a slow connection's retry) or a second
coordinator pressing on the post a moment after the first decided must not write over
"published by …" or "not published (reason), by …" with a bare "decided by …" - the group
reads the post from its top to know what happened to the request. Real python-telegram-bot
against the fake Bot API server, the outbox worker delivering."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.helping.vocabulary import REJECT_REASONS
from locales import translator
from tests.support.fake_telegram import Call, FakeTelegram
from tests.support.telegram_wiring import TELEGRAM_GROUP, in_review, telegram_person


async def _edits_of(fake: FakeTelegram, post: Call, after: int, count: int) -> list[Call]:
    """The edits of ``post`` from call ``after`` on, once there are ``count`` of them."""

    def edits() -> list[Call]:
        return [
            c
            for c in fake.calls[after:]
            if c.method == "editMessageText"
            and str(c.params["message_id"]) == str(post.result["message_id"])
        ]

    await fake.wait_for("editMessageText", lambda _: len(edits()) >= count, after=after)
    return edits()


async def test_a_double_tap_on_publish_leaves_the_post_saying_published(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    post, request_id = await in_review(fake, db, "Amira", "ar", "أحتاج مساعدة في حمل المشتريات")

    mark = len(fake.calls)
    fake.press(3001, f"mod:ok:{request_id}", post)
    fake.press(3001, f"mod:ok:{request_id}", post)
    # Each tap shows its outcome on the post it pressed: both say it was published.
    published = translator("de").t("✅ Published by {name}.", name="Cora")
    edits = await _edits_of(fake, post, mark, 2)
    assert all(published in c.text for c in edits), [c.text for c in edits]
    assert (await db.requests.get(request_id)).state == "open"


async def test_a_late_publish_keeps_the_first_coordinators_reason(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    fake.names[3002] = "Dora"
    await telegram_person(db, 3002, "Dora", "de", "coordinator")
    post, request_id = await in_review(fake, db, "Amira", "ar", "أحتاج مساعدة في حمل المشتريات")

    mark = len(fake.calls)
    fake.press(3001, f"mod:no:{request_id}", post)
    await fake.wait_for("answerCallbackQuery", after=mark)
    fake.press(3001, f"mod:rr:{request_id}:trade", post)
    reason = translator("de")._(REJECT_REASONS["trade"])
    rejected = await fake.wait_for(
        "editMessageText", lambda c: reason in c.text, after=mark, chat_id=TELEGRAM_GROUP
    )

    # Dora still had the post with its first buttons on her screen.
    mark = len(fake.calls)
    fake.press(3002, f"mod:ok:{request_id}", post)
    refused = await fake.wait_for("answerCallbackQuery", after=mark)
    assert "Cora" in refused.params["text"]
    edits = await _edits_of(fake, post, mark, 1)
    assert all(c.text == rejected.text for c in edits), [c.text for c in edits]
    assert (await db.requests.get(request_id)).state == "rejected"


async def test_a_decision_on_the_pending_card_marks_the_review_post_too(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    """/pending's card of a request is another message in the same group: publishing there
    shows the decision on the card and on the review post alike."""
    fake = fake_telegram
    post, request_id = await in_review(fake, db, "Amira", "ar", "أحتاج مساعدة في حمل المشتريات")

    mark = len(fake.calls)
    fake.send_text(3001, "/pending", chat_type="supergroup", chat_id=TELEGRAM_GROUP)
    listed = await fake.wait_for(
        "sendMessage", lambda c: "mod:pc" in str(c.params), after=mark, chat_id=TELEGRAM_GROUP
    )
    fake.press(3001, listed.button_data(f"#{request_id}"), listed)
    card = await fake.wait_for(
        "editMessageText", lambda c: "mod:ok" in str(c.params), after=mark, chat_id=TELEGRAM_GROUP
    )
    assert str(card.params["message_id"]) == str(listed.result["message_id"])

    mark = len(fake.calls)
    fake.press(3001, f"mod:ok:{request_id}", listed)
    published = translator("de").t("✅ Published by {name}.", name="Cora")
    for message in (listed, post):
        edits = await _edits_of(fake, message, mark, 1)
        assert published in edits[-1].text, [c.text for c in edits]
    assert (await db.requests.get(request_id)).state == "open"
