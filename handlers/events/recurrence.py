"""When an event happens: its start, RRULE and EXDATEs expanded in Europe/Berlin.

Starts are stored as local wall-clock time, so "every Tuesday 17:00" stays 17:00 across the
daylight-saving changes in March and October (the UTC instant moves instead).

Neighbourhood events repeat at most daily, so a rule is checked before it is stored
(:func:`validate_rrule`) and again whenever it is expanded (:func:`occurrences`): rules that
repeat more often than daily (``FREQ=HOURLY`` …), fire more than :data:`MAX_PER_DAY` times a
day (``BYHOUR``/``BYMINUTE``/``BYSECOND``), hold parts the bot does not know or match no date
at all are refused. A stored rule refused that way (one saved before these checks) is treated
as a single date at the event's start, and logged with the event's id only.

Every expansion is bounded:

- it starts from the period of the rule just before the window, not from DTSTART, so an event
  that started years ago costs no more than a new one;
- it returns at most :data:`MAX_OCCURRENCES` dates;
- it runs in the same calendar moved 400·k years forward (the Gregorian calendar repeats
  every 400 years, weekdays included), close to the year 9999 where ``dateutil`` stops, so
  even a rule whose filters never match again ends after a few hundred years of periods
  instead of iterating to the year 9999 from today.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import MAXYEAR, UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import islice

from dateutil import rrule as du

from db.events import Event
from handlers.parsing import number
from locales import TIMEZONE

log = logging.getLogger(__name__)

# How often a rule may fire on one day (the product of its BYHOUR, BYMINUTE and BYSECOND).
MAX_PER_DAY = 4
# At most this many dates come out of one expansion, whatever the window.
MAX_OCCURRENCES = 500
MAX_COUNT = 5000
MAX_INTERVAL = 1000
MAX_RULE_LENGTH = 1000
# A rule with no date in this many years after its start "matches no date".
PROBE_YEARS = 100
# Dates of a rule with COUNT further than this from the start are not looked for.
COUNT_YEARS = 500

FREQUENCIES = {
    "DAILY": du.DAILY,
    "WEEKLY": du.WEEKLY,
    "MONTHLY": du.MONTHLY,
    "YEARLY": du.YEARLY,
}
TOO_OFTEN = ("SECONDLY", "MINUTELY", "HOURLY")
WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
_CYCLE_YEARS = 400  # the Gregorian calendar repeats exactly after 400 years
_INTEGER = re.compile(r"[+-]?\d{1,4}")
_BYDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_UNTIL = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?")
_LIST_PARTS = {
    # part: (smallest, largest, zero allowed)
    "BYMONTH": (1, 12, False),
    "BYMONTHDAY": (-31, 31, False),
    "BYYEARDAY": (-366, 366, False),
    "BYWEEKNO": (-53, 53, False),
    "BYSETPOS": (-366, 366, False),
    "BYHOUR": (0, 23, True),
    "BYMINUTE": (0, 59, True),
    "BYSECOND": (0, 59, True),
}
# The longest each month can be, for rules like "the 30th of February".
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class RuleError(ValueError):
    """Why a recurrence rule cannot be used."""


@dataclass(frozen=True)
class Rule:
    freq: int
    interval: int = 1
    count: int | None = None
    until: datetime | None = None  # naive local time
    wkst: int = 0
    byday: tuple[tuple[int, int], ...] = ()  # (weekday, ordinal or 0)
    bymonth: tuple[int, ...] = ()
    bymonthday: tuple[int, ...] = ()
    byyearday: tuple[int, ...] = ()
    byweekno: tuple[int, ...] = ()
    bysetpos: tuple[int, ...] = ()
    byhour: tuple[int, ...] = ()
    byminute: tuple[int, ...] = ()
    bysecond: tuple[int, ...] = ()


def local(text: str) -> datetime:
    """A stored local start ("2026-11-03T17:00:00") as an aware Europe/Berlin datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=TIMEZONE)


def local_text(moment: datetime) -> str:
    return moment.astimezone(TIMEZONE).replace(tzinfo=None).isoformat(timespec="minutes")


# -- reading and checking a rule ------------------------------------------------------------


def _numbers(name: str, value: str) -> tuple[int, ...]:
    smallest, largest, zero = _LIST_PARTS[name]
    found = []
    for item in value.split(","):
        if not _INTEGER.fullmatch(item.strip()):
            raise RuleError(f"{name} must be a list of numbers, not {value[:40]!r}")
        number = int(item)
        if not smallest <= number <= largest or (number == 0 and not zero):
            raise RuleError(f"{name} value {number} is out of range")
        found.append(number)
    return tuple(sorted(set(found)))


