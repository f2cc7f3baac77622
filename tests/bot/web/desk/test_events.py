"""Events at the desk: publish, change and cancel with the chat's checks and the chat's
notices (followers hear of it through the outbox), and .ics imports that preview first."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta

import aiohttp
import pytest

from bot.web.desk import uploads
from db import Database
from db.events import Event
from db.places import Place
from db.statements import fetch_one
from handlers.events import ical
from locales import TIMEZONE
from tests.support.desk_client import at_the_desk, audited
from tests.support.memory_transport import MemoryTransport


async def _place(db: Database) -> int:
    return await db.places.upsert(
        Place(
            source="test",
            source_id="nordmarkt",
            name="Treff Nordmarkt",
            category="neighbourhood_centre",
            lat=51.523,
            lon=7.456,
            stadtbezirk="Innenstadt-Nord",
            stadtteil="Nordmarkt",
        ),
        "test",
    )


def _day(days: int) -> str:
    return (datetime.now(TIMEZONE) + timedelta(days=days)).date().isoformat()


def _event_form(**values: str) -> dict[str, str]:
    return {
        "title_de": "Sprachcafé",
        "description_de": "Deutsch üben bei Kaffee",
        "title_local": "Language café",
        "description_local": "Practise German over coffee",
        "place": "",
        "address": "",
        "start_date": _day(10),
        "start_time": "17:00",
        "end_date": "",
        "end_time": "19:00",
        "repeat": "weekly",
        **values,
    }


async def _count(db: Database) -> int:
    row = await fetch_one(db.transactions, "SELECT COUNT(*) FROM events")
    return int(row[0])


async def _follower(web_chat: MemoryTransport, db: Database, event_id: int, name: str) -> None:
    await web_chat.onboard(name, "uk")
    user = await db.users.find("memory", name)
    await db.events.follow(user.id, event_id)


async def test_publish_from_a_place_with_both_languages(db, site, web_chat):
    _site, base = site
    place_id = await _place(db)
    await web_chat.onboard("subi", "tr")
    subscriber = await db.users.find("memory", "subi")
    await db.events.subscribe(subscriber.id, "place", str(place_id))
    async with at_the_desk(web_chat, db, base) as desk:
        status, html = await desk.get(f"/desk/events/new?place={place_id}")
        assert status == 200 and 'id="event-form"' in html
        assert f'name="place" value="{place_id}"' in html
        status, html = await desk.post(
            "/desk/events/new", _event_form(place=str(place_id), address="Treff Nordmarkt")
        )
        assert status == 200, html
        assert "published" in html and "Subscribers told: 1" in html
        [event] = await db.events.active()
        assert (event.title, event.description) == ("Sprachcafé", "Deutsch üben bei Kaffee")
        assert event.texts["en"] == ("Language café", "Practise German over coffee")
        assert event.place_id == place_id and event.stadtbezirk == "Innenstadt-Nord"
        assert event.starts_local == f"{_day(10)}T17:00"
        assert event.duration_minutes == 120
        assert event.rrule == "FREQ=WEEKLY"
        assert "desk.event.create" in await audited(db, desk.user_id)
        status, html = await desk.get("/desk/events")
        assert f'id="event-{event.id}"' in html and "Language café" in html


async def test_bad_input_shows_the_form_again_and_creates_nothing(db, site, web_chat):
    _site, base = site
    async with at_the_desk(web_chat, db, base) as desk:
        before = await _count(db)
        status, html = await desk.post(
            "/desk/events/new",
            _event_form(title_de="X", start_date=_day(-3), place="999999", repeat="hourly"),
        )
        assert status == 422
        for key in ("title_de", "start", "place", "repeat"):
            assert f'id="error-{key}"' in html, key
        assert "3 to 120 characters" in html and "future date" in html
        assert 'value="Language café"' in html  # what was typed stays
        status, html = await desk.post(
            "/desk/events/new", _event_form(address="", end_time="16:00")
        )
        assert status == 422
        assert 'id="error-address"' in html and 'id="error-end"' in html
        # Without the token nothing happens either.
        async with desk.browser.post(f"{base}/desk/events/new", data=_event_form()) as response:
            assert response.status == 403
        assert await _count(db) == before


async def _published(db: Database) -> int:
    start = datetime.now(TIMEZONE) + timedelta(days=7)
    event_id, _, _ = await db.events.upsert(
        Event(
            uid="desk-test-1",
            title="Nachbarschaftsfest",
            starts_local=start.replace(hour=14, minute=0, second=0, microsecond=0)
            .replace(tzinfo=None)
            .isoformat(timespec="minutes"),
            address="Nordmarkt",
            duration_minutes=180,
            source="test",
        )
    )
    return event_id


async def test_changing_the_time_tells_followers_a_new_text_does_not(db, site, web_chat):
    _site, base = site
    event_id = await _published(db)
    await _follower(web_chat, db, event_id, "ela")
    async with at_the_desk(web_chat, db, base) as desk:
        status, html = await desk.get(f"/desk/events/{event_id}")
        assert status == 200 and 'value="Nachbarschaftsfest"' in html
        shown = dict(re.findall(r'name="(\w+)" (?:lang="\w+" )?value="([^"]*)"', html))
        form = {
            **_event_form(),
            **{k: v for k, v in shown.items() if k in _event_form()},
            "title_local": "",
            "description_local": "",
            "description_de": "",
            "repeat": "none",
        }
        status, html = await desk.post(
            f"/desk/events/{event_id}", {**form, "description_de": "Mit Kuchen"}
        )
        assert status == 200 and "were told: 0" in html
        event = await db.events.get(event_id)
        assert event.description == "Mit Kuchen" and event.status == "scheduled"
        await web_chat.flush()
        assert web_chat.received("ela") == "" or "⚠️" not in web_chat.received("ela")
        status, html = await desk.post(
            f"/desk/events/{event_id}",
            {**form, "description_de": "Mit Kuchen", "start_time": "15:00", "end_time": "18:00"},
        )
        assert status == 200 and "were told: 1" in html
        event = await db.events.get(event_id)
        assert event.status == "changed" and event.starts_local.endswith("T15:00")
        await web_chat.flush()
        assert "⚠️" in web_chat.received("ela")
        assert (await audited(db, desk.user_id)).count("desk.event.edit") == 2


async def test_cancel_tells_followers_once(db, site, web_chat):
    _site, base = site
    event_id = await _published(db)
    await _follower(web_chat, db, event_id, "ela")
    async with at_the_desk(web_chat, db, base) as desk:
        async with desk.browser.post(f"{base}/desk/events/{event_id}/cancel") as response:
            assert response.status == 403
        assert (await db.events.get(event_id)).status == "scheduled"
        status, html = await desk.post(f"/desk/events/{event_id}/cancel", {})
        assert status == 200 and "cancelled" in html and "were told: 1" in html
        assert (await db.events.get(event_id)).status == "cancelled"
        await web_chat.flush()
        assert "❌" in web_chat.received("ela")
        status, html = await desk.post(f"/desk/events/{event_id}/cancel", {})
        assert status == 409
        status, html = await desk.post(f"/desk/events/{event_id}", _event_form())
        assert status == 409
        assert (await audited(db, desk.user_id)).count("desk.event.cancel") == 1


ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//DE
BEGIN:VEVENT
UID:cafe-1
SUMMARY:Sprachcafé
DTSTART;TZID=Europe/Berlin:20300106T170000
DTEND;TZID=Europe/Berlin:20300106T190000
RRULE:FREQ=WEEKLY
LOCATION:Nordmarkt
END:VEVENT
BEGIN:VEVENT
SUMMARY:Ohne UID
DTSTART:20301201T100000Z
DTEND:20301201T110000Z
END:VEVENT
BEGIN:VEVENT
UID:far
SUMMARY:In Berlin
DTSTART:20301201T100000Z
DTEND:20301201T110000Z
GEO:52.52;13.40
END:VEVENT
BEGIN:VEVENT
UID:desk-test-1
SUMMARY:Nachbarschaftsfest
DTSTART;TZID=Europe/Berlin:20300912T140000
DURATION:PT5H
END:VEVENT
END:VCALENDAR
"""


