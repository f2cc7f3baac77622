"""The location step's reply keyboard goes away with the bot's next message, through the real
python-telegram-bot Application against the fake Bot API server (which keeps the keyboard
each chat shows, and refuses edits of messages sent with a reply keyboard, as Telegram does).

Found in a black-box pass: a person who typed a district instead of tapping "📍 Share my
location" kept the button under the input field for every later step, the chat relayed to a
helper too, where a tap sends their position to the helper."""

from __future__ import annotations

import pytest

from bot.transports.telegram import TelegramTransport
from db import Database
from db.conversation_marks import ConversationMarks
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import telegram_person

RESIDENT = 5101


async def _where_step(fake: FakeTelegram) -> None:
    """Open 📍 Find a place from the menu: its location step shows the reply keyboard."""
    mark = len(fake.calls)
    fake.send_text(RESIDENT, "/start")
    menu = await fake.wait_for("sendMessage", after=mark, chat_id=RESIDENT)
    mark = len(fake.calls)
    fake.press(RESIDENT, menu.button_data("Find a place"), menu)
    await fake.wait_for("sendMessage", lambda c: "👇" in c.text, after=mark, chat_id=RESIDENT)
    labels = [b["text"] for row in fake.reply_keyboards[str(RESIDENT)] for b in row]
    assert "📍 Share my location" in labels


async def test_a_typed_district_takes_the_location_keyboard_away(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport, db: Database
) -> None:
    await telegram_person(db, RESIDENT, "Amira", "en")
    await _where_step(fake_telegram)

    mark = len(fake_telegram.calls)
    fake_telegram.send_text(RESIDENT, "Hörde")
    answer = await fake_telegram.wait_for(
        "sendMessage", lambda c: bool(c.buttons), after=mark, chat_id=RESIDENT
    )
    await fake_telegram.settle()
    # The keyboard is gone, taken away by the answer's first message ...
    assert str(RESIDENT) not in fake_telegram.reply_keyboards
    sent = fake_telegram.calls_to("sendMessage", chat_id=RESIDENT)[-2:]
    assert sent[0].params["reply_markup"] == {"remove_keyboard": True}
    assert "Hörde" in sent[0].text
    # ... and the answer still has its inline buttons, which work: a press edits their
    # message (a message sent with the removal could not be edited).
    assert answer is sent[1] and answer.buttons
    mark = len(fake_telegram.calls)
    fake_telegram.press(RESIDENT, answer.buttons[0][0]["callback_data"], answer)
    await fake_telegram.wait_for("answerCallbackQuery", after=mark)
    await fake_telegram.settle()
    refused = [c for c in fake_telegram.calls[mark:] if c.result is None and c.method != "download"]
    assert not refused, [(c.method, c.params) for c in refused]

    # Later messages go out as before: one message, text and buttons together.
    mark = len(fake_telegram.calls)
    fake_telegram.send_text(RESIDENT, "/start")
    menu = await fake_telegram.wait_for("sendMessage", after=mark, chat_id=RESIDENT)
    await fake_telegram.settle()
    assert menu.buttons and "Find a place" in " ".join(menu.button_labels)
    assert fake_telegram.calls_to("sendMessage", chat_id=RESIDENT)[-1] is menu


async def test_a_shared_location_takes_it_away_too(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport, db: Database
) -> None:
    """A tapped one-time keyboard only hides behind a button: the answer removes it."""
    await telegram_person(db, RESIDENT, "Amira", "en")
    await _where_step(fake_telegram)
    mark = len(fake_telegram.calls)
    fake_telegram.send_message(RESIDENT, location={"latitude": 51.49, "longitude": 7.50})
    await fake_telegram.wait_for(
        "sendMessage", lambda c: bool(c.buttons), after=mark, chat_id=RESIDENT
    )
    await fake_telegram.settle()
    assert str(RESIDENT) not in fake_telegram.reply_keyboards


async def test_the_answers_learn_of_the_keyboard_from_the_updates_arrival(
    fake_telegram: FakeTelegram,
    telegram_bot: TelegramTransport,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whether the chat shows the keyboard is read with the update (issue 104): no statement
    of its own before each message sent, and the keyboard still goes away."""
    asked: list[str] = []
    holds = ConversationMarks.holds

    async def counted(self, platform, chat_id, mark, now):  # type: ignore[no-untyped-def]
        asked.append(mark)
        return await holds(self, platform, chat_id, mark, now)

    monkeypatch.setattr(ConversationMarks, "holds", counted)
    await telegram_person(db, RESIDENT, "Amira", "en")
    await _where_step(fake_telegram)
    mark = len(fake_telegram.calls)
    fake_telegram.send_text(RESIDENT, "Hörde")
    await fake_telegram.wait_for(
        "sendMessage", lambda c: bool(c.buttons), after=mark, chat_id=RESIDENT
    )
    await fake_telegram.settle()
    assert str(RESIDENT) not in fake_telegram.reply_keyboards
    assert asked == []
