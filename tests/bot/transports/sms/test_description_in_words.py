"""QA of the SMS line (issue 77 follow-up, QA-VOICE), through real Kannel: a texter asks for
help and describes it with emoji alone. A text leaves icons out, so a volunteer by SMS
would have read an empty request: the description is refused with a translated answer
(handlers/helping/requests_flow.py ``IN_WORDS``), the step stays with what was chosen
before it, and a description in words then goes on to "where?". Before, the emoji were the
description and the request went on to the postcode."""

from __future__ import annotations

from collections.abc import Callable

from handlers.helping.requests_flow import STATE
from tests.support.sms.city import City, onboarded, until_description

NUMBER = "+4915112345644"


async def test_a_description_of_emoji_alone_is_refused(
    make_city: Callable[..., object],
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    texter, person = await onboarded(city, NUMBER)
    await until_description(texter)
    asked = await city.db.users.get_state(person)
    assert asked is not None and asked.state == STATE + "description"
    (refused,) = await texter.say("🛒🍎🍞🥛🧀✨")
    assert refused.text.strip(), "an answer in words"
    kept = await city.db.users.get_state(person)
    assert kept is not None and kept.state == STATE + "description"
    assert kept.data == asked.data  # the category chosen is kept, nothing described
    await texter.say("Bitte Milch und Brot holen")
    moved = await city.db.users.get_state(person)
    assert moved is not None and moved.state != STATE + "description"
    assert moved.data["draft"]["description"] == "Bitte Milch und Brot holen"
