"""A poll sent to the bot is answered as a sticker or a contact is: "I cannot use this kind
of message here", in the person's language, with the main menu - not, as it was, with
nothing at all. python-telegram-bot 22 cannot read a poll without the fields of Bot API
9.6 and 10.0 (``persistent_id``, ``allows_revoting``, ``members_only``: a Bot API server
older than the library sends none) and the update was skipped; a new message whose content
alone is unreadable is now read without it (bot/transports/telegram_polling.py
``read_update``). Real python-telegram-bot against the fake Bot API server."""

from __future__ import annotations

import logging
from typing import Any

from bot.transports.telegram import TelegramTransport
from db import Database
from locales import translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import telegram_person

CANNOT_USE = (
    "🙈 I cannot use this kind of message here. Please use the buttons or write a short text."
)
QUESTION = "Kaffee oder Tee bei Familie Yilmaz?"


def poll(*, current: bool) -> dict[str, Any]:
    """A poll as a Bot API server sends it: ``current`` with the fields of Bot API 10.0."""
    options = [{"text": "Kaffee", "voter_count": 0}, {"text": "Tee", "voter_count": 0}]
    sent: dict[str, Any] = {
        "id": "5001",
        "question": QUESTION,
        "options": options,
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
    }
    if current:
        for number, option in enumerate(options):
            option["persistent_id"] = f"o{number}"
        sent |= {"allows_revoting": True, "members_only": False}
    return sent


async def test_a_poll_is_answered_like_a_sticker(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database, caplog
):
    caplog.set_level(logging.DEBUG)
    fake = fake_telegram
    await telegram_person(db, 1001, "Dana", "tr")
    mark = len(fake.calls)
    sticker = {"file_id": "s1", "file_unique_id": "u1", "width": 512, "height": 512}
    sticker |= {"is_animated": False, "is_video": False, "type": "regular"}
    fake.send_message(1001, sticker=sticker)
    cannot_use = await fake.wait_for("sendMessage", after=mark, chat_id=1001)
    assert cannot_use.text == translator("tr").t(CANNOT_USE)

    for current in (True, False):
        mark = len(fake.calls)
        fake.send_message(1001, poll=poll(current=current))
        answer = await fake.wait_for("sendMessage", after=mark, chat_id=1001)
        assert (answer.text, answer.buttons) == (cannot_use.text, cannot_use.buttons)
    assert QUESTION not in caplog.text
