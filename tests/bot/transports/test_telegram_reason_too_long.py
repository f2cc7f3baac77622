"""A text longer than its step takes is refused by the one owner of input length, the
dispatcher (``Router.input_limits``), before the step sees it: the person is told the
limit and that they go on from where they were, their step and what it holds are kept,
and nothing else changes - then a text of exactly the limit is taken, for the same
request. Each step's limit once, at its boundary: a coordinator's own reason for not
publishing and their summary, a requester's answer to a coordinator's question, a report
(handlers/helping/reports.py) and a volunteer's note on when they are free
(handlers/helping/volunteers.py). Never cut short on its way without them knowing.
Real python-telegram-bot against the fake Bot API server, the outbox worker delivering."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.dispatcher import TOO_LONG
from handlers.helping import lifecycle, volunteers
from handlers.router import WRITTEN_LIMIT
from locales import translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import TELEGRAM_GROUP, in_review, telegram_volunteer


def _text(limit: int, words: str) -> str:
    """``words`` repeated to exactly ``limit`` characters, ending in "ENDE"."""
    return (words * limit)[: limit - 4] + "ENDE"


async def _refused_and_kept(fake: FakeTelegram, db: Database, uid: int, text: str, limit: int):
    """``text`` (``limit`` + 1 characters) sent by Telegram user ``uid`` at their step: the
    answer says the limit; the step and its data are as they were."""
    assert len(text) == limit + 1
    person = await db.users.find("telegram", str(uid))
    assert person is not None
    before = await db.users.get_state(person.id)
    assert before is not None
    mark = len(fake.calls)
    fake.send_text(uid, text)
    refused = await fake.wait_for("sendMessage", after=mark, chat_id=uid)
    assert refused.text == translator("de").t(TOO_LONG, length=limit + 1, limit=limit)
    after = await db.users.get_state(person.id)
    assert after is not None and (after.state, after.data) == (before.state, before.data)


async def test_a_reason_one_over_the_limit_is_refused_and_one_at_it_taken(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    post, request_id = await in_review(fake, db, "Dana", "de", "Ich brauche Hilfe beim Tragen")

    mark = len(fake.calls)
    fake.press(3001, f"mod:no:{request_id}", post)
    await fake.wait_for("answerCallbackQuery", after=mark)
    fake.press(3001, f"mod:why:{request_id}", post)
    await fake.wait_for("sendMessage", after=mark, chat_id=3001)  # "Please write why …"

    limit = lifecycle.NOTE_LIMIT
    reason = _text(limit, "Bitte wenden Sie sich an den Hausmeister. ")
    await _refused_and_kept(fake, db, 3001, "z" + reason, limit)
    assert (await db.requests.get(request_id)).state == "review"

    mark = len(fake.calls)
    fake.send_text(3001, reason)
    await fake.wait_for("sendMessage", lambda c: reason in c.text, after=mark, chat_id=1001)
    assert (await db.requests.get(request_id)).state == "rejected"
    await fake.wait_for(
        "editMessageText", lambda c: reason in c.text, after=mark, chat_id=TELEGRAM_GROUP
    )


async def test_an_answer_one_over_the_limit_is_refused_and_one_at_it_taken(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    post, request_id = await in_review(fake, db, "Dana", "de", "Ich brauche Hilfe beim Tragen")
    mark = len(fake.calls)
    fake.press(3001, f"mod:ask:{request_id}", post)
    await fake.wait_for("sendMessage", after=mark, chat_id=3001)  # "Please send your question"
    fake.send_text(3001, "Wo genau?")
    await fake.wait_for("sendMessage", lambda c: "Wo genau?" in c.text, after=mark, chat_id=1001)

    answer = _text(WRITTEN_LIMIT, "Im dritten Stock, Haus 4. ")
    await _refused_and_kept(fake, db, 1001, "z" + answer, WRITTEN_LIMIT)

    mark = len(fake.calls)
    fake.send_text(1001, answer)
    passed = await fake.wait_for(
        "sendMessage", lambda c: "ENDE" in c.text, after=mark, chat_id=TELEGRAM_GROUP
    )
    assert "Haus 4" in passed.text and "zIm" not in passed.text


async def test_a_summary_one_over_the_limit_is_refused_and_one_at_it_taken(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    post, request_id = await in_review(fake, db, "Dana", "de", "Ich brauche Hilfe beim Tragen")
    mark = len(fake.calls)
    fake.press(3001, f"mod:sum:{request_id}", post)
    await fake.wait_for("sendMessage", after=mark, chat_id=3001)  # "Please send a summary"

    limit = lifecycle.SUMMARY_LIMIT
    summary = _text(limit, "Wasserkästen in den 3. Stock tragen. ")
    await _refused_and_kept(fake, db, 3001, "z" + summary, limit)
    assert not (await db.requests.get(request_id)).summary

    mark = len(fake.calls)
    fake.send_text(3001, summary)
    await fake.wait_for(
        "editMessageText", lambda c: "3. Stock" in c.text, after=mark, chat_id=TELEGRAM_GROUP
    )
    assert (await db.requests.get(request_id)).summary == summary


async def test_a_report_one_over_the_limit_is_refused_and_one_at_it_taken(
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
    report = _text(WRITTEN_LIMIT, "Das ist eine Arbeit für einen Umzugsbetrieb. ")
    await _refused_and_kept(fake, db, 2001, "z" + report, WRITTEN_LIMIT)
    assert not await db.relay.reports_about(f"request:{request_id}")

    mark = len(fake.calls)
    fake.send_text(2001, report)
    await fake.wait_for(
        "sendMessage", lambda c: "ENDE" in c.text, after=mark, chat_id=TELEGRAM_GROUP
    )
    assert [reason for _, reason in await db.relay.reports_about(f"request:{request_id}")] == [
        report
    ]


async def test_a_note_on_free_times_one_over_the_limit_is_refused_and_one_at_it_taken(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    vera = await telegram_volunteer(db, 2001, "Vera")
    mark = len(fake.calls)
    fake.press(2001, "vo:ed:availability")
    await fake.wait_for("sendMessage", after=mark, chat_id=2001)  # "When are you free?"
    limit = volunteers.AVAILABILITY_LIMIT
    note = _text(limit, "Dienstags vormittags, aber nicht in den Ferien. ")
    await _refused_and_kept(fake, db, 2001, "z" + note, limit)
    profile = await db.volunteers.get(vera)
    assert profile is not None and not profile.availability

    mark = len(fake.calls)
    fake.send_text(2001, note)
    await fake.wait_for("sendMessage", after=mark, chat_id=2001)  # "Saved"
    profile = await db.volunteers.get(vera)
    assert profile is not None and profile.availability == note