def _until(value: str) -> datetime:
    match = _UNTIL.fullmatch(value.strip())
    if not match:
        raise RuleError(f"UNTIL {value[:40]!r} is not a date (YYYYMMDD or YYYYMMDDTHHMMSSZ)")
    year, month, day, hour, minute, second, utc = match.groups()
    try:
        if hour is None:
            # A date: its midnight, as dateutil and recurring-ical-events take it.
            return datetime(int(year), int(month), int(day))
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
        if utc:
            moment = moment.replace(tzinfo=UTC).astimezone(TIMEZONE)
            return moment.replace(tzinfo=None)
        return moment
    except (ValueError, OverflowError):
        raise RuleError(f"UNTIL {value[:40]!r} is not a valid date") from None


@lru_cache(maxsize=4096)
def parse_rule(text: str) -> Rule:
    """The rule in an RRULE value, or :class:`RuleError` saying why it cannot be used.

    Only the rule itself is looked at (no expansion): its frequency must be daily or
    coarser, it may fire at most :data:`MAX_PER_DAY` times a day, and every part must be
    one the bot knows, with values in range.
    """
    if len(text) > MAX_RULE_LENGTH:
        raise RuleError(f"the rule is longer than {MAX_RULE_LENGTH} characters")
    parts: dict[str, str] = {}
    for piece in text.strip().removeprefix("RRULE:").split(";"):
        if not piece.strip():
            continue
        name, equals, value = piece.partition("=")
        name = name.strip().upper()
        if not equals or not value.strip():
            raise RuleError(f"{name or piece[:20]!r} has no value")
        if name in parts:
            raise RuleError(f"{name} appears twice")
        parts[name] = value.strip().upper()
    freq = parts.pop("FREQ", "")
    if not freq:
        raise RuleError("FREQ is missing")
    if freq in TOO_OFTEN:
        raise RuleError(f"FREQ={freq} repeats more often than daily (events repeat at most daily)")
    if freq not in FREQUENCIES:
        raise RuleError(f"unknown FREQ {freq[:20]!r}")
    values: dict[str, object] = {"freq": FREQUENCIES[freq]}
    for name, value in parts.items():
        if name in _LIST_PARTS:
            values[name.lower()] = _numbers(name, value)
        elif name == "INTERVAL":
            interval = number(value, low=1, high=MAX_INTERVAL)
            if interval is None:
                raise RuleError(f"INTERVAL must be a number from 1 to {MAX_INTERVAL}")
            values["interval"] = interval
        elif name == "COUNT":
            count = number(value, low=1, high=MAX_COUNT)
            if count is None:
                raise RuleError(f"COUNT must be a number from 1 to {MAX_COUNT}")
            values["count"] = count
        elif name == "UNTIL":
            values["until"] = _until(value)
        elif name == "WKST":
            if value not in WEEKDAYS:
                raise RuleError(f"WKST {value[:20]!r} is not a weekday (MO … SU)")
            values["wkst"] = WEEKDAYS[value]
        elif name == "BYDAY":
            values["byday"] = _byday(value, freq)
        else:
            raise RuleError(f"unsupported rule part {name[:20]!r}")
    rule = Rule(**values)  # type: ignore[arg-type]
    per_day = len(rule.byhour or (0,)) * len(rule.byminute or (0,)) * len(rule.bysecond or (0,))
    if per_day > MAX_PER_DAY:
        raise RuleError(
            f"the rule fires {per_day} times a day (BYHOUR, BYMINUTE, BYSECOND);"
            f" at most {MAX_PER_DAY} are allowed"
        )
    # What RFC 5545 forbids; it also keeps out daily rules that only slowly find a date.
    if rule.byweekno and freq != "YEARLY":
        raise RuleError("BYWEEKNO is only allowed with FREQ=YEARLY")
    if rule.byyearday and freq != "YEARLY":
        raise RuleError("BYYEARDAY is only allowed with FREQ=YEARLY")
    if rule.bymonthday and freq == "WEEKLY":
        raise RuleError("BYMONTHDAY is not allowed with FREQ=WEEKLY")
    if rule.bysetpos and not (
        rule.byday or rule.bymonth or rule.bymonthday or rule.byyearday or rule.byweekno
    ):
        raise RuleError("BYSETPOS needs another BY… part")
    if (
        rule.bymonth
        and rule.bymonthday
        and not any(
            abs(day) <= _MONTH_DAYS[month - 1] for month in rule.bymonth for day in rule.bymonthday
        )
    ):
        raise RuleError("BYMONTHDAY does not exist in any month of BYMONTH")
    return rule


