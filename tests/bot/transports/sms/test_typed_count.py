"""A volunteer registering by SMS, through real Kannel, at "How many requests at the same
time?" (1, 2, 3, Cancel): a texted "4" is four - no count offered, so the choices come
again and the form goes on - never the fourth line, Cancel, which ended the registration
and dropped every answer so far (handlers/router.py ``Router.read_typed``; the transport
marks a number that pressed a choice, ``ButtonPress.typed``). "3" is then three.

The text numbered those choices "1 1", "2 2", "3 3", "4 Abbrechen", and a texted 4 came
back with the same list: it told her what does not work. Now it asks for the number in a
sentence and names no command, a chat's word (handlers/media/value_choices.py); /cancel
still cancels for one who knows it; a menu's choices stay numbered."""

from __future__ import annotations

import re
from collections.abc import Callable

from locales import translator
from tests.support.sms.city import City, Resident
from tests.support.sms.fakesmsc import Text as FakeText

NUMBER = "+4917612345623"
# A line that offers a choice by its number ("4 Abbrechen").
_NUMBERED = re.compile(r"(?m)^\d+ \S")


async def _state(city: City) -> str | None:
    person = await city.db.users.find("sms", NUMBER)
    assert person is not None
    state = await city.db.users.get_state(person.id)
    return state.state if state is not None else None


async def _at_how_many(city: City) -> tuple[Resident, list[FakeText], list[FakeText]]:
    """The texter at "how many at once?": with the texts that asked for the kinds of help
    (a menu) and those that ask how many."""
    t = translator("de")
    texter = Resident(city, NUMBER)
    await texter.say("Hallo")
    await texter.choose("Deutsch")
    await texter.choose(t._("I agree"))
    await texter.choose(t._("Volunteer"))
    await texter.choose(t._("Register as a volunteer"))
    await texter.choose("Innenstadt-West")
    await texter.choose(t._("Done"))
    menu = await texter.choose(t._("Skip"))
    await texter.choose(t._("Shopping and errands"))
    await texter.choose(t._("Done"))
    asked = await texter.choose(t._("Done"))  # the languages: German, as chosen
    assert await _state(city) == "vol.max", [x.text for x in asked]
    return texter, menu, asked


async def test_a_texted_count_is_that_count_not_the_line_with_its_number(
    make_city: Callable[..., object],
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    texter, _menu, _asked = await _at_how_many(city)
    person = await city.db.users.find("sms", NUMBER)
    assert person is not None
    await texter.say("4")
    # Still asked how many, the answers so far kept (it pressed Cancel: no state at all).
    state = await city.db.users.get_state(person.id)
    assert state is not None and state.state == "vol.max", [x.text for x in texter.new]
    assert state.data["profile"]["categories"] == ["shopping"]
    await texter.say("3")
    # Saving by text waits for the code texted to the number (coded_acts): with three.
    state = await city.db.users.get_state(person.id)
    assert state is not None and state.state == "coded", state
    assert state.data["data"]["profile"]["max_open"] == 3


async def test_how_many_at_once_asks_for_the_number_in_a_sentence_without_chat_words(
    make_city: Callable[..., object],
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    texter, menu, asked = await _at_how_many(city)
    # The kinds of help are a menu: each still has the number that ticks it.
    assert any(_NUMBERED.search(x.text) for x in menu), [x.text for x in menu]
    for text in asked:
        assert not _NUMBERED.search(text.text), text.text  # no "4 Abbrechen"
    # A text names no command (a chat's word; tests/handlers/test_no_chat_words.py).
    assert not any("/cancel" in x.text for x in asked), [x.text for x in asked]
    refused = await texter.say("4")
    assert await _state(city) == "vol.max"
    assert not any(_NUMBERED.search(x.text) for x in refused), [x.text for x in refused]
    # /cancel still cancels for one who knows it.
    await texter.say("/cancel")
    assert await _state(city) is None
