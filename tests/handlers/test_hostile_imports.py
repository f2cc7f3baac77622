"""Imports are input from strangers (OSM and calendars are editable by anyone): a name or
title with line breaks and a fake bot line, right-to-left overrides, an event that lasts
until the year 9999 - cleaned or refused at import, never shown as the bot's own words and
never "something went wrong" afterwards."""

from __future__ import annotations

import json
from pathlib import Path

from db import Database
from handlers.events.ical import import_events
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