def _byday(value: str, freq: str) -> tuple[tuple[int, int], ...]:
    found = []
    for item in value.split(","):
        match = _BYDAY.fullmatch(item.strip())
        if not match:
            raise RuleError(f"BYDAY {item[:20]!r} is not a weekday (MO … SU, or e.g. 2TU, -1FR)")
        ordinal = int(match.group(1) or 0)
        largest = 5 if freq == "MONTHLY" else 53
        if match.group(1) and not 1 <= abs(ordinal) <= largest:
            raise RuleError(f"BYDAY {item[:20]!r}: the number must be from 1 to {largest}")
        found.append((WEEKDAYS[match.group(2)], ordinal))
    return tuple(sorted(set(found)))


# -- expanding a rule -----------------------------------------------------------------------


def _shift(moment: datetime, years: int) -> datetime:
    # Only ever by multiples of 400 years: the same date exists (29 February included).
    return moment.replace(year=moment.year + years)


def _series(rule: Rule, first: datetime, dtstart: datetime, until: datetime | None) -> du.rrule:
    """The rule as a dateutil rrule starting at ``dtstart`` (no COUNT).

    What dateutil would take from the event's first start when a part is missing (the
    weekday of a weekly rule, the day of a monthly one, the time …) is taken from
    ``first`` and passed explicitly, so a later ``dtstart`` does not change the dates.
    """
    bymonth = rule.bymonth or None
    bymonthday: tuple[int, ...] | int | None = rule.bymonthday or None
    byday = [du.weekday(day, ordinal or None) for day, ordinal in rule.byday] or None
    if not (rule.byweekno or rule.byyearday or rule.bymonthday or rule.byday):
        if rule.freq == du.YEARLY:
            bymonth = bymonth or (first.month,)
            bymonthday = first.day
        elif rule.freq == du.MONTHLY:
            bymonthday = first.day
        elif rule.freq == du.WEEKLY:
            byday = [du.weekday(first.weekday())]
    return du.rrule(
        rule.freq,
        dtstart=dtstart,
        interval=rule.interval,
        wkst=rule.wkst,
        until=until,
        bysetpos=rule.bysetpos or None,
        bymonth=bymonth,
        bymonthday=bymonthday,
        byyearday=rule.byyearday or None,
        byweekno=rule.byweekno or None,
        byweekday=byday,
        byhour=rule.byhour or first.hour,
        byminute=rule.byminute or first.minute,
        bysecond=rule.bysecond or first.second,
    )


