"""/cancel typed in the middle of something (handlers/forms/cancel_command.py): a form's step
✖️ Cancel button ends it, any other conversation state ends with nothing changed, and with
nothing going on it is the main menu - never "unknown command" (found by QA: a resident
typing /cancel in the request form was told the command was unknown)."""

from __future__ import annotations

import pytest

from db import Database
from handlers import build_router
from handlers.context import Context
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support.memory_transport import MemoryTransport, button_data, texts


@pytest.fixture
async def chat(db: Database, settings: HandlerSettings) -> MemoryTransport:
    router = build_router()

    @router.command("note", "a state of the test's own, no form")
    async def note(ctx: Context) -> None:
        ctx.set_state("note.text", {})
        ctx.reply(ctx.t.t("✍️ Please write your message."))

    @router.state("note.text")
    async def noted(ctx: Context) -> None:
        ctx.clear_state()

    transport = MemoryTransport(Dispatcher(db, router, settings))
    await transport.onboard("ann")
    return transport


async def _state(db: Database) -> str | None:
    user = await db.users.find("memory", "ann")
    assert user is not None
    state = await db.users.get_state(user.id)
    return None if state is None else state.state


async def test_cancel_typed_in_a_form_ends_it_as_its_button_does(chat: MemoryTransport, db):
    await chat.press("ann", "hr:new")
    asked = await chat.press("ann", "hr:cat:moving")
    assert "hr:cancel" in button_data(asked)
    state = await _state(db)
    assert state is not None
    typed = await chat.text("ann", "/cancel")
    assert await _state(db) is None
    # The same answer as the form's own Cancel, pressed in the same step.
    await chat.press("ann", "hr:new")
    await chat.press("ann", "hr:cat:moving")
    pressed_answer = await chat.press("ann", "hr:cancel")
    assert await _state(db) is None
    assert texts(typed) == texts(pressed_answer)
    assert "unknown" not in texts(typed).lower() and texts(typed)
    assert button_data(typed) == button_data(pressed_answer)


async def test_cancel_typed_in_another_state_ends_it(chat: MemoryTransport, db: Database):
    await chat.text("ann", "/note")
    assert await _state(db) == "note.text"
    out = await chat.text("ann", "/cancel")
    assert texts(out) == "✖️ Cancelled. Nothing was changed."
    assert button_data(out) == ["menu:main"]
    assert await _state(db) is None


async def test_cancel_with_nothing_going_on_is_the_main_menu(chat: MemoryTransport, db):
    menu = await chat.text("ann", "/menu")
    out = await chat.text("ann", "/cancel")
    assert texts(out) == texts(menu)
    assert await _state(db) is None
