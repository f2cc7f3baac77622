"""A texter who stopped at the postcode of a help request and texts "Merhaba" six days later
is asked, through real Kannel with fakesmsc, whether to continue that request or start
again, as numbered choices - not told that "Merhaba" is no place she knows
(handlers/helping/unfinished_request.py ``gate``; the chats: tests/handlers/helping/
test_paused_request.py). Continuing asks the postcode again with the draft kept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.clock import to_text
from handlers.helping.requests_flow import STATE
from handlers.helping.unfinished_request import GO_ON
from locales import translator
from tests.support.sms.city import City, Resident, until_description

NUMBER = "+4917655501234"
LANGUAGE_NAMES = {"de": "Deutsch", "tr": "Türkçe"}
DESCRIPTION = {
    "de": "Ich brauche Hilfe beim Einkaufen",
    "tr": "Alışveriş için yardıma ihtiyacım var",
}


@pytest.mark.parametrize("lang", ["de", "tr"])
async def test_a_text_days_later_asks_to_continue_the_request(
    make_city: Callable[..., object], db: Database, lang: str
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    t = translator(lang)
    resident = Resident(city, NUMBER)
    await resident.say("Hallo")
    await resident.choose(LANGUAGE_NAMES[lang])
    await resident.choose(t._("I agree"))
    await until_description(resident, lang)
    await resident.say(DESCRIPTION[lang])
    user = await db.users.find("sms", NUMBER)
    assert user is not None
    state = await db.users.get_state(user.id)
    assert state is not None and state.state == STATE + "where"
    await db.transactions.execute_all(
        [
            (
                "UPDATE conversations SET updated_at = ? WHERE user_id = ?",
                (to_text(datetime.now(UTC) - timedelta(days=6)), user.id),
            )
        ]
    )

    asked = await resident.say("Merhaba")
    # The two choices, numbered; nothing of the places' list.
    body = " ".join(text.text for text in asked)
    assert t._(GO_ON) in body and t._("Start again") in body, body
    # The request is named: its category, whole (no icon's gap left in a text).
    assert f"({t._('Shopping and errands')})" in body, body
    assert "Merhaba" not in body, body
    kept = await db.users.get_state(user.id)
    assert kept is not None and kept.state == STATE + "where"
    assert kept.data["draft"]["description"] == DESCRIPTION[lang]

    await resident.choose(t._(GO_ON))
    await resident.say("44147")
    kept = await db.users.get_state(user.id)
    assert kept is not None and kept.state.startswith(STATE + "when")
    assert kept.data["draft"]["postcode"] == "44147"
    assert kept.data["draft"]["description"] == DESCRIPTION[lang]
