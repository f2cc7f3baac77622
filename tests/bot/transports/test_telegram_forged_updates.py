"""Updates Telegram never sends, as an attacker (or a forged webhook call) would: the bot
acts on none of them. Real python-telegram-bot against the fake Bot API server."""

from __future__ import annotations

from db import Database
from locales import translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import in_review, telegram_person


async def test_a_press_on_a_message_in_another_persons_chat_does_nothing(
    fake_telegram: FakeTelegram, telegram_group_bot: object, db: Database
):
    """A private chat's id is its person's: a press that names Amira's chat but comes from
    Paul would answer into Amira's chat and make her chat Paul's address."""
    fake = fake_telegram
    await telegram_person(db, 1001, "Amira", "de")
    await telegram_person(db, 5001, "Paul", "de")
    fake.send_text(1001, "/start")
    menu = await fake.wait_for("sendMessage", chat_id=1001)

    mark = len(fake.calls)
    fake.press(5001, "hr:new", menu)
    # Then Paul writes in his own chat: answered there once the forged press was handled.
    fake.send_text(5001, "/help")
    await fake.wait_for("sendMessage", after=mark, chat_id=5001)

    into_amiras = [c for c in fake.calls[mark:] if str(c.params.get("chat_id")) == "1001"]
    assert into_amiras == []
    paul = await db.users.find("telegram", "5001")
    assert paul is not None and paul.chat_id == "5001"
    amira = await db.users.find("telegram", "1001")
    assert amira is not None and amira.chat_id == "1001"


async def test_a_private_message_as_a_channel_is_its_persons(
    fake_telegram: FakeTelegram, telegram_group_bot: object, db: Database
):
    """Nobody writes to the bot's private chat as a channel; a forged one claiming to is
    answered as its person's, not told about channels (those notices are for the groups
    the bot serves only: a bounded few)."""
    fake = fake_telegram
    await telegram_person(db, 5001, "Paul", "de")
    channel = {"id": -100777, "type": "channel", "title": "Nachbarschaft Nord"}
    mark = len(fake.calls)
    fake.send_text(5001, "/help", sender_chat=channel)
    said = await fake.wait_for("sendMessage", after=mark, chat_id=5001)
    assert not said.text.startswith("📢"), said.text


async def test_presses_the_bot_never_offered_change_nothing(
    fake_telegram: FakeTelegram, telegram_group_bot: object, db: Database
):
    """Callback data the bot never sent - longer than Telegram's 64 bytes, not text at all
    (a lone surrogate, as a JSON escape can carry), withdrawing another person's request -
    each answered as a button no longer valid; her request stays as it was."""
    fake = fake_telegram
    _, request_id = await in_review(fake, db, "Amira", "de", "Bitte Hilfe beim Tragen")
    await telegram_person(db, 5001, "Paul", "de")
    stale = translator("de")._("This button is no longer valid.")
    first = len(fake.calls)
    for data in ("hr:" + "x" * 100, "hr:\udcff", f"hr:wdy:{request_id}", f"hr:edit:{request_id}"):
        mark = len(fake.calls)
        fake.press(5001, data)
        toast = await fake.wait_for("answerCallbackQuery", after=mark)
        assert toast.params.get("text") == stale, (data, toast.params)
    request = await db.requests.get(request_id)
    assert request is not None and request.state == "review"
    assert not [c for c in fake.calls[first:] if str(c.params.get("chat_id")) == "1001"]
