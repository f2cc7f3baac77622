"""The desk's place form in real Chromium at 390 px: the example coordinates under the
location field ("Latitude, longitude, for example ...", handlers/places/fields.py
POINT_EXAMPLE) read latitude first in Arabic and Persian too - written into the
right-to-left sentence, the two numbers were laid out right to left, the longitude first."""

from __future__ import annotations

from db import Database
from tests.support import browser as chromium
from tests.support.desk_client import desk_in_chromium
from tests.support.town_events import town

__all__ = ["town"]  # the fixture (tests/support/town_events.py)

# Latitude and longitude in Latin or Persian digits and signs; the longitude's first digit
# is its sixth last character.
D = "[0-9\u06f0-\u06f9]"
POINT = f"{D}{{2}}[.\u066b]{D}{{4}}[,\u060c] ?{D}[.\u066b]{D}{{4}}"


async def test_the_example_point_reads_latitude_first_in_arabic_and_persian(
    db: Database, site, web_chat, town
):
    _site, base = site
    async with desk_in_chromium(web_chat, db) as desk:
        for lang in ("ar", "fa"):
            await desk.page.goto(f"{base}/desk/places/{town['place']}?lang={lang}")
            lat, lon = await chromium.starts_at(desk.page, "place-location-hint", POINT, [0, -6])
            assert lat["left"] < lon["left"], (lang, lat, lon)
