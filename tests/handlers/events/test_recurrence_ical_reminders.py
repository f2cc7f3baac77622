"""Events: recurrence (exceptions, DST), iCal import/export, reminders through restarts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest

from db import Database
from db.events import Event
from handlers.events.ical import UnusableFile, import_events, to_ics
from handlers.events.recurrence import occurrences
from handlers.events.reminders import deliver_due, sync_event
from handlers.places.gazetteer import load_gazetteer
from locales import TIMEZONE
from tests.support.cli import run_bot

GAZ = load_gazetteer("data/dortmund")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=TIMEZONE)


def weekly(**extra) -> Event:
    return Event(
        uid="cafe",
        title="Sprachcafé",
        starts_local="2026-03-03T17:00",
        rrule="FREQ=WEEKLY;BYDAY=TU",
        **extra,
    )


def test_weekly_with_exception():
    event = weekly(exdates=("2026-03-10T17:00",))
    found = occurrences(event, berlin(2026, 3, 1), berlin(2026, 3, 25))
    assert [o.day for o in found] == [3, 17, 24]


def test_second_tuesday_of_the_month():
    event = Event(
        uid="x", title="x", starts_local="2026-01-13T18:00", rrule="FREQ=MONTHLY;BYDAY=2TU"
    )
    found = occurrences(event, berlin(2026, 1, 1), berlin(2026, 6, 1))
    assert [(o.month, o.day) for o in found] == [(1, 13), (2, 10), (3, 10), (4, 14), (5, 12)]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ((2026, 3, 24), (2026, 3, 31)),  # clocks go forward on Sunday 29 March
        ((2026, 10, 20), (2026, 10, 27)),  # and back on Sunday 25 October
    ],
)
def test_local_time_is_kept_across_daylight_saving(before, after):
    event = weekly()
    first, second = occurrences(event, berlin(*before), berlin(*after) + timedelta(days=1))
    assert (first.hour, second.hour) == (17, 17)
    assert first.utcoffset() != second.utcoffset()
    # In absolute time that week is 167 or 169 hours long.
    assert second.astimezone(UTC) - first.astimezone(UTC) in (
        timedelta(hours=167),
        timedelta(hours=169),
    )


def test_cancelled_events_have_no_occurrences():
    assert occurrences(weekly(status="cancelled"), berlin(2026, 3, 1), berlin(2026, 4, 1)) == []


ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//DE
BEGIN:VEVENT
UID:cafe-1
SUMMARY:Sprachcafé Nordstadt
DTSTART;TZID=Europe/Berlin:20261103T170000
DTEND;TZID=Europe/Berlin:20261103T190000
RRULE:FREQ=WEEKLY;BYDAY=TU
EXDATE;TZID=Europe/Berlin:20261110T170000
LOCATION:Dietrich-Keuning-Haus
GEO:51.5245;7.4650
DESCRIPTION:Deutsch üben bei Kaffee und Tee
END:VEVENT
BEGIN:VEVENT
UID:fest-1
SUMMARY:Nachbarschaftsfest
DTSTART;TZID=Europe/Berlin:20260912T140000
DURATION:PT5H
END:VEVENT
BEGIN:VEVENT
SUMMARY:Ohne UID
DTSTART:20261201T100000Z
DTEND:20261201T110000Z
END:VEVENT
BEGIN:VEVENT
UID:no-start
SUMMARY:Ohne Beginn
END:VEVENT
BEGIN:VEVENT
UID:bad-rule
SUMMARY:Kaputte Regel
DTSTART:20261201T100000Z
DTEND:20261201T110000Z
RRULE:FREQ=WEEKLY;BYDAY=XX
END:VEVENT
BEGIN:VEVENT
UID:far
SUMMARY:In Berlin
DTSTART:20261201T100000Z
DTEND:20261201T110000Z
GEO:52.52;13.40
END:VEVENT
BEGIN:VEVENT
UID:backwards
SUMMARY:Rückwärts
DTSTART:20261201T100000Z
DTEND:20261201T090000Z
END:VEVENT
END:VCALENDAR
"""


def write(tmp_path: Path, text: str, name: str = "events.ics") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def test_ical_import_reports_bad_entries(db: Database, tmp_path):
    report = await import_events(db, write(tmp_path, ICS), gazetteer=GAZ)
    assert (report.total, report.created) == (7, 2)
    reasons = {number: reason for _, number, reason in report.rejected}
    assert reasons[3] == "missing UID"
    assert "DTSTART" in reasons[4]
    assert "RRULE" in reasons[5]
    assert "outside the city" in reasons[6]
    assert "ends before it starts" in reasons[7]
    cafe = await db.events.by_uid("cafe-1")
    assert cafe.exdates == ("2026-11-10T17:00",)
    assert cafe.stadtbezirk == "Innenstadt-Nord"
    assert cafe.duration_minutes == 120
    found = occurrences(cafe, berlin(2026, 11, 1), berlin(2026, 11, 30))
    assert [o.day for o in found] == [3, 17, 24]


async def test_ical_reimport_updates_by_uid(db: Database, tmp_path):
    path = write(tmp_path, ICS)
    await import_events(db, path, gazetteer=GAZ)
    again = await import_events(db, path, gazetteer=GAZ)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    path.write_text(ICS.replace("20261103T170000", "20261103T180000"), encoding="utf-8")
    moved = await import_events(db, path, gazetteer=GAZ)
    assert moved.updated == 1 and len(moved.updates) == 1
    assert (await db.events.by_uid("cafe-1")).starts_local == "2026-11-03T18:00"


