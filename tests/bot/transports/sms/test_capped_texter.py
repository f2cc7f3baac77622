"""A texter past their texts of the hour or the day, through real Kannel (issue 84 point 1):
the first text over the cap gets ONE answer - when the bot answers again (the clock time in
Dortmund, in the texter's language) and which number to call for something urgent - sent
outside the cap; then silence until the cap period ends, however many texts come. Before,
the texter got no answer at all.

Each step waits for events (tests/support/sms/city.py), never for a time; the budget's clock
is set, so that the hour and the day are the test's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.transports.sms.budget import Limits
from bot.transports.sms.segments import count
from db.clock import BERLIN
from locales import Translator
from tests.support.sms.city import City, Resident
from tests.support.sms.codes import checked

GRETA = "+4917633333334"
CITY_LINE = "+49 231 5550100"
INVISIBLE = {"\u200e", "\u200f", "\u061c", "\u2066", "\u2067", "\u2068", "\u2069", "\u200b"}


def _clock(moment: datetime) -> str:
    """The clock time in Dortmund, as the German reader writes it (Babel)."""
    return str(Translator("de").time(moment.astimezone(BERLIN)))


async def test_a_texter_past_the_cap_is_told_once_when_the_bot_answers_again(
    make_city: Callable[..., object],
) -> None:
    city: City = await make_city(Limits(per_number_hour=3, per_number_day=5))  # type: ignore[misc]
    city.sms.call_instead = CITY_LINE
    budget = city.sms.budget
    now = datetime(2026, 11, 25, 9, 20, tzinfo=UTC)  # a Wednesday, 10:20 in Dortmund
    budget.clock = lambda: now
    greta = Resident(city, GRETA)

    # The hour's three texts are answered; the next text gets the one notice. (Her code a
    # moment ago: all her texts are hers - test_forged_answers_held.py holds a number's
    # answers past a third while it has not shown its holder is there.)
    for _ in range(3):
        assert await greta.say("Hallo")
        await checked(city.db, GRETA)
    told = await greta.say("Hallo?")
    assert len(told) == 1
    notice = told[0].text
    assert _clock(now.replace(minute=0) + timedelta(hours=1)) in notice  # "11:00"
    assert CITY_LINE in notice
    assert not INVISIBLE & set(notice)
    assert count(notice) <= 2
    # A flood within the hour: silence, and the gateway was handed nothing more.
    handed = city.gateway.sent[GRETA]
    for text in ("Hallo", "0", "Hilfe", "1"):
        assert await greta.say(text) == []
    assert city.gateway.sent[GRETA] == handed

    # The next hour she is answered again, up to the day's five; then told once that the
    # bot answers her tomorrow, and silence again.
    now += timedelta(hours=1)
    assert await greta.say("Hallo")
    assert await greta.say("Hallo")
    (tomorrow,) = await greta.say("Hallo")
    assert _clock(now.replace(minute=0) + timedelta(hours=1)) not in tomorrow.text
    assert _clock(datetime(2026, 11, 26, tzinfo=BERLIN)) in tomorrow.text
    assert CITY_LINE in tomorrow.text
    now += timedelta(hours=1)
    assert await greta.say("Hallo") == []
    assert await greta.say("Hallo") == []
