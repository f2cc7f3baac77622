"""Events from and to iCalendar (.ics) files.

Import reads VEVENTs (UID, SUMMARY, DTSTART and DTEND/DURATION required; RRULE, EXDATE,
LOCATION, GEO, DESCRIPTION, CATEGORIES, ORGANIZER, STATUS optional), re-imports update by
UID, and each bad entry is reported with its number and reason (an RRULE must repeat at most
daily and at most four times a day; see handlers/events/recurrence.py). Without ``--place``,
an entry whose LOCATION starts with an encounter place's name and whose GEO lies at that place
is linked to it (its details, access and subscriptions). Export writes events
(or single occurrences) for the user's own calendar app.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar

from db import Database
from db.events import Event
from db.places import Place
from handlers.events.fields import LONGEST_MINUTES
from handlers.events.recurrence import local, local_text, validate_rrule
from handlers.places.gazetteer import Gazetteer
from handlers.refusals import Explained, Refusal
from handlers.text_safety import clean_name, clean_text
from locales import N_, TIMEZONE

# What a preview lists at most (the counts cover every entry).
PREVIEW_MOST = 500
# Where an imported event may start: far-off years are a broken or hostile file, and
# arithmetic on them overflows (a DTEND in 9999 plus a yearly rule).
FIRST_YEAR, LAST_YEAR = 2000, 2100


class UnusableFile(Refusal):
    pass


class EntryError(Refusal):
    pass


# The largest calendar file taken (a city's whole year is well under 1 MB).
MOST_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class ParsedCalendar:
    """A calendar file read and checked, entry by entry: each an event or why it is refused.
    Reading is CPU work: done once per file, in a worker thread (:func:`parse`), so that a
    large calendar never stalls the event loop that drives the bots, and kept by the desk
    between the preview and "Import now"."""

    name: str
    entries: tuple[tuple[int, Event | Explained], ...]


def read_calendar(
    name: str, raw: bytes, place_id: int | None, gazetteer: Gazetteer | None, source: str
) -> ParsedCalendar:
    """The entries of a calendar file (blocking: see :func:`parse`)."""
    if len(raw) > MOST_BYTES:
        raise UnusableFile(
            N_("{file}: larger than {size} MB"), file=name, size=str(MOST_BYTES // 1024 // 1024)
        )
    try:
        calendar = icalendar.Calendar.from_ical(raw)
    except ValueError as exc:
        raise UnusableFile(
            N_("{file}: not an iCalendar file ({problem})"), file=name, problem=str(exc)[:200]
        ) from None
    entries: list[tuple[int, Event | Explained]] = []
    for number, component in enumerate(calendar.walk("VEVENT"), start=1):
        try:
            entries.append((number, _entry(component, place_id, gazetteer, source)))
        except EntryError as exc:
            entries.append((number, exc.reason))
    return ParsedCalendar(name, tuple(entries))


async def parse(
    name: str,
    raw: bytes,
    *,
    place_id: int | None = None,
    gazetteer: Gazetteer | None = None,
    source: str = "ical",
) -> ParsedCalendar:
    """:func:`read_calendar` off the event loop."""
    return await asyncio.to_thread(read_calendar, name, raw, place_id, gazetteer, source)


@dataclass
class EventImportReport:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # (file, entry, reason: the English sentence, ``reason.text(t)`` in any language)
    rejected: list[tuple[str, int, Explained]] = field(default_factory=list)
    # ("created"/"updated"/"unchanged", event) of the first entries, also in a dry run.
    preview: list[tuple[str, Event]] = field(default_factory=list)
    # (event id, version before the import) of every updated event, and the new ones.
    updates: list[tuple[int, Event]] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.rejected else 0


def _as_local(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=TIMEZONE)
        return value.astimezone(TIMEZONE)
    return datetime(value.year, value.month, value.day, tzinfo=TIMEZONE)


def _rrule(component: icalendar.cal.Component, starts_local: str) -> str:
    """The entry's RRULE as text, "" if it has none; EntryError if it cannot be used.

    The rule is checked as it is (frequency daily or coarser, at most a few times a day,
    known parts) and from the entry's own start, never expanded from some other date."""
    value = component.get("RRULE")
    if value is None:
        return ""
    if isinstance(value, list):
        raise EntryError(N_("more than one RRULE (only one repetition rule is supported)"), "rrule")
    # A rule icalendar could not read comes back escaped ("FREQ=WEEKLY\\;BYDAY=XX").
    rrule = value.to_ical().decode(errors="replace").replace("\\;", ";").replace("\\,", ",")
    if not rrule.strip():
        raise EntryError(N_("unusable RRULE: empty or unreadable"), "rrule")
    problem = validate_rrule(rrule, starts_local)
    if problem:
        shown = rrule if len(rrule) <= 80 else rrule[:80] + "…"
        raise EntryError(
            N_("unusable RRULE '{rule}': {problem}"), "rrule", rule=shown, problem=problem
        )
    return rrule


