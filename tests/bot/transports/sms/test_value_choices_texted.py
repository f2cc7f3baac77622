"""A volunteer registering by SMS, through real Kannel, at "How many requests at the same
time?": the text numbered its choices "1 1", "2 2", "3 3", "4 Abbrechen", but there a
texted number is the count (handlers/router.py ``Router.read_typed``): "4" was refused
and the same list came again - the text told her what does not work. Now the text asks
for the number in a sentence and names the way to cancel that works, /cancel (CANCEL
alone is a stop word: handlers/media/value_choices.py); a menu's choices stay numbered."""

from __future__ import annotations

import re
from collections.abc import Callable

from locales import translator
from tests.support.sms.city import City, Resident

NUMBER = "+4917612345624"
# A line that offers a choice by its number ("4 Abbrechen").
_NUMBERED = re.compile(r"(?m)^\d+ \S")


async def _state(city: City) -> str | None:
    person = await city.db.users.find("sms", NUMBER)
    assert person is not None
    state = await city.db.users.get_state(person.id)
    return state.state if state is not None else None


async def test_how_many_at_once_asks_for_the_number_and_names_cancel_that_works(
    make_city: Callable[..., object],
) -> None:
    city: City = await make_city()  # type: ignore[misc]
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
    # The kinds of help are a menu: each still has the number that ticks it.
    assert any(_NUMBERED.search(x.text) for x in menu), [x.text for x in menu]
    await texter.choose(t._("Shopping and errands"))
    await texter.choose(t._("Done"))
    asked = await texter.choose(t._("Done"))  # the languages: German, as chosen
    assert await _state(city) == "vol.max", [x.text for x in asked]
    for text in asked:
        assert not _NUMBERED.search(text.text), text.text  # no "4 Abbrechen"
    assert any("/cancel" in x.text for x in asked), [x.text for x in asked]
    refused = await texter.say("4")
    assert await _state(city) == "vol.max"
    assert not any(_NUMBERED.search(x.text) for x in refused), [x.text for x in refused]
    assert any("/cancel" in x.text for x in refused), [x.text for x in refused]
    await texter.say("/cancel")
    assert await _state(city) is None  # cancelled, as the text said
