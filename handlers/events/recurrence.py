"""When an event happens: its start, RRULE and EXDATEs expanded in Europe/Berlin.

Starts are stored as local wall-clock time, so "every Tuesday 17:00" stays 17:00 across the
daylight-saving changes in March and October (the UTC instant moves instead).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import icalendar
import recurring_ical_events

from db.events import Event
from locales import TIMEZONE


def local(text: str) -> datetime:
    """A stored local start ("2026-11-03T17:00:00") as an aware Europe/Berlin datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=TIMEZONE)


def local_text(moment: datetime) -> str:
    return moment.astimezone(TIMEZONE).replace(tzinfo=None).isoformat(timespec="minutes")


@lru_cache(maxsize=4096)
def _calendar(
    starts_local: str, duration: int, rrule: str, exdates: tuple[str, ...]
) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    component = icalendar.Event()
    start = local(starts_local)
    component.add("uid", "x")
    component.add("dtstart", start)
    component.add("dtend", start + timedelta(minutes=duration))
    if rrule:
        component.add("rrule", icalendar.vRecur.from_ical(rrule))
    for exdate in exdates:
        component.add("exdate", local(exdate))
    calendar.add_component(component)
    return calendar


def validate_rrule(rrule: str) -> str | None:
    """None if the rule can be expanded, else the reason."""
    if not rrule:
        return None
    try:
        calendar = _calendar("2026-01-05T10:00", 60, rrule, ())
        recurring_ical_events.of(calendar).between(date(2026, 1, 1), date(2026, 3, 1))
    except Exception as exc:  # the libraries raise ValueError, KeyError, TypeError …
        return f"{type(exc).__name__}: {exc}"[:200]
    return None


def occurrences(event: Event, start: datetime, end: datetime) -> list[datetime]:
    """Starts of the event's occurrences in [start, end), as aware local datetimes."""
    if event.status == "cancelled":
        return []
    if not event.rrule:
        first = local(event.starts_local)
        return [first] if start <= first < end else []
    calendar = _calendar(event.starts_local, event.duration_minutes, event.rrule, event.exdates)
    found = recurring_ical_events.of(calendar).between(
        start.astimezone(TIMEZONE), end.astimezone(TIMEZONE)
    )
    starts = sorted(component["DTSTART"].dt.astimezone(TIMEZONE) for component in found)
    return [s for s in starts if start <= s < end]


def next_occurrences(
    event: Event, after: datetime, count: int = 3, horizon_days: int = 400
) -> list[datetime]:
    return occurrences(event, after, after + timedelta(days=horizon_days))[:count]