def _entry(
    component: icalendar.cal.Component,
    place_id: int | None,
    gazetteer: Gazetteer | None,
    source: str,
) -> Event:
    uid = str(component.get("UID") or "").strip()
    if not uid:
        raise EntryError(N_("missing UID"), "uid")
    # Calendars are text from strangers: one clean line for each short field, clean lines
    # for the description (shown quoted), as for places (handlers/places/importer.cleaned).
    title = clean_name(str(component.get("SUMMARY") or ""), 200)
    if not title:
        raise EntryError(N_("missing SUMMARY (title)"), "title")
    if component.get("DTSTART") is None:
        raise EntryError(N_("missing DTSTART"), "start")
    try:
        start = _as_local(component.decoded("DTSTART"))
        if component.get("DTEND") is not None:
            end = _as_local(component.decoded("DTEND"))
        elif component.get("DURATION") is not None:
            end = start + component.decoded("DURATION")
        else:
            raise EntryError(N_("missing DTEND or DURATION"), "end")
    except EntryError:
        raise
    except Exception as exc:
        raise EntryError(N_("unreadable date ({problem})"), "start", problem=str(exc)) from None
    if not FIRST_YEAR <= start.year <= LAST_YEAR:
        raise EntryError(
            N_("starts outside the years {first} to {last}"),
            "start",
            first=str(FIRST_YEAR),
            last=str(LAST_YEAR),
        )
    minutes = int((end - start).total_seconds() // 60)
    if minutes <= 0:
        raise EntryError(N_("ends before it starts"), "end")
    if minutes > LONGEST_MINUTES:
        # The chat's and the desk's limit: longer is several events, not one.
        raise EntryError(N_("lasts longer than a week"), "end")
    rrule = _rrule(component, local_text(start))
    exdates: list[str] = []
    raw = component.get("EXDATE")
    for item in raw if isinstance(raw, list) else [raw] if raw is not None else []:
        exdates += [local_text(_as_local(d.dt)) for d in item.dts]
    lat = lon = None
    geo = component.get("GEO")
    if geo is not None:
        lat, lon = float(geo.latitude), float(geo.longitude)
        if gazetteer is not None and not gazetteer.contains(lat, lon):
            raise EntryError(
                N_("GEO {lat}, {lon} is outside the city area"),
                "address",
                lat=f"{lat:.5f}",
                lon=f"{lon:.5f}",
            )
    categories = component.get("CATEGORIES")
    category = ""
    if categories is not None:
        first = categories[0] if isinstance(categories, list) else categories
        category = clean_name(",".join(str(c) for c in first.cats), 60)
    organiser = component.get("ORGANIZER")
    status = str(component.get("STATUS") or "").upper()
    return Event(
        uid=uid[:200],
        title=title[:200],
        starts_local=local_text(start),
        description=clean_text(str(component.get("DESCRIPTION") or ""))[:2000],
        place_id=place_id,
        address=clean_name(str(component.get("LOCATION") or ""), 300),
        lat=lat,
        lon=lon,
        duration_minutes=minutes,
        rrule=rrule,
        exdates=tuple(sorted(set(exdates))),
        category=category,
        organiser=clean_name(
            organiser.params.get("CN") or str(organiser).removeprefix("mailto:"), 200
        )
        if organiser is not None
        else "",
        status="cancelled" if status == "CANCELLED" else "scheduled",
        source=source,
    )


# How far (in degrees, about 50 m) an entry's GEO may lie from the place its LOCATION names.
NEAR_PLACE = 0.0005


async def _place_named(db: Database, event: Event) -> Place | None:
    """The encounter place an entry is at: its LOCATION begins with the place's name (up to
    the first comma) and its GEO lies at that place. Both must agree, so a street name or a
    place nearby is never taken for it."""
    name = event.address.split(",", 1)[0].strip()
    if not name or event.lat is None or event.lon is None:
        return None
    nearby = await db.places.in_box(
        event.lat - NEAR_PLACE,
        event.lat + NEAR_PLACE,
        event.lon - 2 * NEAR_PLACE,
        event.lon + 2 * NEAR_PLACE,
    )
    return next((place for place in nearby if place.name == name), None)


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix.lower() in (".ics", ".ical"))
    return [path]


