"""QA of the SMS line (issue 77 follow-up, QA-VOICE), through real Kannel: a Turkish texter
asks for this week's events. Turkish writes the day first ("1 Ara Sal 14:00"), so the
list's line of an event began with a number - "1 Ara Sal 14:00 · Sommerfest Hörde" right
above the choice "1 30 Kas Sprachcafé" - and looked like a choice. Only the choices' lines
may begin with a number (handlers/media/texted_form.py ``set_apart``); the dates are still
the locale's own (Babel). What is checked is every text of the answer: the lines that
begin with a number are the choices, 1 to the last, each once."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from handlers.events.ical import import_events
from locales import TIMEZONE, translator
from tests.support.calendar_file import write_calendar
from tests.support.sms.city import City, Resident

NUMBER = "+905321234588"
_NUMBERED = re.compile(r"^(\d+) ")


def _calendar(path: Path) -> Path:
    """Two events in the coming days, at 14:00 and 18:00 local time."""
    today = datetime.now(TIMEZONE).replace(hour=14, minute=0, second=0, microsecond=0)
    events = []
    for uid, title, days, hour in (
        ("fest", "Sommerfest Hörde", 1, 14),
        ("cafe", "Sprachcafé", 2, 18),
    ):
        start = (today + timedelta(days=days)).replace(hour=hour).astimezone(UTC)
        events.append((f"{uid}@test", title, start, start + timedelta(hours=2)))
    return write_calendar(path, events)


async def test_a_date_written_day_first_is_no_choice(
    make_city: Callable[..., object], tmp_path: Path
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    report = await import_events(city.db, _calendar(tmp_path / "week.ics"))
    assert report.created == 2, report.rejected
    t = translator("tr")
    texter = Resident(city, NUMBER)
    await texter.say("Merhaba")
    await texter.choose("Türkçe")
    await texter.choose(t._("I agree"))
    await texter.say("/menu")
    await texter.choose(t._("Events"))
    week = await texter.choose(t._("This week"))
    newest = await city.sms.store.newest(NUMBER)
    assert newest is not None
    listed = newest[2]
    assert any(data.startswith("ev:d:") for _label, data in listed), listed
    numbers = [
        int(found.group(1))
        for text in week
        for line in text.text.splitlines()
        if (found := _NUMBERED.match(line))
    ]
    assert numbers == list(range(1, len(listed) + 1)), [text.text for text in week]
