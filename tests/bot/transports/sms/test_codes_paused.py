"""A city-wide limit on wrong codes texted back: a forger with many sender ids guesses
codes at many numbers at once, three tries a code each. Through real Kannel
(tests/support/sms/city.py): once the city's wrong codes of the hour reach the limit, no
code is checked for anyone - not even a right one - the texter is told that nothing was
done yet and when to send it again, the act waiting for the code is kept, and the
coordinators are told once. Before, each number's three tries were the only bound."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.transports.sms import store
from db import Database
from handlers.numbers import coded_acts
from locales import translator
from tests.bot.transports.sms.test_forged_volunteer import T, _vera_volunteers
from tests.support.help_story import GROUP
from tests.support.sms.city import City
from tests.support.sms.codes import code_in, other_code

VERA = "+4917644444444"
OTTO = "+4917655555555"


async def test_wrong_codes_across_numbers_pause_every_code_check(
    make_city: Callable[..., object], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "CITY_WRONG_CODES", 2)
    city: City = await make_city()  # type: ignore[misc]
    vera, vera_id = await _vera_volunteers(city, db)
    otto, otto_id = await _vera_volunteers(city, db, OTTO)
    before = len(city.story.inbox.get(GROUP, []))

    def told() -> list[str]:
        return [str(getattr(item, "text", "")) for item in city.story.inbox.get(GROUP, [])[before:]]

    async def paused(user_id: int) -> bool:
        volunteer = await db.volunteers.get(user_id)
        assert volunteer is not None
        return volunteer.paused

    codes = {}
    for person in (vera, otto):
        await person.choose(T._("Pause"))
        (asked,) = person.new
        codes[person.number] = code_in(asked.text)
        # One wrong code from each number: the second is the city's limit.
        await person.say(other_code(codes[person.number]))
    await city.flush()
    (notice,) = told()
    assert VERA.removeprefix("+")[2:] not in notice and OTTO.removeprefix("+")[2:] not in notice

    # Now even the right code is not checked: nothing done, she knows to send it later.
    waiting = translator("de").t(coded_acts.CODES_PAUSED, time="").removeprefix("⏳ ").split(".")[0]
    for person, person_id in ((otto, otto_id), (vera, vera_id)):
        await person.say(codes[person.number])
        (answer,) = person.new
        assert waiting in answer.text, answer.text
        assert not await paused(person_id)
    await city.flush()
    assert len(told()) == 1  # once while the limit holds

    # The hour is over (no wrong codes counted yet): the code she kept does the held act.
    monkeypatch.setattr(store, "CITY_WRONG_CODES", 30)
    await vera.say(codes[VERA])
    assert await paused(vera_id)
    assert not await paused(otto_id)