def _upload(csrf: str, name: str, content: bytes, place: str = "") -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    form.add_field("place", place)
    form.add_field("file", content, filename=name, content_type="text/calendar")
    return form


async def test_ics_import_previews_then_imports_and_tells_followers(db, site, web_chat):
    _site, base = site
    existing = await _published(db)
    await _follower(web_chat, db, existing, "ela")
    async with at_the_desk(web_chat, db, base) as desk:
        before = await _count(db)
        status, html = await desk.post(
            "/desk/events/import", _upload(desk.csrf, "kalender.ics", ICS.encode())
        )
        assert status == 200, html
        assert re.search(r'id="count-created">1<', html)
        assert re.search(r'id="count-updated">1<', html)
        assert re.search(r'id="count-rejected">2<', html)
        entries = html[html.index('id="import-entries"') :]
        assert "Sprachcafé" in entries and "Nachbarschaftsfest" in entries
        errors = html[html.index('id="import-errors"') :]
        assert "missing UID" in errors and "outside the city area" in errors
        assert await _count(db) == before  # the preview wrote nothing
        assert (await db.events.get(existing)).starts_local != "2030-09-12T14:00"
        key = re.search(r'name="upload" value="([\w-]+)"', html).group(1)
        status, html = await desk.post("/desk/events/import/commit", {"upload": key})
        assert status == 200, html
        assert "Imported: 1 new, 1 changed" in html
        assert await _count(db) == before + 1
        assert (await db.events.by_uid("cafe-1")).rrule == "FREQ=WEEKLY"
        assert (await db.events.get(existing)).starts_local == "2030-09-12T14:00"
        await web_chat.flush()
        assert "⚠️" in web_chat.received("ela")  # the time changed
        assert "desk.event.import" in await audited(db, desk.user_id)


