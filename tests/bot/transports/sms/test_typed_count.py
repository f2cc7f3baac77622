"""A volunteer registering by SMS, through real Kannel, at "How many requests at the same
time?" (1, 2, 3, Cancel): a texted "4" is four - no count offered, so the choices come
again and the form goes on - never the fourth line, Cancel, which ended the registration
and dropped every answer so far (handlers/router.py ``Router.read_typed``; the transport
marks a number that pressed a choice, ``ButtonPress.typed``). "3" is then three."""

from __future__ import annotations

from collections.abc import Callable

from locales import translator
from tests.support.sms.city import City, Resident

NUMBER = "+4917612345623"


async def test_a_texted_count_is_that_count_not_the_line_with_its_number(
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
    await texter.choose(t._("Skip"))
    await texter.choose(t._("Shopping and errands"))
    await texter.choose(t._("Done"))
    await texter.choose(t._("Done"))  # the languages: German, as chosen
    person = await city.db.users.find("sms", NUMBER)
    assert person is not None
    state = await city.db.users.get_state(person.id)
    assert state is not None and state.state == "vol.max", [x.text for x in texter.new]
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
