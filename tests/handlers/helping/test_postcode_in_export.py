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
from tests.support.help_story import post_request
from tests.support.memory_transport import MemoryTransport

POSTCODE = "44137"
ASKED = "Ich brauche Hilfe beim Einkaufen"


async def _requests_exported(db: Database, who: str) -> tuple[list[dict], list[dict]]:
    """The requests of ``who``'s export: as the map gives them, and in the file /mydata
    sends."""
    person = await db.users.find("memory", who)
    sections, content = await export_file(db, person)
    return sections["requests"], json.loads(content)["sections"]["requests"]


async def test_the_export_names_a_typed_postcode_a_postcode_and_the_derived_area_the_area(
    story: MemoryTransport, db: Database, settings
):
    await post_request(story, "rosa", "de", ASKED, where=POSTCODE)
    await post_request(story, "rita", "de", ASKED, where="Kreuzviertel")

    [typed], filed = await _requests_exported(db, "rosa")
    bezirk = load_gazetteer(settings.places_data_dir).postcodes[POSTCODE].stadtbezirk
    assert typed["postcode"] == POSTCODE
    assert typed["area_name"] == typed["stadtbezirk"] == bezirk
    # The file /mydata sends says the same.
    assert [(r["postcode"], r["area_name"]) for r in filed] == [(POSTCODE, bezirk)]
    # A district typed by name is the area itself; no postcode was given.
    [named], _ = await _requests_exported(db, "rita")
    assert (named["area_name"], named["postcode"]) == ("Kreuzviertel", "")

    # Erasure follows the same map: the postcode goes with the person.
    await story.press("rosa", "settings:delete")
    await story.press("rosa", "delete:yes")
    rows = await db.fetch_all("SELECT postcode FROM help_requests ORDER BY id")
    assert [row["postcode"] for row in rows] == ["", ""]
