"""Timestamps as stored: UTC, ISO 8601, second precision, so they sort as text; and the
city's calendar day (Europe/Berlin) a moment falls on, as days are stored."""

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def to_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_day(moment: datetime) -> str:
    """The day in Europe/Berlin ``moment`` falls on, as YYYY-MM-DD."""
    return moment.astimezone(BERLIN).date().isoformat()


def hour_end(now: datetime) -> datetime:
    """The end of the clock hour (UTC) of ``now``: when what is counted in it stops counting."""
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


# The last second :func:`utcnow` wrote, and how: every update takes the time three to four
# times (its arrival, its record, the mark after sending, its state), and strftime was 2-3 %
# of an update's CPU in the handler mix (bench/profiles/README.md, eighth pass).
_written: tuple[int, str] = (0, "")


def utcnow() -> str:
    """Now as stored (:func:`to_text`, to the second)."""
    global _written
    second = int(time.time())  # datetime.now's second: both floor the same clock
    written = _written  # read once: the database thread may write it meanwhile
    if written[0] != second:
        written = (second, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second)))
        _written = written
    return written[1]


def month_start(year: int, month: int) -> datetime:
    """Midnight at the start of a month in Europe/Berlin (whatever the offset that day)."""
    return datetime(year, month, 1, tzinfo=BERLIN)


def month_bounds(year: int, month: int) -> tuple[str, str]:
    """A calendar month in Europe/Berlin as stored timestamps: [start, end)."""
    following = (year + month // 12, month % 12 + 1)
    return to_text(month_start(year, month)), to_text(month_start(*following))


def local_month(moment: datetime) -> tuple[int, int]:
    """The (year, month) in Europe/Berlin ``moment`` falls in."""
    local = moment.astimezone(BERLIN)
    return local.year, local.month


def from_text(value: str) -> datetime:
    """A stored timestamp as an aware datetime (UTC)."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
