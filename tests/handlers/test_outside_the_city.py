"""A location shared from outside the city at a step that asks for one is refused with the
step's own choices under the refusal (from a black-box pass at the console): numbered
choices press only the newest message's, so without them the volunteer's "1" (Skip) after
the refusal was taken as a postcode and refused again, and the requester's "1" (Cancel)
as a district. The step and what it holds stay."""

from __future__ import annotations

from db import Database
from handlers.dispatcher import Dispatcher
from tests.support.terminal import Terminal, state_at_console

BERLIN = ":loc 52.52,13.40"


def _shown_buttons(term: Terminal, name: str) -> list[str]:
    return [button.data for button in term.console._buttons.get(name, [])]


async def _consented(term: Terminal, name: str, lang: str) -> None:
    await term.type(f":as {name}", "/start")
    await term.press(f"lang:{lang}")
    await term.press("consent:yes")


async def test_a_volunteer_outside_the_city_can_still_skip_the_own_point(
    dispatcher: Dispatcher, db: Database
):
    term = Terminal(dispatcher, db)
    await _consented(term, "vera", "uk")
    for data in ("menu:volunteer", "vo:reg", "vo:bz:Innenstadt-Nord", "vo:area-done"):
        await term.press(data)
    assert "vo:nopt" in _shown_buttons(term, "vera")
    refused = await term.type(BERLIN)
    assert "🗺️" in refused and "[1]" in refused
    # The step stays, its choices under the refusal: the typed 1 is its Skip.
    assert await state_at_console(dispatcher, "vera") == "vol.point"
    await term.type("1")
    assert "vo:cat:shopping" in _shown_buttons(term, "vera")


async def test_a_requester_outside_the_city_keeps_the_steps_choices(
    dispatcher: Dispatcher, db: Database
):
    term = Terminal(dispatcher, db)
    await _consented(term, "amira", "ar")
    for data in ("menu:help", "hr:new", "hr:cat:shopping"):
        await term.press(data)
    await term.type("أحتاج مساعدة في التسوق من السوبرماركت")
    refused = await term.type(BERLIN)
    assert "🗺️" in refused and "[1]" in refused
    assert await state_at_console(dispatcher, "amira") == "request.where"
    # The typed 1 is the step's Cancel, not a district to look up.
    await term.type("1")
    assert await state_at_console(dispatcher, "amira") is None


async def test_a_requester_outside_the_city_goes_on_with_a_postcode(
    dispatcher: Dispatcher, db: Database
):
    term = Terminal(dispatcher, db)
    await _consented(term, "amira", "ar")
    for data in ("menu:help", "hr:new", "hr:cat:shopping"):
        await term.press(data)
    await term.type("أحتاج مساعدة في التسوق من السوبرماركت")
    await term.type(BERLIN)
    # The description typed before is kept: the postcode typed now leads on to "when".
    await term.type("44147")
    assert "hr:when:asap" in _shown_buttons(term, "amira")
