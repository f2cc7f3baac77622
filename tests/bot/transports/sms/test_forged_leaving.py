"""A forged "Stop volunteering" must not delete a volunteer's profile on a code she texted a
moment ago for something else. Through real Kannel (tests/support/sms/city.py): her other
settings pass for half an hour after a right code (handlers/numbers/coded_acts.py
``PASSING``), but leaving deletes her profile and the coordinators' confirmation of her
training, which she cannot put back herself - so it always waits for its own code.

A forger sends from her number but never receives its texts: a text sent "by the forger" is
a text from her number whose code the test then does not use."""

from __future__ import annotations

from collections.abc import Callable

from db import Database
from tests.bot.transports.sms.test_forged_volunteer import T, _vera_volunteers
from tests.support.sms.city import City
from tests.support.sms.codes import code_in as _code
from tests.support.sms.codes import other_code as _other


async def test_leaving_waits_for_its_own_code_even_after_a_right_one(
    make_city: Callable[..., object], db: Database
) -> None:
    """Before, a forged "Yes, stop" within 30 minutes of her code for a pause deleted her
    profile at once."""
    city: City = await make_city()  # type: ignore[misc]
    vera, vera_id = await _vera_volunteers(city, db)

    # Vera pauses, with the code texted to her: her number is vouched for half an hour.
    await vera.choose(T._("Pause"))
    (asked,) = vera.new
    await vera.say(_code(asked.text))
    volunteer = await db.volunteers.get(vera_id)
    assert volunteer is not None and volunteer.paused

    # A forger's "Stop volunteering" right after: held for a code of its own.
    await vera.say("/volunteer")
    await vera.choose(T._("Stop volunteering"))
    await vera.choose(T._("Yes, stop"))
    (asked,) = vera.new
    assert await db.volunteers.get(vera_id) is not None
    await vera.say(_other(_code(asked.text)))
    assert await db.volunteers.get(vera_id) is not None

    # Vera herself, with that code: her profile is deleted.
    await vera.say(_code(asked.text))
    assert await db.volunteers.get(vera_id) is None
