"""In a Telegram group the bot answers the person acting in their language (handlers/reader.py
``sender_in_group``): a coordinator reading Ukrainian gets their command's reply in
Ukrainian, a resident reading Arabic who tries a coordinator's command is refused in Arabic,
someone the bot has not met yet in their Telegram app's language - not all of them in the
city's German. What the group shares stays the group's: a review post a Ukrainian
coordinator presses "Reject" and "Back" on keeps its German question and buttons. Real
python-telegram-bot against the fake Bot API server, the outbox worker delivering."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.helping.render import decision_buttons
from handlers.staff import NOT_ALLOWED
from locales import translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import TELEGRAM_GROUP, in_review, telegram_person

VERIFY_USAGE = "Please name the number of a registered volunteer, for example: /verify 17"
NOT_HERE = "🤔 {command} does not work in this group. Here: {commands}"


def _between(lang: str) -> str:
    """What :data:`NOT_HERE` says in ``lang`` between the command and the commands: the
    words of the reply whatever fills them."""
    return translator(lang)._(NOT_HERE).split("{command}")[1].split("{commands}")[0].strip()


async def test_the_group_answers_each_person_in_their_language(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    fake.names.update({3002: "Oksana", 1001: "Amira", 4004: "Deniz"})
    await telegram_person(db, 3002, "Oksana", "uk", "coordinator")
    await telegram_person(db, 1001, "Amira", "ar")

    mark = len(fake.calls)
    fake.send_text(3002, "/verify", chat_type="supergroup", chat_id=TELEGRAM_GROUP)
    said = await fake.wait_for("sendMessage", after=mark, chat_id=TELEGRAM_GROUP)
    assert said.text == translator("uk").t(VERIFY_USAGE), said.text

    mark = len(fake.calls)
    fake.send_text(1001, "/publish 1", chat_type="supergroup", chat_id=TELEGRAM_GROUP)
    said = await fake.wait_for("sendMessage", after=mark, chat_id=TELEGRAM_GROUP)
    german = translator("de").t(VERIFY_USAGE)
    assert any("\u0600" <= char <= "\u06ff" for char in said.text), said.text  # Arabic
    assert said.text != german

    # Someone the bot has not met: their Telegram app's language, where the city offers it.
    mark = len(fake.calls)
    fake.send_text(
        4004, "/places", language_code="tr", chat_type="supergroup", chat_id=TELEGRAM_GROUP
    )
    said = await fake.wait_for("sendMessage", after=mark, chat_id=TELEGRAM_GROUP)
    assert _between("tr") in said.text, said.text
    assert _between("de") not in said.text


async def test_a_refused_press_in_the_group_is_told_in_the_pressers_language(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    post, request_id = await in_review(fake, db, "Amira", "ar", "أحتاج مساعدة في حمل المشتريات")
    mark = len(fake.calls)
    fake.press(1001, f"mod:ok:{request_id}", post)
    toast = await fake.wait_for("answerCallbackQuery", after=mark)
    assert toast.params["text"] == translator("ar")._(NOT_ALLOWED)
    assert (await db.requests.get(request_id)).state == "review"


async def test_the_shared_review_post_keeps_the_groups_language(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    fake.names[3002] = "Oksana"
    await telegram_person(db, 3002, "Oksana", "uk", "coordinator")
    post, request_id = await in_review(fake, db, "Amira", "ar", "أحتاج مساعدة في حمل المشتريات")
    de = translator("de")

    mark = len(fake.calls)
    fake.press(3002, f"mod:no:{request_id}", post)
    asked = await fake.wait_for("editMessageText", after=mark, chat_id=TELEGRAM_GROUP)
    assert de.t("❌ Why is it not published?") in asked.text, asked.text
    assert "↩️ " + de._("Back") in asked.button_labels, asked.button_labels

    mark = len(fake.calls)
    fake.press(3002, f"mod:back:{request_id}", post)
    back = await fake.wait_for("editMessageText", after=mark, chat_id=TELEGRAM_GROUP)
    german = [b.label for row in decision_buttons(de, request_id) for b in row]
    assert back.button_labels == german, back.button_labels
