"""A number past its texts of the hour or the day, through real Kannel (QA of the texts):
the person's texts get no answer until the cap ends, and the coordinators are told while
it lasts - by name and user number, never the number - once an hour at most, with when the
bot answers again (the next hour, or tomorrow). Before, the texts just stopped: the log
said so, nobody who could help heard of it.

Each step waits for events (tests/support/sms/city.py), never for a time; the budget's clock
is set, so that the hour and the day are the test's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.transports.sms.budget import Limits
from db import Database
from db.clock import BERLIN
from tests.support.help_story import GROUP
from tests.support.sms.city import City, Resident
from tests.support.sms.codes import checked

GRETA = "+4917633333333"


def _notices(city: City) -> list[str]:
    return [
        str(m.text) for m in city.story.inbox.get(GROUP, []) if "📵" in str(getattr(m, "text", ""))
    ]


def _next_hour(now: datetime) -> str:
    """The clock time in Dortmund when the next hour begins."""
    start = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return start.astimezone(BERLIN).strftime("%H:%M")


async def _until_silent(greta: Resident, most: int) -> int:
    """Texts from Greta until one gets no answer; how many were answered."""
    for answered in range(most):
        if not await greta.say("Hallo" if answered % 2 else "0"):
            return answered
    raise AssertionError(f"still answered after {most} texts")


async def test_a_number_past_its_caps_is_told_to_the_coordinators_while_it_lasts(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city(Limits(per_number_hour=4, per_number_day=6))  # type: ignore[misc]
    budget = city.sms.budget
    now = datetime(2026, 11, 25, 9, 20, tzinfo=UTC)  # a Wednesday, 10:20 in Dortmund
    budget.clock = lambda: now
    greta = Resident(city, GRETA)

    await greta.say("Hallo")
    person = await db.users.find("sms", GRETA)
    assert person is not None
    # Her code a moment ago: all her texts are hers (test_forged_answers_held.py holds a
    # number's answers past a third while it has not shown its holder is there).
    await checked(db, GRETA)
    await _until_silent(greta, 8)
    # Four answers, and the one text that says when she is answered again (test_capped_texter.py).
    assert len(greta.texts) == 5
    await city.flush()
    (hour,) = _notices(city)
    assert f"{person.id}" in hour and "33333333" not in hour
    assert _next_hour(now) in hour

    # More texts within the hour: still no answer, and the coordinators know already.
    assert await greta.say("Hallo?") == []
    await city.flush()
    assert len(_notices(city)) == 1

    # The next hour she is answered again, up to the day's 6; then told once more, now
    # that the bot answers her tomorrow.
    now += timedelta(hours=1)
    assert await _until_silent(greta, 6) == 3  # two answers, then the one "tomorrow" text
    await city.flush()
    notices = _notices(city)
    assert len(notices) == 2 and f"{person.id}" in notices[1] and "33333333" not in notices[1]
    assert _next_hour(now) not in notices[1]
