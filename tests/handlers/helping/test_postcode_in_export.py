"""A request's place in the person's data export is what it is (issue 77 leftovers, point
2): a typed postcode is exported as the postcode, and the area is the one the bot derived
from it (a postcode spans several Stadtteile: its Stadtbezirk), never the postcode called
an area. The export follows the personal-data map (db/personal_data.py), as erasure does:
the postcode goes with the person."""

from __future__ import annotations

import json

from db import Database
from handlers.places.gazetteer import load_gazetteer
from handlers.privacy import export_file
from tests.support.memory_transport import MemoryTransport, button_data

POSTCODE = "44137"


async def _request_from(story: MemoryTransport, who: str, where: str) -> None:
    """``who`` asks for help and types ``where`` as the request's place."""
    await story.press(who, "menu:help")
    await story.press(who, "hr:new")
    await story.press(who, "hr:cat:shopping")
    await story.text(who, "Ich brauche Hilfe beim Einkaufen")
    await story.text(who, where)
    out = await story.press(who, "hr:when:asap")
    done = "hr:lang-only" if "hr:lang-only" in button_data(out) else "hr:langs-done"
    out = await story.press(who, done)
    assert "hr:send" in button_data(out)
    out = await story.press(who, "hr:send")
    assert "hr:mine" in button_data(out)


async def test_the_export_names_a_typed_postcode_a_postcode_and_the_derived_area_the_area(
    story: MemoryTransport, db: Database, settings
):
    await story.onboard("rosa", "de")
    await _request_from(story, "rosa", POSTCODE)
    await _request_from(story, "rosa", "Kreuzviertel")
    rosa = await db.users.find("memory", "rosa")

    sections, content = await export_file(db, rosa)
    by_place = {row["postcode"] or row["area_name"]: row for row in sections["requests"]}
    typed = by_place[POSTCODE]
    bezirk = load_gazetteer(settings.places_data_dir).postcodes[POSTCODE].stadtbezirk
    assert typed["area_name"] == typed["stadtbezirk"] == bezirk
    # A district typed by name is the area itself; no postcode was given.
    named = by_place["Kreuzviertel"]
    assert named["area_name"] == "Kreuzviertel" and named["postcode"] == ""
    # The file /mydata sends says the same.
    filed = json.loads(content)["sections"]["requests"]
    assert sorted(row["postcode"] for row in filed) == ["", POSTCODE]
    assert POSTCODE not in [row["area_name"] for row in filed]

    # Erasure follows the same map: the postcode goes with the person.
    await story.press("rosa", "settings:delete")
    await story.press("rosa", "delete:yes")
    rows = await db.fetch_all("SELECT postcode, area_name FROM help_requests")
    assert len(rows) == 2 and all(row["postcode"] == "" for row in rows)
