"""A typed number at a step whose answer is a number (a volunteer's distance, how many
requests at once) is that number, through the console's numbered choices as on Matrix and
SMS (handlers/router.py ``Router.read_typed``): it presses the choice whose own label names
it ("5" for "5 km", in any script's digits), else it is text for the step - never the
choice at that place in the list ("2" pressed "5 km", "4" pressed Cancel). Where the
choices are menu items, a typed number stays the choice at its place."""

from __future__ import annotations

import re

from handlers.dispatcher import Dispatcher
from handlers.helping.vocabulary import HELP_CATEGORIES
from tests.support.terminal import Terminal, state_at_console

NEAR = "51.5136,7.4653"


async def _at(dispatcher: Dispatcher, lang: str, *presses: str) -> Terminal:
    term = Terminal(dispatcher, dispatcher.db)
    await term.type("/start")
    await term.press(f"lang:{lang}")
    await term.press("consent:yes")
    for data in ("menu:volunteer", "vo:reg", *presses):
        await term.press(data)
    return term


async def _at_the_distance(dispatcher: Dispatcher, lang: str) -> Terminal:
    term = await _at(dispatcher, lang, "vo:around")
    await term.type(f":loc {NEAR}")
    assert await state_at_console(dispatcher) == "vol.radius"
    return term


async def _profile(dispatcher: Dispatcher) -> dict:
    person = await dispatcher.db.users.find("console", "amira")
    assert person is not None
    state = await dispatcher.db.users.get_state(person.id)
    assert state is not None, "the form was left"
    return state.data["profile"]


async def test_a_typed_distance_is_that_distance(dispatcher: Dispatcher):
    """1 km, 2 km, 5 km, Cancel: "3" is 3 km, no distance offered - asked again (it
    pressed the third choice, 5 km); "5" is 5 km."""
    term = await _at_the_distance(dispatcher, "de")
    await term.type("3")
    assert await state_at_console(dispatcher) == "vol.radius"
    await term.type("5")
    assert (await _profile(dispatcher))["radius_m"] == 5000


async def test_five_in_latin_digits_is_five_kilometres_on_persian_labels(dispatcher: Dispatcher):
    """The labels say "۵ کیلومتر": a "5" typed on a Latin keyboard names it too (it was
    none of the four places, and refused)."""
    await (await _at_the_distance(dispatcher, "fa")).type("5")
    assert (await _profile(dispatcher))["radius_m"] == 5000


async def test_a_distance_not_offered_is_refused_not_cancelled(dispatcher: Dispatcher):
    """ "4" (km) is no distance offered: the step asks again, with its choices - it pressed
    the fourth choice, Cancel, and the answers so far were gone."""
    term = await _at_the_distance(dispatcher, "de")
    shown = await term.type("4")
    assert await state_at_console(dispatcher) == "vol.radius"
    assert "1 km" in shown and "[:4]" in shown  # the choices again, still pressable
    await term.type("1")
    assert (await _profile(dispatcher))["radius_m"] == 1000


async def test_how_many_at_once_takes_the_typed_count(dispatcher: Dispatcher):
    """1, 2, 3, Cancel: "3" is three; "4" is refused with the choices, not Cancel."""
    term = await _at(dispatcher, "de", "vo:bz:", "vo:area-done", "vo:nopt")
    await term.press("vo:cat:")
    await term.press("vo:cats-done")
    await term.press("vo:langs-done")
    assert await state_at_console(dispatcher) == "vol.max"
    await term.type("4")
    assert await state_at_console(dispatcher) == "vol.max"
    await term.type("3")
    person = await dispatcher.db.users.find("console", "amira")
    assert person is not None
    volunteer = await dispatcher.db.volunteers.get(person.id)
    assert volunteer is not None and volunteer.max_open == 3


async def test_a_menu_step_still_takes_a_number_as_its_choice(dispatcher: Dispatcher):
    """The kinds of help are menu items: "2" ticks the second of them."""
    term = await _at(dispatcher, "de", "vo:bz:", "vo:area-done", "vo:nopt")
    assert await state_at_console(dispatcher) == "vol.categories"
    await term.type("2")
    assert (await _profile(dispatcher))["categories"] == [list(HELP_CATEGORIES)[1]]


# A choice the console says a typed number presses: "[2] label" (not "[:2]").
_TYPED_CHOICE = re.compile(r"\[(\d+)\] (.+?)(?=   \[|$)", re.MULTILINE)


async def test_the_distance_shows_no_number_that_does_not_do_what_it_says(dispatcher: Dispatcher):
    """The distance's list numbered 1 km, 2 km, 5 km, Cancel ("[3] 5 km", "[4] Abbrechen"),
    but a typed 3 is 3 km and a typed 4 is four: neither did what the list said. Now no
    choice there is shown with a number to type but the values themselves; "2" is 2 km."""
    term = await _at(dispatcher, "de", "vo:around")
    shown = await term.type(f":loc {NEAR}")
    assert await state_at_console(dispatcher) == "vol.radius"
    assert _TYPED_CHOICE.findall(shown) == [], shown  # no "[N] …" a typed N would not press
    for km in ("1 km", "2 km", "5 km"):
        assert km in shown
    refused = await term.type("4")
    assert _TYPED_CHOICE.findall(refused) == [] and "5 km" in refused, refused
    await term.type("2")
    assert (await _profile(dispatcher))["radius_m"] == 2000


async def test_cancel_at_the_distance_is_shown_the_way_it_is_pressed(dispatcher: Dispatcher):
    """Cancel is shown with ``:N`` (the console's press whatever is typed), and that
    cancels; it was "[4] Abbrechen", and a typed 4 was refused."""
    term = await _at_the_distance(dispatcher, "de")
    shown = await term.type("4")  # the refusal shows the step's choices too
    cancel = re.search(r"\[:(\d+)\] ✖️ Abbrechen", shown)
    assert cancel is not None, shown
    await term.type(f":{cancel.group(1)}")
    assert await state_at_console(dispatcher) is None


async def test_cancel_typed_at_the_distance_cancels(dispatcher: Dispatcher):
    """/cancel, the way a text names (CANCEL alone is an SMS stop word), cancels there."""
    await (await _at_the_distance(dispatcher, "de")).type("/cancel")
    assert await state_at_console(dispatcher) is None


async def test_a_menu_step_still_numbers_its_choices(dispatcher: Dispatcher):
    """The kinds of help carry no values: each is shown with the number that presses it."""
    term = await _at(dispatcher, "de", "vo:bz:", "vo:area-done")
    shown = await term.press("vo:nopt")
    assert await state_at_console(dispatcher) == "vol.categories"
    numbers = [int(n) for n, _ in _TYPED_CHOICE.findall(shown)]
    assert len(numbers) > 3 and numbers == list(range(1, len(numbers) + 1)), shown
