"""The daytime in which the offer rules' waits count (``OfferRules.day_start`` to
``day_end``, Europe/Berlin): a request posted at 23:00 is not widened at 02:00 because
nobody answered at night.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from handlers.settings import OfferRules
from locales import TIMEZONE


def daytime_minutes(start: datetime, end: datetime, rules: OfferRules) -> float:
    """How many minutes between ``start`` and ``end`` fall into the daytime."""
    if end <= start:
        return 0.0
    total = 0.0
    day = start.astimezone(TIMEZONE).date()
    last = end.astimezone(TIMEZONE).date()
    while day <= last:
        opens = datetime.combine(day, time(rules.day_start), TIMEZONE)
        closes = datetime.combine(day, time(rules.day_end), TIMEZONE)
        lo, hi = max(opens, start), min(closes, end)
        if hi > lo:
            total += (hi - lo).total_seconds() / 60
        day += timedelta(days=1)
    return total


def after_daytime(start: datetime, minutes: float, rules: OfferRules) -> datetime:
    """The moment ``minutes`` of daytime have passed since ``start``."""
    left = minutes
    at = start.astimezone(TIMEZONE)
    for _ in range(400):
        opens = datetime.combine(at.date(), time(rules.day_start), TIMEZONE)
        closes = datetime.combine(at.date(), time(rules.day_end), TIMEZONE)
        at = max(at, opens)
        if at < closes:
            room = (closes - at).total_seconds() / 60
            if left <= room:
                return at + timedelta(minutes=left)
            left -= room
        at = datetime.combine(at.date() + timedelta(days=1), time(rules.day_start), TIMEZONE)
    return at
