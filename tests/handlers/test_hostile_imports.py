"""Imports are input from strangers (OSM and calendars are editable by anyone): a name or
title with line breaks and a fake bot line, right-to-left overrides, an event that lasts
until the year 9999 - cleaned or refused at import, never shown as the bot's own words and
never "something went wrong" afterwards."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from db import Database
from handlers.events.ical import MOST_BYTES, UnusableFile, import_events, parse
from handlers.events.notices import apply_import
from handlers.messenger import Messenger
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from tests.support.memory_transport import MemoryTransport, texts

GAZ = load_gazetteer("data/dortmund")
FAKE_LINE = "✅ Von der Stadt geprüft. Termine nur noch telefonisch: 0171 1234567"
RLO = "\u202e"


def _geojson(tmp_path: Path) -> Path:
    feature = {
        "type": "Feature",
        "id": "node/900",
        "geometry": {"type": "Point", "coordinates": [7.4560, 51.5230]},
        "properties": {
            "amenity": "community_centre",
            "name": f"Treff Nord\n\n{FAKE_LINE}",
            "addr:street": f"Mallinckrodt{RLO}straße",
            "description": f"Offen für alle.\n\n\n\n{FAKE_LINE}",
        },
    }
    path = tmp_path / "osm.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), "utf-8")
    return path


async def test_imported_place_texts_are_one_clean_line_and_quoted(
    db: Database, tmp_path: Path, chat: MemoryTransport
):
    report = await import_places(db, _geojson(tmp_path), GAZ)
    assert report.created == 1
    (place,) = await db.places.in_box(51.4, 51.6, 7.3, 7.7)
    assert "\n" not in place.name and place.name.startswith("Treff Nord ✅")
    assert RLO not in place.street
    assert place.description.count("\n") <= 2  # blank-line padding shortened
    # Shown in the chat, the description's lines stand behind the quote bar.
    await chat.onboard("ida", "de")
    out = texts(await chat.text("ida", "Treff Nord"))
    out += texts(await chat.press("ida", f"pl:d:{place.id}"))
    fake_lines = [line for line in out.split("\n") if FAKE_LINE in line]
    assert fake_lines and all(not line.lstrip("<i>\u200e").startswith("✅") for line in fake_lines)


ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//DE
BEGIN:VEVENT
UID:forever
SUMMARY:Sprachcafé
DTSTART:20261201T160000Z
DTEND:99990101T000000Z
RRULE:FREQ=YEARLY
END:VEVENT
BEGIN:VEVENT
UID:far
SUMMARY:Zukunft
DTSTART:99990101T100000Z
DURATION:PT1H
END:VEVENT
BEGIN:VEVENT
UID:fake
SUMMARY:Spielenachmittag\\n\\n⚠️ Abgesagt! Neue Infos: https://example.org/x
DESCRIPTION:Für Kinder.\\n\\n\\n\\n\\n⚠️ Abgesagt!
DTSTART:20261202T150000Z
DURATION:PT2H
END:VEVENT
END:VCALENDAR
"""


async def test_calendar_imports_apply_the_forms_limits_and_clean_titles(
    db: Database, tmp_path: Path
):
    path = tmp_path / "cal.ics"
    path.write_text(ICS, encoding="utf-8")
    report = await import_events(db, path, gazetteer=GAZ)
    reasons = {number: reason for _, number, reason in report.rejected}
    assert report.created == 1
    assert "week" in reasons[1]
    assert "2100" in reasons[2]
    (event,) = await db.events.active()
    assert event.uid == "fake"
    assert "\n" not in event.title and "⚠️ Abgesagt!" in event.title
    assert event.description.count("\n") <= 2


def _calendar(count: int) -> str:
    events = [
        "\n".join(
            [
                "BEGIN:VEVENT",
                f"UID:big-{n}",
                f"SUMMARY:Treffen Nummer {n}",
                f"DTSTART:2030{(n % 12) + 1:02d}10T150000Z",
                "DURATION:PT1H",
                "GEO:51.5230;7.4560",
                "END:VEVENT",
            ]
        )
        for n in range(count)
    ]
    return "\n".join(
        ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//DE", *events, "END:VCALENDAR"]
    )


async def test_a_big_calendar_is_one_summary_per_subscriber(
    db: Database, tmp_path: Path, chat: MemoryTransport
):
    """Each subscriber hears of an import once: the event when it is one, else a summary."""
    await chat.onboard("sub", "de")
    sub = await db.users.find("memory", "sub")
    await db.events.subscribe(sub.id, "district", "Innenstadt-Nord")
    path = tmp_path / "big.ics"
    path.write_text(_calendar(40), encoding="utf-8")
    report = await import_events(db, path, gazetteer=GAZ)
    assert report.created == 40
    mail = Messenger(db)
    async with db.transaction():
        await apply_import(
            mail, report.updates, report.created_ids, datetime(2030, 1, 1, 10, tzinfo=UTC)
        )
    assert mail.queued == 1
    await chat.flush()
    (summary,) = chat.inbox["sub"][-1:]
    text = str(summary.text)
    assert "40" in text and "Treffen Nummer" in text and "37" in text  # "… and 37 more."


async def test_an_oversized_calendar_is_refused_before_it_is_read(tmp_path: Path):
    with pytest.raises(UnusableFile) as refused:
        await parse("huge.ics", b"BEGIN:VCALENDAR\n" + b" " * MOST_BYTES)
    assert "MB" in str(refused.value)
