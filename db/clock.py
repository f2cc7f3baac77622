"""Timestamps as stored: UTC, ISO 8601, second precision, so they sort as text; and the
city's calendar day (Europe/Berlin) a moment falls on, as days are stored."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def to_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_day(moment: datetime) -> str:
    """The day in Europe/Berlin ``moment`` falls on, as YYYY-MM-DD."""
    return moment.astimezone(BERLIN).date().isoformat()


def utcnow() -> str:
    return to_text(datetime.now(UTC))
