"""A volunteer's own point (issue 63, point 6): registering in districts, a volunteer may
say roughly where they are - a postcode or a shared location, kept on the ~500 m grid of
handlers/places/coarse.py - and the ranking measures from it, so that a neighbour is asked
before someone across the district. The areas stay the districts; /mydata shows the point,
leaving and /delete take it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from db import Database
from handlers.context import Backstage
from handlers.helping import lifecycle
from handlers.helping.matching import ranking, who_may_help
from handlers.messages import Document
from handlers.places.coarse import AREA, coarsen
from handlers.places.gazetteer import load_gazetteer
from tests.support.help_story import NORDMARKT
from tests.support.helping_people import person
from tests.support.memory_transport import MemoryTransport, button_data, texts

# Near the Nordmarkt, to more digits than the grid keeps; and the far west of the district.
NEAR = (51.523412, 7.456789)
FAR = (51.531234, 7.421987)


def on_grid(lat: float, lon: float) -> bool:
    return (
        abs(lat / AREA.lat_step - round(lat / AREA.lat_step)) < 1e-6
        and abs(lon / AREA.lon_step - round(lon / AREA.lon_step)) < 1e-6
    )


async def register(chat: MemoryTransport, db: Database, name: str, where: object) -> int:
    """Registers ``name`` in Innenstadt-Nord; ``where``: a postcode, a (lat, lon) shared,
    or None (skipped). Confirmed, so that the ranking may ask them."""
    await chat.onboard(name, "de")
    for data in ("menu:volunteer", "vo:reg", "vo:bz:Innenstadt-Nord"):
        await chat.press(name, data)
    out = await chat.press(name, "vo:area-done")
    assert "vo:nopt" in button_data(out)  # the point is asked, and may be skipped
    if isinstance(where, str):
        out = await chat.text(name, where)
    elif isinstance(where, tuple):
        out = await chat.location(name, *where)
    else:
        out = await chat.press(name, "vo:nopt")
    assert "vo:cat:shopping" in button_data(out)
    for data in ("vo:cat:shopping", "vo:cats-done", "vo:langs-done"):
        await chat.press(name, data)
    await chat.press(name, "vo:max:2")
    user = await db.users.find("memory", name)
    await db.volunteers.verify(user.id, user.id)
    return user.id


async def test_a_postcode_gives_its_centre_on_the_grid(chat: MemoryTransport, db: Database):
    vera = await register(chat, db, "vera", "44145")
    volunteer = await db.volunteers.get(vera)
    centre = load_gazetteer(chat.dispatcher.settings.places_data_dir).postcodes["44145"]
    assert (volunteer.lat, volunteer.lon) == coarsen(centre.lat, centre.lon, AREA)
    assert on_grid(volunteer.lat, volunteer.lon)
    # The areas stay the districts: the point only ranks.
    assert volunteer.stadtbezirke == ("Innenstadt-Nord",) and volunteer.radius_m is None
    out = await chat.press("vera", "menu:volunteer")
    assert "🏠" in texts(out)


async def test_a_shared_location_is_kept_rounded(chat: MemoryTransport, db: Database):
    vera = await register(chat, db, "vera", NEAR)
    volunteer = await db.volunteers.get(vera)
    assert (volunteer.lat, volunteer.lon) == coarsen(*NEAR, AREA)
    assert on_grid(volunteer.lat, volunteer.lon)
    row = await db.fetch_one("SELECT lat, lon FROM volunteers WHERE user_id = ?", (vera,))
    assert str(NEAR[0]) not in str(tuple(row)) and str(NEAR[1]) not in str(tuple(row))
    # A request just across the district's border is not in her area for being near.
    scene = Backstage(db, chat.dispatcher.settings)
    async with db.transaction():
        request = await lifecycle.submit(
            scene,
            await person(db, "amira"),
            {
                "category": "shopping",
                "description": "Einkauf",
                "stadtbezirk": "Innenstadt-West",
                "lat": volunteer.lat,
                "lon": volunteer.lon,
                "languages": ("de",),
            },
        )
    assert not who_may_help.in_area(volunteer, request)


async def test_skipping_keeps_no_point_and_a_wrong_postcode_changes_nothing(
    chat: MemoryTransport, db: Database
):
    vera = await register(chat, db, "vera", None)
    volunteer = await db.volunteers.get(vera)
    assert (volunteer.lat, volunteer.lon) == (None, None)
    # Changing the point alone: a word that is no postcode is answered and the step stays.
    await chat.press("vera", "vo:ed:point")
    out = await chat.text("vera", "Hörde")
    assert "Dortmund" in texts(out) and "vo:ed:point" not in button_data(out)
    out = await chat.text("vera", "44147")
    assert "vo:ed:point" in button_data(out)  # saved: the volunteer's page again
    assert (await db.volunteers.get(vera)).lat is not None


@pytest.mark.both_backends
async def test_a_point_given_can_be_removed(chat: MemoryTransport, db: Database):
    vera = await register(chat, db, "vera", "44147")
    out = await chat.press("vera", "vo:ed:point")
    assert "vo:unpt" in button_data(out)
    await chat.press("vera", "vo:unpt")
    volunteer = await db.volunteers.get(vera)
    assert (volunteer.lat, volunteer.lon) == (None, None)


@pytest.mark.both_backends
async def test_the_neighbour_is_ranked_before_the_one_across_the_district(
    chat: MemoryTransport, db: Database
):
    far = await register(chat, db, "fritz", FAR)
    near = await register(chat, db, "nora", NEAR)
    centre = await register(chat, db, "carla", None)
    settings = chat.dispatcher.settings
    async with db.transaction():
        request = await lifecycle.submit(
            Backstage(db, settings),
            await person(db, "amira"),
            {
                "category": "shopping",
                "description": "Einkauf am Nordmarkt",
                "stadtbezirk": "Innenstadt-Nord",
                "lat": NORDMARKT[0],
                "lon": NORDMARKT[1],
                "languages": ("de",),
            },
        )
    found = await ranking.candidates(db, settings, request, datetime.now(UTC), ranking.LOCAL, set())
    order = [c.volunteer.user_id for c in found]
    assert set(order) == {far, near, centre}  # all three in the district's wave
    assert order.index(near) < order.index(far)
    km = {c.volunteer.user_id: c.km for c in found}
    assert km[near] < 0.5 < 2 < km[far]


@pytest.mark.both_backends
async def test_mydata_shows_the_point_and_leaving_and_delete_take_it(
    chat: MemoryTransport, db: Database
):
    vera = await register(chat, db, "vera", NEAR)
    lat, lon = coarsen(*NEAR, AREA)
    out = await chat.text("vera", "/mydata")
    exported = json.loads(next(i for i in out if isinstance(i, Document)).content)["sections"]
    [profile] = exported["volunteer_profile"]
    assert (profile["lat"], profile["lon"]) == (lat, lon)
    await chat.press("vera", "vo:leavey")
    assert await db.volunteers.get(vera) is None
    # Registered again with the point, then the account erased: no point is left.
    await register(chat, db, "vera", NEAR)
    await chat.press("vera", "delete:yes")
    assert await db.users.find("memory", "vera") is None
    row = await db.fetch_one("SELECT COUNT(*) FROM volunteers WHERE lat IS NOT NULL")
    assert row[0] == 0