async def test_an_import_lists_its_refused_entries_up_to_the_bound_and_counts_the_rest(
    db, site, web_chat, monkeypatch
):
    # The desk's imports list what a dry run refused through one page (uploads.import_page):
    # before, the events' preview listed every refused entry of a file of up to 10 MB.
    monkeypatch.setattr(uploads, "ERRORS_SHOWN", 3)
    without_uid = "BEGIN:VEVENT\nSUMMARY:Ohne UID\nDTSTART:20301201T100000Z\nEND:VEVENT\n"
    calendar = ICS.replace("END:VCALENDAR", without_uid * 5 + "END:VCALENDAR")
    _site, base = site
    async with at_the_desk(web_chat, db, base) as desk:
        status, html = await desk.post(
            "/desk/events/import", _upload(desk.csrf, "kalender.ics", calendar.encode())
        )
        assert status == 200, html
        assert re.search(r'id="count-rejected">7<', html)  # 2 in ICS, 5 added
        errors = html[html.index('id="import-errors"') :]
        listed, after = errors.split("</table>", 1)
        assert listed.count('scope="row"') == 3, listed
        assert re.search(r"\b4\b", after[: after.index("</p>")]), after[:200]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"not a calendar at all", "not an iCalendar file"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "no events"),
        (bytes(range(256)) * 100, "not an iCalendar file"),
    ],
)
async def test_hostile_calendars_are_explained(db, site, web_chat, content, words):
    _site, base = site
    async with at_the_desk(web_chat, db, base) as desk:
        before = await _count(db)
        status, html = await desk.post("/desk/events/import", _upload(desk.csrf, "x.ics", content))
        assert status == 422, html[-2000:]
        assert words in html and 'name="upload"' not in html
        status, html = await desk.post(
            "/desk/events/import", _upload(desk.csrf, "x.ics", ICS.encode(), place="999999")
        )
        assert status == 422 and "no encounter place" in html
        assert await _count(db) == before


