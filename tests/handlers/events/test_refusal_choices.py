"""A text at a new event's summary is refused with Publish under the refusal, and one at
"✏️ What do you want to change?" with the fields, not only Cancel (from a black-box pass at
the console): numbered choices press only the newest message's, so after "👆 Please use the
buttons above." a "1" meant for Publish - or for the first field - pressed the refusal's one
button, Cancel, and the event written so far was gone."""

from __future__ import annotations

from datetime import date

from db import Database
from handlers.dispatcher import Dispatcher
from tests.support.terminal import Terminal, state_at_console
from tests.support.town_events import soon, town

__all__ = ["town"]  # the fixture (tests/support/town_events.py)


async def _coordinator(term: Terminal, db: Database) -> None:
    user = await term.started("ioana", "ro")
    await db.users.grant_role(user.id, "coordinator")


async def test_a_text_at_the_summary_keeps_publish_and_the_draft(
    dispatcher: Dispatcher, db: Database
):
    term = Terminal(dispatcher, db)
    await _coordinator(term, db)
    await term.type("/event_new", "Cafenea de limbi", "Rheinische Straße 143, 44147")
    await term.press("ee:addr")
    day = date.fromisoformat(soon(5)[:10])
    await term.type(f"{day:%d.%m.%Y} 16:30")
    await term.press("ee:dur:120")
    await term.press("ee:rep:weekly")
    await term.press("ee:skip")
    assert await state_at_console(dispatcher, "ioana") == "eventedit.summary"
    assert "[1]" in await term.type("da")
    assert await state_at_console(dispatcher, "ioana") == "eventedit.summary"
    # The typed 1 is Publish: the event written before is kept.
    out = await term.type("1")
    assert await state_at_console(dispatcher, "ioana") is None
    assert "/start event_" in out


async def test_a_text_at_the_fields_keeps_them(dispatcher: Dispatcher, db: Database, town):
    term = Terminal(dispatcher, db)
    await _coordinator(term, db)
    await term.type(f"/event_edit {town['fest']}")
    assert await state_at_console(dispatcher, "ioana") == "eventedit.choose"
    assert "[1]" in await term.type("titlu")
    assert await state_at_console(dispatcher, "ioana") == "eventedit.choose"
    await term.type("1")
    assert await state_at_console(dispatcher, "ioana") == "eventedit.title"
