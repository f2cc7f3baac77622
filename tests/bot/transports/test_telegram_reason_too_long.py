"""A coordinator's own words that are too long (a reason for not publishing, a corrected
text, a summary, a question) are refused with how long they may be, and the step stays:
the shortened text they send next is taken for the same request - not, as it was, as a new
message to the bot ("Do you want to ask your neighbours for help with this?"), the
request left waiting in review. A requester's answer to a coordinator's question alike, and a
report (handlers/helping/reports.py) and a volunteer's note on when they are free
(handlers/helping/volunteers.py): one too long is refused and the step kept, never cut
short on its way without them knowing.
Real python-telegram-bot against the fake Bot API server, the outbox worker delivering
(handlers/helping/moderation.py ``_with_text``, ``requester_answer``)."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.helping import lifecycle, moderation, reports, volunteers
from locales import translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import TELEGRAM_GROUP, in_review, telegram_volunteer

REASON = "Bitte wenden Sie sich an den Hausmeister."


async def test_a_reason_too_long_can_be_shortened_and_sent_again(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    post, request_id = await in_review(fake, db, "Dana", "de", "Ich brauche Hilfe beim Tragen")

    mark = len(fake.calls)
    fake.press(3001, f"mod:no:{request_id}", post)
    await fake.wait_for("answerCallbackQuery", after=mark)
    fake.press(3001, f"mod:why:{request_id}", post)
    await fake.wait_for("sendMessage", after=mark, chat_id=3001)  # "Please write why …"

    mark = len(fake.calls)
    fake.send_text(3001, "z" * (lifecycle.NOTE_LIMIT + 1))
    refused = await fake.wait_for("sendMessage", after=mark, chat_id=3001)
    de = translator("de")
    assert refused.text == de.t(lifecycle.WRITE_BETWEEN, low=1, high=lifecycle.NOTE_LIMIT)
    assert (await db.requests.get(request_id)).state == "review"

    mark = len(fake.calls)
    fake.send_text(3001, REASON)
    await fake.wait_for("sendMessage", lambda c: REASON in c.text, after=mark, chat_id=1001)
    assert (await db.requests.get(request_id)).state == "rejected"
    await fake.wait_for(
        "editMessageText", lambda c: REASON in c.text, after=mark, chat_id=TELEGRAM_GROUP
    )


async def test_an_answer_too_long_is_refused_not_cut(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    post, request_id = await in_review(fake, db, "Dana", "de", "Ich brauche Hilfe beim Tragen")
    mark = len(fake.calls)
    fake.press(3001, f"mod:ask:{request_id}", post)
    await fake.wait_for("sendMessage", after=mark, chat_id=3001)  # "Please send your question"
    fake.send_text(3001, "Wo genau?")
    await fake.wait_for("sendMessage", lambda c: "Wo genau?" in c.text, after=mark, chat_id=1001)

    mark = len(fake.calls)
    fake.send_text(1001, "Im dritten Stock. " * 60 + "ENDE")  # 1084 characters
    refused = await fake.wait_for("sendMessage", after=mark, chat_id=1001)
    de = translator("de")
    assert refused.text == de.t(lifecycle.WRITE_BETWEEN, low=1, high=moderation.ANSWER_LIMIT)

    mark = len(fake.calls)
    fake.send_text(1001, "Im dritten Stock, Haus 4. ENDE")
    answer = await fake.wait_for(
        "sendMessage", lambda c: "ENDE" in c.text, after=mark, chat_id=TELEGRAM_GROUP
    )
    assert "Haus 4" in answer.text


async def test_a_summary_too_long_is_refused_not_cut(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    post, request_id = await in_review(fake, db, "Dana", "de", "Ich brauche Hilfe beim Tragen")
    mark = len(fake.calls)
    fake.press(3001, f"mod:sum:{request_id}", post)
    await fake.wait_for("sendMessage", after=mark, chat_id=3001)  # "Please send a summary"

    mark = len(fake.calls)
    fake.send_text(3001, "Wasserkästen tragen. " * 30)  # 630 characters
    refused = await fake.wait_for("sendMessage", after=mark, chat_id=3001)
    de = translator("de")
    assert refused.text == de.t(lifecycle.WRITE_BETWEEN, low=1, high=lifecycle.SUMMARY_LIMIT)
    assert not (await db.requests.get(request_id)).summary

    mark = len(fake.calls)
    fake.send_text(3001, "Wasserkästen in den 3. Stock tragen")
    await fake.wait_for(
        "editMessageText", lambda c: "3. Stock" in c.text, after=mark, chat_id=TELEGRAM_GROUP
    )
    assert (await db.requests.get(request_id)).summary == "Wasserkästen in den 3. Stock tragen"


async def test_a_report_too_long_is_refused_not_cut(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    fake.names[2001] = "Vera"
    await telegram_volunteer(db, 2001, "Vera")
    post, request_id = await in_review(fake, db, "Amira", "ar", "أحتاج مساعدة في حمل المشتريات")
    fake.press(3001, f"mod:ok:{request_id}", post)
    offer = await fake.wait_for("sendMessage", lambda c: "mt:rep" in str(c.params), chat_id=2001)

    mark = len(fake.calls)
    fake.press(2001, f"mt:rep:{request_id}", offer)
    await fake.wait_for("sendMessage", after=mark, chat_id=2001)  # "What happened?"
    mark = len(fake.calls)
    fake.send_text(2001, "Das ist eine Arbeit für einen Umzugsbetrieb. " * 25 + "ENDE")
    refused = await fake.wait_for("sendMessage", after=mark, chat_id=2001)
    de = translator("de")
    assert refused.text == de.t(lifecycle.WRITE_BETWEEN, low=1, high=reports.REPORT_LIMIT)

    mark = len(fake.calls)
    fake.send_text(2001, "Das ist eine Arbeit für einen Umzugsbetrieb. ENDE")
    await fake.wait_for(
        "sendMessage", lambda c: "Umzugsbetrieb. ENDE" in c.text, after=mark, chat_id=TELEGRAM_GROUP
    )


async def test_a_note_on_free_times_too_long_is_refused_not_cut(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    vera = await telegram_volunteer(db, 2001, "Vera")
    mark = len(fake.calls)
    fake.press(2001, "vo:ed:availability")
    await fake.wait_for("sendMessage", after=mark, chat_id=2001)  # "When are you free?"
    mark = len(fake.calls)
    fake.send_text(2001, "Dienstags vormittags, aber nicht in den Ferien. " * 5)  # 245
    refused = await fake.wait_for("sendMessage", after=mark, chat_id=2001)
    de = translator("de")
    limit = volunteers.AVAILABILITY_LIMIT
    assert refused.text == de.t(lifecycle.WRITE_BETWEEN, low=1, high=limit)

    mark = len(fake.calls)
    fake.send_text(2001, "Dienstags vormittags")
    await fake.wait_for("sendMessage", after=mark, chat_id=2001)  # "Saved"
    profile = await db.volunteers.get(vera)
    assert profile is not None and profile.availability == "Dienstags vormittags"
