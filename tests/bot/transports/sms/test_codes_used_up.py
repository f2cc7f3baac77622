"""A number's codes of the day used up stop its person's coded acts until tomorrow - often
because someone spent them in her name. Through real Kannel (tests/support/sms/city.py):
she is told, and so are the coordinators, once that day, by her name and user number (never
the number), so that they can call her. Before, nobody but her was told."""

from __future__ import annotations

from collections.abc import Callable

from db import Database
from handlers.numbers import coded_acts
from locales import translator
from tests.bot.transports.sms.test_forged_volunteer import T, _vera_volunteers
from tests.support.help_story import GROUP
from tests.support.sms.city import City
from tests.support.sms.codes import has_code, lapse

VERA = "+4917644444444"


async def test_the_coordinators_are_told_once_when_a_numbers_codes_are_used_up(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    vera, vera_id = await _vera_volunteers(city, db)
    no_codes = translator("de").t(coded_acts.NO_CODES).removeprefix("⏳ ")
    before = len(city.story.inbox.get(GROUP, []))

    def told() -> list[str]:
        """What the coordinators were told since: only this, here."""
        return [str(getattr(item, "text", "")) for item in city.story.inbox.get(GROUP, [])[before:]]

    # A forger's pauses from her number, each a code texted to her, until none is left.
    asked = 0
    while asked < 10:
        await vera.say("/volunteer")
        await vera.choose(T._("Pause"))
        (answer,) = vera.new
        if not has_code(answer.text):
            break
        asked += 1
        await city.flush()
        assert not told(), asked
        await lapse(db, vera.number)  # she does nothing: each lapses, and the next comes
    assert asked > 0 and no_codes in answer.text, answer.text
    await city.flush()
    (notice,) = told()
    assert str(vera_id) in notice and VERA.removeprefix("+")[2:] not in notice, notice

    # Once a day: the next refusal tells her again, the coordinators not.
    await vera.say("/volunteer")
    await vera.choose(T._("Pause"))
    await city.flush()
    assert len(told()) == 1
