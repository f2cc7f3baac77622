"""A newcomer whose first message is their need keeps it (handlers/updates/first_text.py): before
they chose a language and agreed, nothing of it is passed on or stored, and the
onboarding's first answer says so in the language guessed from Telegram's
``language_code``, quotes it back (escaped, each line isolated, bounded with "…") and says
what happens next; the first main menu after "I agree" asks for it again. Through real
python-telegram-bot against the fake Bot API server (which refuses broken HTML)."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.updates.first_text import NOT_PASSED_ON, NOT_PASSED_ON_SENT, SEND_AGAIN, SHOWN
from locales import FSI, PDI, translator
from tests.support.fake_telegram import Call, FakeTelegram, check_html

NEED = "Ich brauche Hilfe beim Einkaufen"
# Two lines, a "<" that must arrive escaped, and longer than is quoted back.
ARABIC = "أحتاج مساعدة في حمل المشتريات <ثقيلة>\n" + "يوم الثلاثاء بعد الظهر " * 30


async def _stored_anywhere(db: Database, text: str) -> list[str]:
    """The tables of the test's SQLite database that hold ``text`` in any row."""
    tables = await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
    found = []
    for (table,) in tables:
        rows = await db.fetch_all(f'SELECT * FROM "{table}"')
        if any(text in str(value) for row in rows for value in row):
            found.append(table)
    return found


async def _first_answer(fake: FakeTelegram, user: int, text: str, hint: str, lang: str) -> Call:
    """The newcomer's first text: the answer, the language picker telling about the text."""
    mark = len(fake.calls)
    fake.send_text(user, text, language_code=hint)
    picker = await fake.wait_for(
        "sendMessage", lambda c: "lang:" in str(c.params), after=mark, chat_id=user
    )
    # The note is read first, on the step's own message: nothing after it ends its choices.
    assert picker.text.startswith(translator(lang).t(NOT_PASSED_ON)), picker.text
    await fake.settle()
    assert [c for c in fake.calls[mark:] if c.method == "sendMessage"] == [picker]
    return picker


async def test_a_newcomers_first_need_is_quoted_back_and_asked_for_after_consent(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport, db: Database
) -> None:
    fake, user, de = fake_telegram, 4101, translator("de")
    picker = await _first_answer(fake, user, NEED, "de-DE", "de")
    error, shown = check_html(picker.text)
    assert error is None, error
    # Told in German what happened to it and what comes next, with their words.
    assert f"{FSI}{NEED}{PDI}" in shown
    assert await _stored_anywhere(db, NEED) == []

    mark = len(fake.calls)
    fake.press(user, "lang:de", picker, language_code="de-DE")
    notice = await fake.wait_for(
        "sendMessage", lambda c: "consent:" in str(c.params), after=mark, chat_id=user
    )
    mark = len(fake.calls)
    fake.press(user, notice.button_data("✅"), notice, language_code="de-DE")
    menu = await fake.wait_for(
        "sendMessage", lambda c: "menu:" in str(c.params), after=mark, chat_id=user
    )
    assert de.t(SEND_AGAIN) in menu.text
    assert await _stored_anywhere(db, NEED) == []

    # Asked once: the menu after that is the ordinary one.
    mark = len(fake.calls)
    fake.send_text(user, "/menu")
    again = await fake.wait_for("sendMessage", after=mark, chat_id=user)
    assert de.t(SEND_AGAIN) not in again.text


async def test_an_arabic_first_text_is_bounded_escaped_and_isolated(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport, db: Database
) -> None:
    fake, user = fake_telegram, 4102
    note = await _first_answer(fake, user, ARABIC, "ar", "ar")
    error, shown = check_html(note.text)
    assert error is None, error
    first, rest = ARABIC.split("\n")
    assert f"{FSI}{first}{PDI}" in shown
    # The second line, cut at a word with "…": bounded, whatever was sent.
    quoted_rest = shown[shown.index(FSI, shown.index(first) + len(first)) + 1 :]
    quoted_rest = quoted_rest[: quoted_rest.index(PDI)]
    assert quoted_rest.endswith("…") and rest.startswith(quoted_rest[:-1].rstrip())
    assert len(first) + len(quoted_rest) < SHOWN
    assert "<ثقيلة>" in shown and "&lt;" in note.text
    assert await _stored_anywhere(db, first) == []


async def test_a_first_voice_message_is_said_not_passed_on(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport
) -> None:
    fake, user = fake_telegram, 4103
    mark = len(fake.calls)
    fake.send_voice(user, b"OggS voice")
    picker = await fake.wait_for(
        "sendMessage", lambda c: "lang:" in str(c.params), after=mark, chat_id=user
    )
    # The city's language (no language_code came with it): told, nothing to quote.
    assert picker.text.startswith(translator("de").t(NOT_PASSED_ON_SENT)), picker.text