def _rebase(rule: Rule, first: datetime, after: datetime) -> datetime:
    """A start for the expansion at least one whole period (of ``interval``) before
    ``after`` and in step with the rule's periods from ``first``."""
    n = rule.interval
    if rule.freq == du.DAILY:
        k = max(0, (after.date() - first.date()).days // n - 1)
        return first + timedelta(days=k * n)
    if rule.freq == du.WEEKLY:
        k = max(0, (after.date() - first.date()).days // 7 // n - 1)
        return first + timedelta(weeks=k * n)
    if rule.freq == du.MONTHLY:
        months = (after.year - first.year) * 12 + after.month - first.month
        k = max(0, months // n - 1)
        if k == 0:
            return first
        index = first.year * 12 + first.month - 1 + k * n
        return datetime.combine(date(index // 12, index % 12 + 1, 1), first.time())
    k = max(0, (after.year - first.year) // n - 1)
    if k == 0:
        return first
    return datetime.combine(date(first.year + k * n, 1, 1), first.time())


def _candidates(
    rule: Rule, first: datetime, after: datetime, before: datetime, until: datetime | None
) -> Iterator[datetime]:
    """The rule's dates (naive local, without COUNT) from about ``after`` up to the first
    one at or after ``before``, in order. The caller stops early as it likes."""
    if after >= before or first >= before or (until is not None and until < after):
        return
    if until is not None:
        until = min(until, before + timedelta(days=1))
    dtstart = _rebase(rule, first, after) if after > first else first
    years = max(0, (MAXYEAR - 1 - before.year) // _CYCLE_YEARS) * _CYCLE_YEARS
    series = _series(
        rule,
        first,
        _shift(dtstart, years),
        _shift(until, years) if until is not None else None,
    )
    end = _shift(before, years)
    for moment in series:
        if moment >= end:
            return
        yield _shift(moment, -years)


def _far_forward(first: datetime, room: int) -> int:
    """Years (a multiple of 400) to move ``first`` so that it lies at least ``room`` years
    before the year 9999, where dateutil stops, and not many more."""
    return max(0, (MAXYEAR - room - 1 - first.year) // _CYCLE_YEARS) * _CYCLE_YEARS


@lru_cache(maxsize=4096)
def _first_date(text: str, starts_local: str) -> datetime | None:
    """The rule's first date at or after the start (ignoring COUNT and UNTIL), or None if
    there is none in the :data:`PROBE_YEARS` (up to 500) years after it."""
    rule = parse_rule(text)
    first = datetime.fromisoformat(starts_local)
    years = _far_forward(first, PROBE_YEARS)
    for moment in _series(rule, first, _shift(first, years), None):
        return _shift(moment, -years)
    return None


@lru_cache(maxsize=4096)
def _last_counted(text: str, starts_local: str) -> datetime | None:
    """The last date of a rule with COUNT: at most MAX_COUNT dates to go through, and
    none more than COUNT_YEARS (up to 900) years after the start."""
    rule = parse_rule(text)
    first = datetime.fromisoformat(starts_local)
    years = _far_forward(first, COUNT_YEARS)
    last = None
    for moment in islice(_series(rule, first, _shift(first, years), None), rule.count):
        last = moment
    return _shift(last, -years) if last is not None else None


def rule_problem(rrule: str, starts_local: str | None = None) -> str | None:
    """None if the rule may be stored (and expanded from ``starts_local``), else why not.

    Checks the rule itself and, given the start, that it matches some date; nothing is
    expanded beyond the first date.
    """
    if not rrule:
        return None
    try:
        parse_rule(rrule)
        if starts_local is not None and _first_date(rrule, starts_local) is None:
            return f"the rule matches no date within {PROBE_YEARS} years of the start"
    except RuleError as exc:
        return str(exc)
    except (ValueError, OverflowError) as exc:  # a date dateutil cannot build
        return f"{type(exc).__name__}: {exc}"[:200]
    return None


def validate_rrule(rrule: str, starts_local: str | None = None) -> str | None:
    """None if the rule can be used, else the reason (see :func:`rule_problem`)."""
    return rule_problem(rrule, starts_local)


@lru_cache(maxsize=1024)
def _usable_rule(event_id: int | None, rrule: str, starts_local: str) -> Rule | None:
    """The stored rule if it may be expanded; a refused one is logged once and ignored."""
    problem = rule_problem(rrule, starts_local)
    if problem:
        # The reason names rule parts and numbers only, never texts of the event.
        log.warning("event %s: repetition ignored: %s", event_id, problem)
        return None
    return parse_rule(rrule)


def occurrences(
    event: Event, start: datetime, end: datetime, limit: int = MAX_OCCURRENCES
) -> list[datetime]:
    """Starts of the event's occurrences in [start, end), as aware local datetimes; the
    first ``limit`` of them (never more than :data:`MAX_OCCURRENCES`)."""
    limit = max(0, min(limit, MAX_OCCURRENCES))
    if event.status == "cancelled" or limit == 0:
        return []
    first_aware = local(event.starts_local)
    rule = _usable_rule(event.id, event.rrule, event.starts_local) if event.rrule else None
    if rule is None:
        return [first_aware] if start <= first_aware < end else []
    first = first_aware.replace(tzinfo=None)
    until = rule.until
    if rule.count is not None:
        last = _last_counted(event.rrule, event.starts_local) or first
        until = last if until is None else min(until, last)
    # Naive local bounds with a margin for the daylight-saving hour; exact filter below.
    after = max(first, start.astimezone(TIMEZONE).replace(tzinfo=None) - timedelta(days=1))
    before = end.astimezone(TIMEZONE).replace(tzinfo=None) + timedelta(days=1)
    excluded = set(event.exdates)
    found: list[datetime] = []
    # DTSTART is the first occurrence, whether or not the rule matches it (unless the rule
    # ended before it).
    if (
        start <= first_aware < end
        and (rule.until is None or first <= rule.until)
        and local_text(first_aware) not in excluded
    ):
        found.append(first_aware)
    for moment in _candidates(rule, first, after, before, until):
        aware = moment.replace(tzinfo=TIMEZONE)
        if len(found) >= limit:
            break
        if moment == first or not start <= aware < end or local_text(aware) in excluded:
            continue
        found.append(aware)
    return sorted(found)[:limit]


def next_occurrences(
    event: Event, after: datetime, count: int = 3, horizon_days: int = 400
) -> list[datetime]:
    return occurrences(event, after, after + timedelta(days=horizon_days), limit=count)
