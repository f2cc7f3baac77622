"""A request not finished is offered to a caller back for two hours, then dropped with a
word, and only at a call's start (handlers/helping/unfinished_request.py): a chat's /start
is as before. The in-memory chat with the platform "phone" stands for the transport (the calls
themselves: tests/bot/transports/phone/dialogue/test_unfinished_request.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import bot.transports.registry  # noqa: F401 - declares the phone's channel
from db import Database
from db.clock import to_text
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.helping.requests_flow import STATE
from handlers.helping.unfinished_request import DROPPED, KEPT_FOR
from handlers.settings import HandlerSettings
from locales import translator
from tests.support.memory_transport import MemoryTransport, button_data, texts

CALLER = "+492315550184"
DRAFT = {"draft": {"category": "shopping", "description": "Einkaufen", "postcode": "44137"}}


async def _agreed(person: MemoryTransport, db: Database, who: str) -> int:
    await person.text(who, "/start")
    await person.press(who, "lang:de")
    await person.press(who, "menu:help")
    await person.press(who, "consent:yes")
    user = await db.users.find(person.platform, who)
    assert user is not None and user.consent_at is not None
    return user.id


@pytest.mark.parametrize("age", [KEPT_FOR / 2, KEPT_FOR * 1.5])
async def test_a_caller_back_is_offered_the_request_within_its_time(
    db: Database, settings: HandlerSettings, age
) -> None:
    phone = MemoryTransport(Dispatcher(db, build_router(), settings), platform="phone")
    user_id = await _agreed(phone, db, CALLER)
    await db.users.set_state(user_id, STATE + "when", DRAFT)
    await db.transactions.execute_all(
        [
            (
                "UPDATE conversations SET updated_at = ? WHERE user_id = ?",
                (to_text(datetime.now(UTC) - age), user_id),
            )
        ]
    )
    out = await phone.text(CALLER, "/start")  # what a call's start sends
    offered = "unfinished:go" in button_data(out)
    kept = await db.users.get_state(user_id)
    if age < KEPT_FOR:
        assert offered and kept is not None and kept.data == DRAFT
    else:
        # Too old: dropped with a word (the day it was begun), then the main menu as before.
        assert not offered and kept is None
        assert "menu:help" in button_data(out)
        dropped = translator("de")._(DROPPED).split("{date}")[0]
        assert dropped in texts(out), texts(out)


async def test_a_chats_start_is_as_before(db: Database, settings: HandlerSettings) -> None:
    chat = MemoryTransport(Dispatcher(db, build_router(), settings))
    user_id = await _agreed(chat, db, "501")
    await db.users.set_state(user_id, STATE + "when", DRAFT)
    out = await chat.text("501", "/start")
    assert "unfinished:go" not in button_data(out) and "menu:help" in button_data(out)
    kept = await db.users.get_state(user_id)
    assert kept is not None and kept.data == DRAFT
