"""OpenStreetMap ``opening_hours`` evaluated in Europe/Berlin with German public holidays."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class HoursStatus:
    known: bool
    is_open: bool = False
    # When the state changes next (closing time if open, opening time if closed).
    next_change: datetime | None = None


def status(expression: str, at: datetime) -> HoursStatus:
    if not expression.strip() or validate(expression):
        return HoursStatus(known=False)
    hours = _parsed(expression.strip())
    at = at.astimezone(TIMEZONE)
    state = hours.state(at)[0]
    if state == State.UNKNOWN:
        return HoursStatus(known=False)
    change = hours.next_change(at)
    if change is not None and change - at > timedelta(days=14):
        change = None
    return HoursStatus(known=True, is_open=state == State.OPEN, next_change=change)


def day_intervals(
    expression: str, first_day: date, days: int = 7
) -> list[tuple[date, list[tuple[time, time]]]]:
    """For each day from ``first_day``, the opening intervals that start on that day."""
    result: list[tuple[date, list[tuple[time, time]]]] = [
        (first_day + timedelta(days=i), []) for i in range(days)
    ]
    if not expression.strip() or validate(expression):
        return result
    start = datetime.combine(first_day, time(0), TIMEZONE)
    end = start + timedelta(days=days)
    for begin, finish, state, _comment in _parsed(expression.strip()).intervals(start, end):
        if state != State.OPEN:
            continue
        begin = begin.astimezone(TIMEZONE)
        finish = finish.astimezone(TIMEZONE)
        index = (begin.date() - first_day).days
        if 0 <= index < days:
            result[index][1].append((begin.time(), finish.time()))
    return result
