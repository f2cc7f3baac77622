"""What people send that is not text or a button, as Telegram sends it: each gets one clear
answer in the person's language and changes nothing - an album of five photos is one thing
sent (one answer, not five), and a shared contact card's phone number is neither kept nor
logged (no step asks for one). Real python-telegram-bot against the fake Bot API server."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from bot.transports.telegram import TelegramTransport
from db import Database
from locales import translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import telegram_person

CANNOT_USE = (
    "🙈 I cannot use this kind of message here. Please use the buttons or write a short text."
)
NUMBER = "+49 176 5550 1234"


def photo(index: int) -> dict[str, Any]:
    return {
        "file_id": f"photo{index}",
        "file_unique_id": f"uphoto{index}",
        "width": 1280,
        "height": 960,
    }


async def test_an_album_of_five_photos_is_answered_once(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    await telegram_person(db, 5001, "Paul", "uk")
    mark = len(fake.calls)
    for index in range(5):
        fake.send_message(5001, media_group_id="13579", photo=[photo(index)])
    fake.send_text(5001, "/help")
    helped = await fake.wait_for(
        "sendMessage", lambda c: c.text != translator("uk").t(CANNOT_USE), after=mark
    )
    said = [c.text for c in fake.calls[mark:] if c.method == "sendMessage" and c is not helped]
    assert said == [translator("uk").t(CANNOT_USE)], said


async def test_a_contact_card_is_answered_and_its_number_kept_nowhere(
    fake_telegram: FakeTelegram,
    telegram_bot: TelegramTransport,
    db: Database,
    database_url: str,
    caplog,
):
    caplog.set_level(logging.DEBUG)
    fake = fake_telegram
    await telegram_person(db, 5001, "Paul", "de")
    mark = len(fake.calls)
    fake.send_message(
        5001,
        contact={"phone_number": NUMBER, "first_name": "Gisela", "user_id": 5555},
    )
    said = await fake.wait_for("sendMessage", after=mark, chat_id=5001)
    assert said.text == translator("de").t(CANNOT_USE)
    digits = NUMBER.replace(" ", "")
    assert all(
        digits not in r.getMessage() and "5550" not in r.getMessage() for r in caplog.records
    )
    # The database's file and its write-ahead log, as they are on the disk.
    for path in Path(database_url).parent.glob(Path(database_url).name + "*"):
        kept = path.read_bytes()
        assert digits.encode() not in kept and b"55501234" not in kept and b"Gisela" not in kept
