"""The desk's place form in real Chromium: opening hours that cannot be read are refused
in the coordinator's language, saying where what was typed stops being readable - not
the hours parser's English ("Failed to parse expression:  --> 1:7"), found in a
black-box pass."""

from __future__ import annotations

from db import Database
from handlers.places.fields import HOURS_END, HOURS_FROM, HOURS_PROBLEM
from locales import translator
from tests.support.desk_client import desk_in_chromium
from tests.support.town_events import town

__all__ = ["town"]  # the fixture (tests/support/town_events.py)


async def test_unreadable_hours_are_refused_in_the_coordinators_language(
    db: Database, site, web_chat, town
):
    _site, base = site
    before = await db.places.get(town["place"])
    de = translator("de")
    refused = de.t(HOURS_PROBLEM)
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        for typed, said in (
            ("Mo-Fr 25:00-16:00", de.t(HOURS_FROM, part="25:00-16:00")),
            ("Mo-Fr 10:00", de.t(HOURS_END)),
        ):
            await page.goto(f"{base}/desk/places/{town['place']}?lang=de")
            await page.fill("#place-hours", typed)
            await page.click("#place-form button[type=submit]")
            error = " ".join((await page.text_content("#error-opening_hours") or "").split())
            assert refused in error and said in error, error
            assert "Failed" not in error and "-->" not in error, error
    assert await db.places.get(town["place"]) == before
