"""Recurrence rules cannot stall the bot: rules finer than daily or firing many times a day
are refused on import, stored ones from before that check are ignored, and every expansion
(dates in a window, reminders written) has a hard bound."""

from __future__ import annotations

from datetime import datetime, timedelta

import icalendar
import pytest
import recurring_ical_events
from dateutil import rrule as du
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from db import Database
from db.events import Event
from handlers.events.editing import rrule_for
from handlers.events.ical import import_events
from handlers.events.recurrence import (
    MAX_OCCURRENCES,
    local,
    local_text,
    next_occurrences,
    occurrences,
    validate_rrule,
)
from handlers.events.reminders import MAX_REMINDED, sync_event
from handlers.places.gazetteer import load_gazetteer
from locales import TIMEZONE
from tests.support.cli import run_bot
from tests.support.memory_transport import MemoryTransport, button_data, texts

GAZ = load_gazetteer("data/dortmund")
# The most periods one of the tests below may take: the bounded expansions take a few
# hundred, and about 20,000 for a stored rule that never matches (probed for 100 years);
# without the bounds the same tests take from 400,000 (weeks until the year 9999) to millions.
PERIODS_BOUND = 100_000
EVERY_MINUTE_OF_THE_DAY = (
    "FREQ=DAILY;BYHOUR="
    + ",".join(map(str, range(24)))
    + ";BYMINUTE="
    + ",".join(map(str, range(60)))
)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=TIMEZONE)


