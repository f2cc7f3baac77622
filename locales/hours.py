"""OpenStreetMap ``opening_hours`` evaluated in Europe/Berlin with German public holidays.

The region's calendar, as :data:`locales.TIMEZONE` is: a place's hours (handlers/places/)
and the hours a coordinator answers the phone (``[phone] coordinators_hours``) are read by
the same grammar, here, below both."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from opening_hours import OpeningHours, State

from locales import TIMEZONE

COUNTRY = "DE"


@lru_cache(maxsize=8192)
def _parsed(expression: str) -> OpeningHours:
    return OpeningHours(expression, timezone=TIMEZONE, country=COUNTRY)


def validate(expression: str) -> str | None:
    """None if the expression is valid (or empty), else a one-line reason."""
    if not expression.strip():
        return None
    try:
        _parsed(expression.strip())
    except (SyntaxError, ValueError, Exception) as exc:  # the library raises its ParserError
        return str(exc).strip().splitlines()[0][:200] or "invalid opening_hours"
    return None


def unreadable_from(expression: str) -> int | None:
    """Where in ``expression`` (as typed, spaces around it removed) the grammar stops
    reading it, as an index into it (its length: something is missing at its end); None
    when it reads, or where the library's message names no place. The library's message
    itself is English and for developers ("Failed to parse expression: --> 1:7")."""
    problem = validate(expression)
    found = re.search(r"--> *\d+:(\d+)", problem or "")
    if found is None:
        return None
    return min(max(int(found.group(1)) - 1, 0), len(expression.strip()))


@dataclass(frozen=True)
class HoursStatus:
    known: bool
    is_open: bool = False
    # When the state changes next (closing time if open, opening time if closed).
    next_change: datetime | None = None


def _state(expression: str, at: datetime) -> State:
    if not expression.strip() or validate(expression):
        return State.UNKNOWN
    return _parsed(expression.strip()).state(at.astimezone(TIMEZONE))[0]


def is_open(expression: str, at: datetime) -> bool:
    """``status(expression, at).is_open`` without working out the next change (the
    filter "open now" asks it of every place)."""
    return _state(expression, at) == State.OPEN


def status(expression: str, at: datetime) -> HoursStatus:
    state = _state(expression, at)
    if state == State.UNKNOWN:
        return HoursStatus(known=False)
    at = at.astimezone(TIMEZONE)
    change = _parsed(expression.strip()).next_change(at)
    if change is not None and change - at > timedelta(days=14):
        change = None
    return HoursStatus(known=True, is_open=state == State.OPEN, next_change=change)


# An opening that ends at most this long after midnight belongs to the evening it began.
NIGHT_TAIL = timedelta(hours=6)


def day_intervals(
    expression: str, first_day: date, days: int = 7
) -> list[tuple[date, list[tuple[time, time]]]]:
    """For each day from ``first_day``, the opening intervals of that day.

    The library merges what runs on ("24/7" is one interval for the whole week), so an
    interval is cut at each midnight - except the short tail of an evening opening
    ("Fr 20:00-02:00" stays Friday's). A whole day is (00:00, 00:00)."""
    result: list[tuple[date, list[tuple[time, time]]]] = [
        (first_day + timedelta(days=i), []) for i in range(days)
    ]
    if not expression.strip() or validate(expression):
        return result
    start = datetime.combine(first_day, time(0), TIMEZONE)
    end = datetime.combine(first_day + timedelta(days=days), time(0), TIMEZONE)
    for begin, finish, state, _comment in _parsed(expression.strip()).intervals(start, end):
        if state != State.OPEN:
            continue
        cursor = begin.astimezone(TIMEZONE)
        finish = finish.astimezone(TIMEZONE)
        while cursor < finish:
            midnight = datetime.combine(cursor.date() + timedelta(days=1), time(0), TIMEZONE)
            piece_end = min(finish, midnight)
            if cursor.time() != time(0) and finish - midnight <= NIGHT_TAIL:
                piece_end = finish
            index = (cursor.date() - first_day).days
            if 0 <= index < days:
                result[index][1].append((cursor.time(), piece_end.time()))
            cursor = piece_end
    return result


@dataclass(frozen=True)
class OpeningDays:
    """Today's opening intervals and the next day after today that opens (within a fortnight)."""

    today: list[tuple[time, time]]
    next_day: date | None = None
    next_intervals: list[tuple[time, time]] = field(default_factory=list)


def today_and_next(expression: str, now: datetime) -> OpeningDays | None:
    """None when the hours are unknown or cannot be read."""
    if not expression.strip() or validate(expression):
        return None
    today = now.astimezone(TIMEZONE).date()
    days = day_intervals(expression, today, 15)
    later = next(((day, spans) for day, spans in days[1:] if spans), None)
    if later is None:
        return OpeningDays(days[0][1])
    return OpeningDays(days[0][1], later[0], later[1])
