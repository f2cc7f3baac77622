"""A message at a step of a help request after a long silence is not taken as the step's
answer (handlers/helping/unfinished_request.py ``gate``): the person is asked to continue
the request or start again, nothing typed is lost, and a draft older than the
conversation retention is dropped with a word. In-memory chats (the SMS through Kannel:
tests/bot/transports/sms/test_paused_request.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.clock import to_text
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.helping.requests_flow import STATE
from handlers.helping.unfinished_request import PAUSED_AFTER
from handlers.settings import HandlerSettings
from tests.support.memory_transport import MemoryTransport, button_data, texts

WHO = "601"
DRAFT = {"draft": {"languages": ["tr"], "category": "shopping", "description": "Einkaufen bitte"}}


async def _at_where(db: Database, settings: HandlerSettings, lang: str, age: timedelta):
    chat = MemoryTransport(Dispatcher(db, build_router(), settings))
    await chat.text(WHO, "/start")
    await chat.press(WHO, f"lang:{lang}")
    await chat.press(WHO, "menu:help")
    await chat.press(WHO, "consent:yes")
    user = await db.users.find(chat.platform, WHO)
    assert user is not None and user.consent_at is not None
    await db.users.set_state(user.id, STATE + "where", DRAFT)
    await db.transactions.execute_all(
        [
            (
                "UPDATE conversations SET updated_at = ? WHERE user_id = ?",
                (to_text(datetime.now(UTC) - age), user.id),
            )
        ]
    )
    return chat, user.id


@pytest.mark.parametrize("lang", ["tr", "de"])
async def test_a_greeting_days_later_asks_to_continue_and_continuing_keeps_the_draft(
    db: Database, settings: HandlerSettings, lang: str
) -> None:
    chat, user_id = await _at_where(db, settings, lang, timedelta(days=6))
    out = await chat.text(WHO, "Merhaba")
    assert button_data(out) == ["unfinished:go", "unfinished:new"]
    assert "area:" not in " ".join(button_data(out))  # not read as a place
    kept = await db.users.get_state(user_id)
    assert kept is not None and kept.state == STATE + "where"
    assert kept.data["draft"] == DRAFT["draft"]
    # Another message meanwhile asks again (the question stays until answered).
    again = await chat.text(WHO, "Merhaba?")
    assert button_data(again) == ["unfinished:go", "unfinished:new"]
    await chat.press(WHO, "unfinished:go")
    kept = await db.users.get_state(user_id)
    assert kept is not None and kept.state == STATE + "where"
    assert kept.data == DRAFT
    # Now a postcode is the step's answer again.
    await chat.text(WHO, "44137")
    kept = await db.users.get_state(user_id)
    assert kept is not None and kept.state != STATE + "where"
    assert kept.data["draft"]["postcode"] == "44137"


async def test_an_answer_soon_after_is_the_steps(db: Database, settings: HandlerSettings) -> None:
    chat, user_id = await _at_where(db, settings, "de", PAUSED_AFTER / 2)
    out = await chat.text(WHO, "44137")
    assert "unfinished:go" not in button_data(out)
    kept = await db.users.get_state(user_id)
    assert kept is not None and kept.data["draft"].get("postcode") == "44137"


async def test_starting_again_begins_a_request_with_the_new_message(
    db: Database, settings: HandlerSettings
) -> None:
    chat, user_id = await _at_where(db, settings, "de", PAUSED_AFTER * 2)
    wanted = "Ich brauche Hilfe beim Tragen von Kisten"
    out = await chat.text(WHO, wanted)
    assert "unfinished:new" in button_data(out)
    out = await chat.press(WHO, "unfinished:new")
    assert "hr:with" in button_data(out)  # "ask for help with this?"
    await chat.press(WHO, "hr:with")
    kept = await db.users.get_state(user_id)
    assert kept is not None and kept.state == STATE + "category"
    assert kept.data["draft"]["description"] == wanted
    assert "category" not in kept.data["draft"]  # the old draft is gone


async def test_starting_again_after_a_short_greeting_shows_the_menu(
    db: Database, settings: HandlerSettings
) -> None:
    chat, user_id = await _at_where(db, settings, "tr", PAUSED_AFTER * 2)
    await chat.text(WHO, "Hi!")
    out = await chat.press(WHO, "unfinished:new")
    assert "menu:help" in button_data(out)
    assert await db.users.get_state(user_id) is None


async def test_a_draft_older_than_the_retention_is_dropped_with_a_word(
    db: Database, settings: HandlerSettings
) -> None:
    days = settings.retention.conversation_days
    chat, user_id = await _at_where(db, settings, "de", timedelta(days=days + 1))
    before = len(texts(await chat.text(WHO, "Hallo")).splitlines())
    kept = await db.users.get_state(user_id)
    assert kept is None or not kept.state.startswith(STATE)
    # The word about the dropped draft comes before the answer to the message itself.
    assert before >= 2