@pytest.fixture
def periods(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many periods (days, weeks, months, years) dateutil went through: the work an
    expansion did, counted the same on a fast or a busy machine. A bound that failed would
    show in this count by orders of magnitude: a daily rule run on to the year 9999 from
    today goes through millions of days."""
    counted = [0]
    for name in ("ydayset", "mdayset", "wdayset", "ddayset"):
        original = getattr(du._iterinfo, name)

        def counting(self, *args, _original=original):
            counted[0] += 1
            return _original(self, *args)

        monkeypatch.setattr(du._iterinfo, name, counting)
    return counted


# -- the rule itself ------------------------------------------------------------------------


@pytest.mark.parametrize("freq", ["SECONDLY", "MINUTELY", "HOURLY"])
def test_rules_finer_than_daily_are_refused(freq):
    problem = validate_rrule(f"FREQ={freq}")
    assert problem and "more often than daily" in problem
    assert "more often than daily" in validate_rrule(f"FREQ={freq};COUNT=3", "2016-01-04T10:00")


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYHOUR=8,9,10,11,12",
        EVERY_MINUTE_OF_THE_DAY,
        "FREQ=WEEKLY;BYDAY=MO;BYHOUR=10;BYMINUTE=0,10,20,30,40",
        "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=10,11;BYMINUTE=0,30;BYSECOND=0,30",
        "FREQ=YEARLY;BYSECOND=" + ",".join(map(str, range(60))),
    ],
)
def test_rules_firing_many_times_a_day_are_refused(rule):
    problem = validate_rrule(rule)
    assert problem and "times a day" in problem


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY",
        "FREQ=DAILY;BYHOUR=8,12,16,20",
        "FREQ=WEEKLY;BYDAY=TU;BYHOUR=10,17",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20271231T230000Z",
        "FREQ=MONTHLY;BYDAY=2TU",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=12",
        "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24",
    ],
)
def test_ordinary_rules_are_accepted(rule):
    assert validate_rrule(rule, "2026-01-05T10:00") is None


@pytest.mark.parametrize("kind", ["weekly", "biweekly", "monthly"])
@pytest.mark.parametrize("day", [1, 8, 15, 22, 29, 30, 31])
def test_rules_of_the_coordinators_event_flow_are_accepted(kind, day):
    # editing.py builds its rules itself from buttons (no rule text is typed in).
    start = berlin(2026, 12, day, 17, 0)
    assert validate_rrule(rrule_for(kind, start), local_text(start)) is None


def test_validation_looks_at_the_events_own_start_not_a_fixed_date():
    # Every twelve months on the 31st: fine from January, never from April.
    rule = "FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=31"
    assert validate_rrule(rule, "2016-01-31T10:00") is None
    assert "matches no date" in validate_rrule(rule, "2016-04-30T10:00")
    assert "matches no date" in validate_rrule("FREQ=DAILY;INTERVAL=7;BYDAY=MO", "2026-01-06T10:00")
    assert validate_rrule("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "2026-01-01T10:00")


# -- importing --------------------------------------------------------------------------------


def _vevent(uid: str, start: str, rules: list[str]) -> str:
    lines = ["BEGIN:VEVENT", f"UID:{uid}", f"SUMMARY:Treffen {uid}", f"DTSTART:{start}"]
    lines += ["DURATION:PT1H", *(f"RRULE:{r}" for r in rules), "END:VEVENT"]
    return "\n".join(lines)


FINE_RULES_ICS = "\n".join(
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//test//DE",
        _vevent("good", "20261103T160000Z", ["FREQ=WEEKLY;BYDAY=TU"]),
        _vevent("minutely-2016", "20160104T090000Z", ["FREQ=MINUTELY"]),
        _vevent("hourly", "20261103T160000Z", ["FREQ=HOURLY;INTERVAL=2"]),
        _vevent("secondly", "20160104T090000Z", ["FREQ=SECONDLY"]),
        _vevent("every-minute", "20160104T090000Z", [EVERY_MINUTE_OF_THE_DAY]),
        _vevent("twice", "20261103T160000Z", ["FREQ=WEEKLY", "FREQ=DAILY"]),
        _vevent("never", "20260430T090000Z", ["FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=31"]),
        _vevent("yearday", "20261103T160000Z", ["FREQ=DAILY;BYYEARDAY=100"]),
        "END:VCALENDAR",
        "",
    ]
)


async def test_import_refuses_each_unusable_rule_with_its_number(db: Database, tmp_path):
    path = tmp_path / "fine.ics"
    path.write_text(FINE_RULES_ICS, encoding="utf-8")
    report = await import_events(db, path, gazetteer=GAZ)
    assert (report.total, report.created) == (8, 1)
    reasons = {number: reason for _, number, reason in report.rejected}
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 8]
    for number in (2, 3, 4):
        assert "more often than daily" in reasons[number]
    assert "times a day" in reasons[5]
    assert "more than one RRULE" in reasons[6]
    assert "matches no date" in reasons[7]
    assert "BYYEARDAY" in reasons[8]
    assert all(len(reason) < 300 for reason in reasons.values())
    assert [e.uid for e in await db.events.active()] == ["good"]


def test_events_cli_reports_refused_rules_and_exits_1(tmp_path):
    path = tmp_path / "fine.ics"
    path.write_text(FINE_RULES_ICS, encoding="utf-8")
    result = run_bot("events", "import", str(path), database=tmp_path / "cli.sqlite3")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.count("rejected: unusable RRULE") == 6
    assert "fine.ics: event 5: rejected" in result.stderr
    assert "1 new" in result.stdout


# -- rules stored before these checks ---------------------------------------------------------


def _tomorrow(hour: int = 10) -> str:
    day = (datetime.now(TIMEZONE) + timedelta(days=1)).date()
    return f"{day.isoformat()}T{hour:02d}:00"


async def _store(db: Database, rule: str, starts_local: str, uid: str = "alt") -> int:
    event_id, _, _ = await db.events.upsert(
        Event(
            uid=uid,
            title="Alte Regel",
            starts_local=starts_local,
            rrule=rule,
            lat=51.5245,
            lon=7.4650,
            stadtbezirk="Innenstadt-Nord",
        )
    )
    return event_id


STORED_BAD_RULES = [
    "FREQ=MINUTELY",
    "FREQ=SECONDLY",
    "FREQ=HOURLY",
    EVERY_MINUTE_OF_THE_DAY,
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",  # never matches: dateutil would look until 9999
    "FREQ=DAILY;INTERVAL=7;BYDAY=MO",  # from a Tuesday: never matches either
]


@pytest.mark.parametrize("rule", STORED_BAD_RULES)
async def test_a_stored_bad_rule_is_one_date_in_list_details_and_reminders(
    chat: MemoryTransport, db: Database, rule, periods
):
    # Tomorrow 10:00, or the Tuesday on or after it for the weekday rule.
    start = local(_tomorrow())
    start += timedelta(days=(1 - start.weekday()) % 7) if "INTERVAL=7" in rule else timedelta()
    event_id = await _store(db, rule, local_text(start))
    await chat.onboard("ela", "de")
    periods[0] = 0
    out = await chat.press("ela", "ev:week")
    shown = [d for d in button_data(out) if d.startswith(f"ev:d:{event_id}:")]
    if start < datetime.now(TIMEZONE) + timedelta(days=7):
        assert len(shown) == 1
    out = await chat.press("ela", f"ev:d:{event_id}")
    assert "Alte Regel" in texts(out) and "🔁" not in texts(out)
    await chat.press("ela", f"ev:ra:{event_id}")
    user = await db.users.find("memory", "ela")
    assert len(await db.events.pending_for_user(user.id)) <= 2  # 1 day and 1 hour before
    assert periods[0] < PERIODS_BOUND, periods[0]


@pytest.mark.parametrize("rule", STORED_BAD_RULES)
async def test_a_stored_bad_rule_from_2016_yields_nothing_now(db: Database, rule, periods):
    event_id = await _store(db, rule, "2016-01-05T10:00")
    event = await db.events.get(event_id)
    now = datetime.now(TIMEZONE)
    periods[0] = 0
    assert occurrences(event, now, now + timedelta(days=14)) == []
    assert next_occurrences(event, now, 3) == []
    user = await db.users.seen("memory", "rosa", "rosa", "Rosa")
    await db.users.record_consent(user.id)
    async with db.transaction():
        await db.events.follow(user.id, event_id)
        assert await sync_event(db, event_id, now) == 0
    assert await db.events.pending_count() == 0
    assert periods[0] < PERIODS_BOUND, periods[0]


# -- bounds on allowed rules ------------------------------------------------------------------


async def test_expansion_returns_at_most_max_occurrences(db: Database, periods):
    event = await db.events.get(
        await _store(db, "FREQ=DAILY;BYHOUR=8,12,16,20", "1900-01-01T08:00")
    )
    periods[0] = 0
    found = occurrences(event, berlin(2026, 1, 1), berlin(2036, 1, 1))
    assert len(found) == MAX_OCCURRENCES
    assert found[:3] == [berlin(2026, 1, 1, 8), berlin(2026, 1, 1, 12), berlin(2026, 1, 1, 16)]
    assert next_occurrences(event, berlin(2030, 6, 1), 3) == [
        berlin(2030, 6, 1, 8),
        berlin(2030, 6, 1, 12),
        berlin(2030, 6, 1, 16),
    ]
    assert occurrences(event, berlin(2026, 1, 1), berlin(2036, 1, 1), limit=10**9) == found
    assert periods[0] < PERIODS_BOUND, periods[0]


async def test_remind_every_time_writes_a_bounded_number_of_reminders(db: Database):
    event_id = await _store(db, "FREQ=DAILY;BYHOUR=8,12,16,20", _tomorrow(8))
    user = await db.users.seen("memory", "rosa", "rosa", "Rosa")
    await db.users.record_consent(user.id)
    now = datetime.now(TIMEZONE)
    async with db.transaction():
        await db.events.follow(user.id, event_id)
        wanted = await sync_event(db, event_id, now)
    pending = await db.events.pending_for_user(user.id)
    assert len(pending) == wanted
    assert len({r.occurrence_local for r in pending}) == MAX_REMINDED  # not 4 a day for 60 days
    assert wanted <= MAX_REMINDED * 2  # default times: 1 day and 1 hour before


async def test_a_rule_with_a_start_long_ago_is_cheap_and_correct(db: Database, periods):
    event = await db.events.get(await _store(db, "FREQ=DAILY", "1900-01-01T17:00"))
    periods[0] = 0
    for _ in range(50):
        found = occurrences(event, berlin(2026, 3, 1), berlin(2026, 3, 15))
    assert [o.day for o in found] == list(range(1, 15)) and {o.hour for o in found} == {17}
    assert periods[0] < PERIODS_BOUND, periods[0]


async def test_follow_of_one_date_beyond_the_cap_is_still_reminded(db: Database):
    event_id = await _store(db, "FREQ=DAILY;BYHOUR=8,12,16,20", _tomorrow(8))
    event = await db.events.get(event_id)
    user = await db.users.seen("memory", "otto", "otto", "Otto")
    await db.users.record_consent(user.id)
    await db.users.set_reminder_offsets(user.id, [60])
    now = datetime.now(TIMEZONE)
    late = next_occurrences(event, now + timedelta(days=50), 1)[0]
    async with db.transaction():
        await db.events.follow(user.id, event_id, local_text(late))
        assert await sync_event(db, event_id, now) == 1
    [reminder] = await db.events.pending_for_user(user.id)
    assert reminder.occurrence_local == local_text(late)


# -- the bounded expansion gives the same dates as a plain one --------------------------------

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@st.composite
def rules(draw) -> str:
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(1, 4))}")
    if draw(st.booleans()):
        days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=3, unique=True))
        if freq in ("MONTHLY", "YEARLY") and draw(st.booleans()):
            days = [f"{draw(st.sampled_from([1, 2, 3, 4, -1]))}{d}" for d in days]
        parts.append("BYDAY=" + ",".join(days))
    if freq != "WEEKLY" and draw(st.booleans()):
        parts.append(f"BYMONTHDAY={draw(st.sampled_from([1, 13, 15, 28, 30, 31, -1]))}")
    if draw(st.integers(0, 3)) == 0:
        months = draw(st.lists(st.integers(1, 12), min_size=1, max_size=3, unique=True))
        parts.append("BYMONTH=" + ",".join(map(str, months)))
    if len(parts) > 1 and parts[-1].startswith("BY") and draw(st.integers(0, 5)) == 0:
        parts.append(f"BYSETPOS={draw(st.sampled_from([1, 2, -1]))}")
    end = draw(st.integers(0, 4))
    if end == 0:
        parts.append(f"COUNT={draw(st.integers(1, 60))}")
    elif end == 1:
        until = datetime(2024, 1, 1) + timedelta(days=draw(st.integers(0, 1500)))
        parts.append(f"UNTIL={until:%Y%m%dT%H%M%SZ}")
    if draw(st.integers(0, 4)) == 0:
        parts.append(f"WKST={draw(st.sampled_from(WEEKDAYS))}")
    return ";".join(parts)


def _plain(event: Event, start: datetime, end: datetime) -> list[datetime]:
    """The old, unbounded expansion with recurring-ical-events from DTSTART."""
    calendar = icalendar.Calendar()
    component = icalendar.Event()
    first = local(event.starts_local)
    component.add("uid", "x")
    component.add("dtstart", first)
    component.add("dtend", first + timedelta(minutes=60))
    component.add("rrule", icalendar.vRecur.from_ical(event.rrule))
    for exdate in event.exdates:
        component.add("exdate", local(exdate))
    calendar.add_component(component)
    found = recurring_ical_events.of(calendar).between(start, end)
    starts = sorted(c["DTSTART"].dt.astimezone(TIMEZONE) for c in found)
    return [s for s in starts if start <= s < end]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rule=rules(),
    first=st.datetimes(datetime(1990, 1, 1), datetime(2027, 12, 31)).map(
        lambda d: d.replace(minute=d.minute // 15 * 15, second=0, microsecond=0)
    ),
    weeks_excluded=st.lists(st.integers(0, 30), max_size=2),
    offset_days=st.integers(0, 700),
    length_days=st.sampled_from([1, 14, 60, 400]),
)
def test_bounded_expansion_matches_the_plain_one(
    rule, first, weeks_excluded, offset_days, length_days
):
    starts_local = first.isoformat(timespec="minutes")
    assume(validate_rrule(rule, starts_local) is None)
    exdates = tuple(
        sorted({local_text(local(starts_local) + timedelta(weeks=w)) for w in weeks_excluded})
    )
    event = Event(uid="x", title="x", starts_local=starts_local, rrule=rule, exdates=exdates)
    start = berlin(2025, 1, 1) + timedelta(days=offset_days)
    end = start + timedelta(days=length_days)
    assert occurrences(event, start, end) == _plain(event, start, end)[:MAX_OCCURRENCES]