async def test_the_list_puts_what_is_coming_first(db, site, web_chat):
    _site, base = site
    past, _, _ = await db.events.upsert(
        Event(uid="old", title="Vorbei", starts_local="2020-01-01T10:00", source="test")
    )
    soon = await _published(db)
    later, _, _ = await db.events.upsert(
        Event(uid="later", title="Später", starts_local="2031-01-01T10:00", source="test")
    )
    async with at_the_desk(web_chat, db, base) as desk:
        status, html = await desk.get("/desk/events")
        assert status == 200
        order = [int(i) for i in re.findall(r'<tr id="event-(\d+)"', html)]
        assert order == [soon, later, past]


async def test_every_page_in_arabic_and_german(db, site, web_chat):
    _site, base = site
    place_id = await _place(db)
    event_id = await _published(db)
    async with at_the_desk(web_chat, db, base) as desk:
        for lang, direction in (("ar", "rtl"), ("de", "ltr")):
            for path in (
                "/desk/places",
                f"/desk/places/{place_id}",
                "/desk/places/import",
                "/desk/events",
                "/desk/events/new",
                f"/desk/events/{event_id}",
                "/desk/events/import",
            ):
                status, html = await desk.get(f"{path}?lang={lang}")
                assert status == 200, (path, lang)
                assert f'dir="{direction}"' in html
                assert "style=" not in html and "<script>" not in html  # the CSP forbids them
            status, html = await desk.post(
                f"/desk/events/import?lang={lang}", _upload(desk.csrf, "k.ics", ICS.encode())
            )
            assert status == 200 and 'id="import-errors"' in html


async def test_a_calendar_is_read_once_and_not_on_the_event_loop(db, site, web_chat, monkeypatch):
    """Reading a big calendar is CPU work: in a worker thread, so the bots driven by the
    same event loop go on answering, and once per upload, not again on "Import now"."""
    reads: list[int] = []
    read = ical.read_calendar

    def reading(*args):
        reads.append(threading.get_ident())
        return read(*args)

    monkeypatch.setattr(ical, "read_calendar", reading)
    _site, base = site
    async with at_the_desk(web_chat, db, base) as desk:
        status, html = await desk.post(
            "/desk/events/import", _upload(desk.csrf, "kalender.ics", ICS.encode())
        )
        assert status == 200, html
        key = re.search(r'name="upload" value="([\w-]+)"', html).group(1)
        status, html = await desk.post("/desk/events/import/commit", {"upload": key})
        assert status == 200 and "Imported" in html
    assert len(reads) == 1 and reads[0] != threading.get_ident()


async def test_a_place_number_typed_in_the_readers_digits_is_the_place(db, site, web_chat):
    """The desk shows a place's number in the reader's digits ("#۱۲" in Persian), and a
    phone's Persian or Arabic keyboard types those: the event form takes them."""
    _site, base = site
    place_id = await _place(db)
    persian = "".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in str(place_id))
    arabic = "".join("٠١٢٣٤٥٦٧٨٩"[int(d)] for d in str(place_id))
    async with at_the_desk(web_chat, db, base, lang="fa") as desk:
        status, html = await desk.get(f"/desk/places/{place_id}")
        assert status == 200 and persian in html  # the page's number, as it reads
        for title, typed in (("Sprachcafé", persian), ("Nähcafé", f"\u200e{arabic}\u200e")):
            status, html = await desk.post(
                "/desk/events/new", _event_form(title_de=title, place=typed, repeat="none")
            )
            assert status == 200 and 'id="error-place"' not in html, html
    assert sorted((e.title, e.place_id) for e in await db.events.active()) == [
        ("Nähcafé", place_id),
        ("Sprachcafé", place_id),
    ]
