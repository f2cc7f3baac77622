"""The code that stops a help's notices too (a STOP from a person whose help is under way,
bot/transports/sms/transport.py) is held to the same limits as every other code, and a
limit that stops it tells the coordinators while it holds. Through real Kannel
(tests/support/sms/city.py): the city's wrong codes of the hour reached by STOP codes, and
a number whose codes of the day are used up when its STOP asks for one. Before, the
texter alone was told: the coordinators heard nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.transports.sms import store
from db import Database
from handlers.numbers import coded_acts, text_stops
from locales import translator
from tests.support.help_story import GROUP
from tests.support.sms.city import City, Resident, onboarded, write_request
from tests.support.sms.codes import code_in, has_code, other_code

GRETA = "+4917633333333"
T = translator("de")


async def _requester(make_city: Callable[..., object]) -> tuple[City, Resident, int, int]:
    """A city, and Greta, whose request by text waits for review (help under way): her
    person's id and how many messages the coordinators had then."""
    city: City = await make_city()  # type: ignore[misc]
    greta, greta_id = await onboarded(city, GRETA)
    asked = await write_request(greta, "Ich brauche Hilfe beim Einkaufen", from_menu=True)
    await greta.say(code_in(asked))
    await city.flush()
    return city, greta, greta_id, len(city.story.inbox.get(GROUP, []))


async def _codes_spent(db: Database) -> None:
    """Her number's codes of the day are used up: five sent today that were never texted
    back right (a forger's; her own right ones give their place back)."""
    await db.transactions.changed(
        "UPDATE sms_numbers SET codes_in_day = codes_confirmed + ? WHERE number = ?",
        (store.CODES_A_DAY, GRETA),
    )


def _told(city: City, before: int) -> list[str]:
    return [str(getattr(item, "text", "")) for item in city.story.inbox.get(GROUP, [])[before:]]


async def test_wrong_stop_codes_at_the_city_limit_tell_the_coordinators_once(
    make_city: Callable[..., object], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "CITY_WRONG_CODES", 2)
    city, greta, _, before = await _requester(make_city)

    (stopped,) = await greta.say_and_deliver("STOPP")
    code = code_in(stopped.text)
    for _ in range(2):  # the second wrong one reaches the city's limit
        await greta.say(other_code(code))
    await city.flush()
    (notice,) = _told(city, before)
    assert GRETA.removeprefix("+")[2:] not in notice and code not in notice, notice

    # Her help is under way: her right code is checked even now (issue 98, point 4) - her
    # help's notices stop too - and the coordinators are not told a second time.
    waiting = T.t(coded_acts.CODES_PAUSED, time="").removeprefix("⏳ ").split(".")[0]
    (answer,) = await greta.say(code)
    assert waiting not in answer.text, answer.text
    assert await store.SmsStore(db.transactions).stop_state(GRETA) == "all"
    await city.flush()
    assert len(_told(city, before)) == 1


async def test_a_stop_past_the_numbers_codes_of_the_day_tells_the_coordinators(
    make_city: Callable[..., object], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    city, greta, greta_id, before = await _requester(make_city)
    await _codes_spent(db)

    (stopped,) = await greta.say("STOPP")
    assert not has_code(stopped.text)
    no_code = T.t(text_stops.STOPPED_BUT_HELP_NO_CODE).split(".")[0]
    assert no_code in stopped.text, stopped.text
    await city.flush()
    (notice,) = _told(city, before)
    assert str(greta_id) in notice and GRETA.removeprefix("+")[2:] not in notice, notice
