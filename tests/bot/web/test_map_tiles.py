"""Issue 83, point 2: the map's places as its view needs them, over HTTP - per tile of the
map (clusters far out, every place close up) and per box for the list - and bounded: a
tile further out than the map goes or a box larger than ``MAX_SPAN`` is refused with a
translated sentence."""

from __future__ import annotations

import aiohttp
import mercantile
import pytest

from bot.config import Config, WebSection
from bot.web.public import map_tiles
from db import Database
from handlers.settings import HandlerSettings
from locales import translator
from tests.support.places_sample import import_sample
from tests.support.web_site import serving

TOO_LARGE = "This part of the map is too large to load at once. Please zoom in."


@pytest.fixture
async def web(db: Database, settings: HandlerSettings):
    await import_sample(db)
    config = Config(web=WebSection(tile_url="https://tiles.example.org/{z}/{x}/{y}.png"))
    async with serving(db, settings, config=config) as (site, base):
        yield site, base


async def _ask(base: str, path: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.get(base + path) as response:
        return response.status, await response.json()


async def _city(db: Database) -> list[tuple[int, float, float]]:
    async with db.conn.execute("SELECT id, lat, lon FROM places") as cursor:
        return [(int(i), float(lat), float(lon)) for i, lat, lon in await cursor.fetchall()]


async def _tiles_at(base: str, zoom: int, city) -> list[dict]:
    """Every tile of ``zoom`` over the city's places (7,560 close up): asked through one
    session, whose connection is kept, instead of a session and a connection each."""
    west, east = min(c[2] for c in city), max(c[2] for c in city)
    south, north = min(c[1] for c in city), max(c[1] for c in city)
    answers = []
    async with aiohttp.ClientSession() as session:
        for tile in mercantile.tiles(west, south, east, north, zoom):
            path = f"/api/places/tile/{zoom}/{tile.x}/{tile.y}?lang=de"
            async with session.get(base + path) as response:
                assert response.status == 200
                answers.append(await response.json())
    return answers


async def test_the_tiles_hold_every_place_once_clustered_far_out_and_one_by_one_close_up(web):
    site, base = web
    city = await _city(site.db)
    far = await _tiles_at(base, 11, city)
    clusters = [c for answer in far for c in answer["clusters"]]
    single = [p for answer in far for p in answer["places"]]
    # Far out: fewer marks than places, and together they count every place once.
    assert clusters and len(clusters) + len(single) < len(city)
    assert sum(c[2] for c in clusters) + len(single) == len(city)
    for lat, lon, count, south, west, north, east in (c for c in clusters):
        assert count >= 2 and south <= lat <= north and west <= lon <= east
    # Close up: every place itself, once, where it is.
    near = await _tiles_at(base, map_tiles.CLOSE_UP, city)
    assert not [c for answer in near for c in answer["clusters"]]
    shown = [p for answer in near for p in answer["places"]]
    assert sorted((p[0], p[1], p[2]) for p in shown) == sorted(
        (i, round(lat, 6), round(lon, 6)) for i, lat, lon in city
    )


async def test_the_list_of_a_box_holds_its_places_and_counts_them(web):
    site, base = web
    city = await _city(site.db)
    west, south = min(c[2] for c in city), min(c[1] for c in city)
    middle_lat = sorted(c[1] for c in city)[len(city) // 2]
    box = f"{west - 0.01},{south - 0.01},{max(c[2] for c in city) + 0.01},{middle_lat}"
    status, answer = await _ask(base, f"/api/places?bbox={box}&lang=de")
    assert status == 200
    inside = {i for i, lat, _lon in city if lat <= middle_lat}
    assert answer["total"] == len(inside) < len(city)
    assert {p[0] for p in answer["places"]} == inside
    # Filters narrow the box as they narrow the map.
    status, narrowed = await _ask(base, f"/api/places?bbox={box}&wheelchair=1&lang=de")
    assert status == 200 and 0 < narrowed["total"] < answer["total"]


@pytest.mark.parametrize(
    "path",
    [
        # A tile further out than the map goes: a whole country in one answer.
        f"/api/places/tile/{map_tiles.MIN_ZOOM - 1}/133/85",
        "/api/places/tile/0/0/0",
        # Beyond the edge of the world, or not a tile at all.
        "/api/places/tile/12/4096/1361",
        "/api/places/tile/12/-1/1361",
        f"/api/places/tile/{map_tiles.MAX_ZOOM + 1}/0/0",
        "/api/places/tile/12/x/1361",
        # A box larger than a city's, inside out, or not a box.
        f"/api/places?bbox=0,40,{map_tiles.MAX_SPAN + 1},50",
        "/api/places?bbox=-180,-90,180,90",
        "/api/places?bbox=7.6,51.4,7.3,51.6",
        "/api/places?bbox=7.3,51.4,nan,51.6",
        "/api/places?bbox=7.3,51.4",
    ],
)
async def test_a_request_too_large_or_out_of_bounds_is_refused_in_the_language(web, path):
    _site, base = web
    answers = {}
    for lang in ("de", "ar"):
        joiner = "&" if "?" in path else "?"
        status, answer = await _ask(base, f"{path}{joiner}lang={lang}")
        assert status == 400, (path, answer)
        assert set(answer) == {"error"}
        answers[lang] = answer["error"]
    # A sentence the reader can act on, in the page's language.
    assert answers["de"] == translator("de")._(TOO_LARGE) != TOO_LARGE
    assert answers["ar"] == translator("ar")._(TOO_LARGE) != answers["de"]