async def test_ical_unusable(db: Database, tmp_path):
    with pytest.raises(UnusableFile):
        await import_events(db, write(tmp_path, "not a calendar"))
    with pytest.raises(UnusableFile):
        await import_events(db, tmp_path / "empty-folder-does-not-exist")


def test_events_cli_exit_codes(tmp_path):
    good = write(
        tmp_path, ICS.split("BEGIN:VEVENT\nSUMMARY:Ohne UID")[0] + "END:VCALENDAR\n", "good.ics"
    )
    database = tmp_path / "cli.sqlite3"
    assert run_bot("events", "import", str(good), database=database).returncode == 0
    partly = run_bot("events", "import", str(write(tmp_path, ICS)), database=database)
    assert partly.returncode == 1 and partly.stderr.count("rejected:") == 5
    assert (
        run_bot(
            "events", "import", str(write(tmp_path, "x", "bad.ics")), database=database
        ).returncode
        == 2
    )


def test_export_round_trip():
    event = weekly(exdates=("2026-03-10T17:00",), address="Café", lat=51.5, lon=7.4)
    series = icalendar.Calendar.from_ical(to_ics([(event, None)]))
    [component] = series.walk("VEVENT")
    assert "RRULE" in component and component.decoded("DTSTART").hour == 17
    single = icalendar.Calendar.from_ical(to_ics([(event, berlin(2026, 3, 17, 17, 0))]))
    [one] = single.walk("VEVENT")
    assert "RRULE" not in one and one.decoded("DTSTART").day == 17


async def _follower(db: Database, name: str = "rosa", lang: str = "uk") -> int:
    user = await db.users.seen("memory", name, name, name.title())
    await db.users.set_language(user.id, lang)
    await db.users.record_consent(user.id)
    return user.id


async def _outbox_texts(db: Database) -> list[str]:
    async with db.conn.execute("SELECT payload FROM outbox ORDER BY id") as cur:
        return [json.loads(row[0])["text"] for row in await cur.fetchall()]


async def test_reminders_fire_once_and_survive_a_restart(tmp_path):
    path = tmp_path / "r.sqlite3"
    db = await Database.open(path)
    event_id, _, _ = await db.events.upsert(
        Event(uid="e1", title="Frauencafé", starts_local="2026-12-01T17:00")
    )
    user_id = await _follower(db)
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    async with db.transaction():
        await db.events.follow(user_id, event_id)
        assert await sync_event(db, event_id, now) == 2  # 24 h and 1 h before
    await db.close()

    # The bot is down across the first reminder (16:00 UTC on 30 Nov) and comes back
    # 20 minutes later: within the grace period, so it is sent late - once.
    db = await Database.open(path)
    late = datetime(2026, 11, 30, 16, 20, tzinfo=UTC)
    assert await deliver_due(db, late) == (1, 0)
    assert await deliver_due(db, late + timedelta(minutes=1)) == (0, 0)
    # Down again across the second one, back too late: skipped, not sent.
    assert await deliver_due(db, datetime(2026, 12, 1, 16, 45, tzinfo=UTC)) == (0, 1)
    texts = await _outbox_texts(db)
    assert len(texts) == 1 and "Frauencafé" in texts[0]
    assert await db.events.pending_count() == 0
    await db.close()


async def test_changed_and_cancelled_events_move_their_reminders(db: Database):
    event_id, _, _ = await db.events.upsert(
        Event(uid="e2", title="Fest", starts_local="2026-12-05T14:00")
    )
    user_id = await _follower(db, "otto", "de")
    await db.users.set_reminder_offsets(user_id, [60])
    now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    async with db.transaction():
        await db.events.follow(user_id, event_id)
        await sync_event(db, event_id, now)
    [reminder] = await db.events.pending_for_user(user_id)
    assert reminder.fire_at == "2026-12-05T12:00:00Z"  # 13:00 Berlin, one hour before 14:00
    await db.events.upsert(Event(uid="e2", title="Fest", starts_local="2026-12-06T15:00"))
    async with db.transaction():
        await sync_event(db, event_id, now)
    [moved] = await db.events.pending_for_user(user_id)
    assert moved.fire_at == "2026-12-06T13:00:00Z"
    await db.events.set_status(event_id, "cancelled")
    async with db.transaction():
        await sync_event(db, event_id, now)
    assert await db.events.pending_for_user(user_id) == []


async def test_all_occurrences_and_dst_reminder_times(db: Database):
    event_id, _, _ = await db.events.upsert(weekly())
    user_id = await _follower(db, "lena", "pl")
    await db.users.set_reminder_offsets(user_id, [60])
    now = datetime(2026, 3, 20, 0, 0, tzinfo=UTC)
    async with db.transaction():
        await db.events.follow(user_id, event_id)
        await sync_event(db, event_id, now)
    fires = [r.fire_at for r in await db.events.pending_for_user(user_id)][:3]
    # 16:00 Berlin is 15:00 UTC before the change and 14:00 UTC after it.
    assert fires == ["2026-03-24T15:00:00Z", "2026-03-31T14:00:00Z", "2026-04-07T14:00:00Z"]
