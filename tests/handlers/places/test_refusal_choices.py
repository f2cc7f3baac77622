"""A text at a new place's summary is refused with Save under the refusal, and one at "✏️ What
do you want to change?" with the fields, not only Cancel (from a black-box pass at the
console): numbered choices press only the newest message's, so after "👆 Please use the
buttons above." a "1" meant for Save - or for the first field - pressed the refusal's one
button, Cancel, and the place written so far was gone."""

from __future__ import annotations

from db import Database
from handlers.dispatcher import Dispatcher
from tests.support.terminal import Terminal, state_at_console


async def _coordinator(term: Terminal, db: Database) -> None:
    user = await term.started("kerem", "tr")
    await db.users.grant_role(user.id, "coordinator")


async def test_a_text_at_the_summary_keeps_save_and_one_at_the_fields_keeps_them(
    dispatcher: Dispatcher, db: Database
):
    term = Terminal(dispatcher, db)
    await _coordinator(term, db)
    await term.type("/place_new", "Sprachcafé Union")
    await term.press("pe:cat:welcome_point")
    await term.type("51.5120, 7.4480", "Rheinische Straße 143, 44147", "We 16:00-18:00")
    await term.press("pe:wc:yes")
    await term.press("pe:langs-done")
    assert await state_at_console(dispatcher, "kerem") == "placeedit.summary"
    assert "[1]" in await term.type("evet")
    assert await state_at_console(dispatcher, "kerem") == "placeedit.summary"
    # The typed 1 is Save: the place written before is kept.
    await term.type("1")
    assert await state_at_console(dispatcher, "kerem") is None
    [place] = [p for p in await db.places.in_box(51.5, 51.53, 7.44, 7.46) if p.source == "chat"]
    assert place.name == "Sprachcafé Union"

    await term.press(f"pe:edit:{place.id}")
    assert await state_at_console(dispatcher, "kerem") == "placeedit.choose"
    assert "[1]" in await term.type("isim")
    assert await state_at_console(dispatcher, "kerem") == "placeedit.choose"
    await term.type("1")
    assert await state_at_console(dispatcher, "kerem") == "placeedit.name"