async def import_events(
    db: Database,
    path: Path,
    *,
    place_id: int | None = None,
    gazetteer: Gazetteer | None = None,
    dry_run: bool = False,
    source: str = "ical",
) -> EventImportReport:
    """Import one .ics file or every .ics file in a folder."""
    files = _files(path)
    if not files:
        raise UnusableFile(N_("no .ics files in {path}"), path=str(path))
    place = await _place(db, place_id)
    report = EventImportReport()
    for file in files:
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise UnusableFile(
                N_("{file}: cannot read ({problem})"), file=str(file), problem=exc.strerror
            ) from None
        parsed = await parse(file.name, raw, place_id=place_id, gazetteer=gazetteer, source=source)
        await _import_calendar(db, report, parsed, place, gazetteer, dry_run)
    if report.total == 0:
        raise UnusableFile(N_("no events (VEVENT) in the file"))
    return report


async def import_upload(
    db: Database,
    parsed: ParsedCalendar,
    *,
    place_id: int | None = None,
    gazetteer: Gazetteer | None = None,
    dry_run: bool = False,
) -> EventImportReport:
    """:func:`import_events` for an uploaded file, read once by :func:`parse` (the desk's
    preview and its "Import now" use the same reading)."""
    place = await _place(db, place_id)
    report = EventImportReport()
    await _import_calendar(db, report, parsed, place, gazetteer, dry_run)
    if report.total == 0:
        raise UnusableFile(N_("no events (VEVENT) in the file"))
    return report


async def _place(db: Database, place_id: int | None) -> Place | None:
    place = await db.places.get(place_id) if place_id else None
    if place_id and place is None:
        raise UnusableFile(N_("there is no place {id}"), id=place_id)
    return place


async def _import_calendar(
    db: Database,
    report: EventImportReport,
    parsed: ParsedCalendar,
    place: Place | None,
    gazetteer: Gazetteer | None,
    dry_run: bool,
) -> None:
    name = parsed.name
    for number, entry in parsed.entries:
        report.total += 1
        if not isinstance(entry, Event):
            report.rejected.append((name, number, entry))
            continue
        event = entry
        if place is not None:
            event = replace(
                event,
                lat=event.lat or place.lat,
                lon=event.lon or place.lon,
                address=event.address or place.name,
                stadtbezirk=place.stadtbezirk,
            )
        elif (named := await _place_named(db, event)) is not None:
            event = replace(event, place_id=named.id, stadtbezirk=named.stadtbezirk)
        elif event.lat is not None and gazetteer is not None:
            area = gazetteer.nearest_stadtteil(event.lat, event.lon or 0)
            event = replace(event, stadtbezirk=area.stadtbezirk)
        if dry_run:
            existing = await db.events.by_uid(event.uid)
            if existing is None:
                outcome = "created"
            elif existing == replace(event, id=existing.id) and existing.texts == event.texts:
                outcome = "unchanged"
            else:
                outcome = "updated"
            setattr(report, outcome, getattr(report, outcome) + 1)
        else:
            event_id, outcome, old = await db.events.upsert(event)
            setattr(report, outcome, getattr(report, outcome) + 1)
            if outcome == "updated" and old is not None:
                report.updates.append((event_id, old))
            elif outcome == "created":
                report.created_ids.append(event_id)
        if len(report.preview) < PREVIEW_MOST:
            report.preview.append((outcome, event))


def to_ics(items: list[tuple[Event, datetime | None]]) -> bytes:
    """A calendar with the events; an occurrence given turns a series into that one date.

    Times are Europe/Berlin wall-clock times with the zone's VTIMEZONE, so that a weekly
    18:00 stays 18:00 across the change to summer time in every calendar app.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//nachbarbot//DE")
    calendar.add("version", "2.0")
    starts = [(occurrence or local(event.starts_local)).date() for event, occurrence in items]
    if starts:
        # The zone's rules from the first start on (to icalendar's default end, 2038), ahead
        # of the events that refer to it.
        calendar.add_component(
            icalendar.Timezone.from_tzinfo(
                TIMEZONE, TIMEZONE.key, first_date=min(starts) - timedelta(days=1)
            )
        )
    for event, occurrence in items:
        component = icalendar.Event()
        start = occurrence or local(event.starts_local)
        suffix = f"-{local_text(occurrence)}" if occurrence and event.rrule else ""
        component.add("uid", f"{event.uid}{suffix}")
        component.add("summary", event.title)
        component.add("dtstart", start)
        component.add("dtend", start + timedelta(minutes=event.duration_minutes))
        component.add("dtstamp", datetime.now(UTC))
        if event.rrule and occurrence is None:
            component.add("rrule", icalendar.vRecur.from_ical(event.rrule))
            for exdate in event.exdates:
                component.add("exdate", local(exdate))
        if event.description:
            component.add("description", event.description)
        if event.address:
            component.add("location", event.address)
        if event.lat is not None and event.lon is not None:
            component.add("geo", (event.lat, event.lon))
        if event.status == "cancelled":
            component.add("status", "CANCELLED")
        calendar.add_component(component)
    return calendar.to_ical()
