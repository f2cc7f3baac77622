"""The description step names and applies the limit that really holds: a city's
``max_text_length`` below the step's own 1000 characters (the dispatcher refuses longer
texts before any step sees them, ``Router.input_limits``), in the person's digits; the
city's limit at its boundary (300 taken, 301 refused)."""

from __future__ import annotations

from dataclasses import replace

from db import Database
from handlers.dispatcher import Dispatcher
from handlers.helping.requests_flow import MIN_TEXT
from locales import translator
from tests.support.memory_transport import MemoryTransport, texts


async def _at_description(chat: MemoryTransport, db: Database, who: str, lang: str) -> int:
    await chat.onboard(who, lang)
    await chat.press(who, "hr:new")
    await chat.press(who, "hr:cat:shopping")
    user = await db.users.find("memory", who)
    state = await db.users.get_state(user.id)
    assert state.state == "request.description"
    return user.id


async def test_a_city_with_a_shorter_limit_names_it_and_refuses_longer(
    dispatcher: Dispatcher, chat: MemoryTransport, db: Database
):
    dispatcher.settings = replace(dispatcher.settings, max_text_length=300)
    user_id = await _at_description(chat, db, "ola", "en")
    before = await db.users.get_state(user_id)
    out = texts(await chat.text("ola", "abc"))
    assert "300" in out and "1,000" not in out and "1000" not in out
    out = texts(await chat.text("ola", "x" * 301))
    assert "300" in out and "301" in out
    after = await db.users.get_state(user_id)
    assert (after.state, after.data) == (before.state, before.data)
    # 300 characters are a description: the step moves on.
    await chat.text("ola", "y" * 300)
    assert (await db.users.get_state(user_id)).state == "request.where"


async def test_the_limit_is_written_in_the_persons_digits(
    dispatcher: Dispatcher, chat: MemoryTransport, db: Database
):
    dispatcher.settings = replace(dispatcher.settings, max_text_length=300)
    await _at_description(chat, db, "dara", "fa")
    out = texts(await chat.text("dara", "a" * (MIN_TEXT - 1)))
    assert str(translator("fa").number(300)) in out and "1000" not in out


async def test_a_text_over_the_city_limit_is_told_the_steps_own(
    dispatcher: Dispatcher, chat: MemoryTransport, db: Database
):
    """With the default 2000 the dispatcher refuses 2500 characters before the step sees
    them: the refusal names the step's 1000, not 2000 that the step would refuse again."""
    dispatcher.settings = replace(dispatcher.settings, max_text_length=2000)
    user_id = await _at_description(chat, db, "ivan", "uk")
    before = await db.users.get_state(user_id)
    out = texts(await chat.text("ivan", "x" * 2500))
    t = translator("uk")
    assert t.number(1000) in out and t.number(2000) not in out
    after = await db.users.get_state(user_id)
    assert (after.state, after.data) == (before.state, before.data)
