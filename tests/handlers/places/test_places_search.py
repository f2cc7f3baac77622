"""Gazetteer lookups, opening hours at fixed times, distance ordering, filters and paging."""

from __future__ import annotations

import math
from collections import OrderedDict
from datetime import datetime

import pytest
from psycopg import AsyncClientCursor

from db import Database, postgres
from db.places import Place, PlaceFilter
from handlers.places import search
from handlers.places.gazetteer import distance_m, fold, load_gazetteer
from handlers.places.search import Query, nearest
from locales import TIMEZONE, hours
from tests.support.round_trips import count_round_trips

# The nearest-place and box searches are written per backend (R*Tree, GiST over cube).
pytestmark = pytest.mark.both_backends

GAZ = load_gazetteer("data/dortmund")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=TIMEZONE)


# -- gazetteer ------------------------------------------------------------------------


def test_all_twelve_stadtbezirke_and_postcodes():
    assert len(GAZ.bezirke) == 12
    assert len(GAZ.teile) >= 36
    assert {a.stadtbezirk for a in GAZ.teile} == {a.name for a in GAZ.bezirke}
    assert all(code.startswith(("441", "442", "443")) for code in GAZ.postcodes)
    assert {"44135", "44263", "44388"} <= set(GAZ.postcodes)
    assert all(GAZ.contains(a.lat, a.lon) for a in GAZ.teile)


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("Hörde", "Hörde"),
        ("Hoerde", "Hörde"),
        ("horde", "Hörde"),
        ("HÖRDE", "Hörde"),
        ("in Hörde bitte", "Hörde"),
        ("Luetgendortmund", "Lütgendortmund"),
        ("lutgendortmund", "Lütgendortmund"),
        ("Hombruh", "Hombruch"),
        ("Aplerbek", "Aplerbeck"),
        ("  brechten ", "Brechten"),
        ("Nordmarkt", "Nordmarkt"),
    ],
)
def test_names_are_matched_forgivingly(query, name):
    area = GAZ.resolve(query).area
    assert area is not None and area.name == name, query


def test_postcode_and_coordinates():
    area = GAZ.resolve("44263").area
    assert area is not None and area.kind == "postcode" and area.stadtbezirk == "Hörde"
    assert GAZ.resolve("PLZ 44137 bitte").area.name == "44137"
    assert GAZ.resolve("12345").area is None  # not a Dortmund postcode
    point = GAZ.resolve("51.5136, 7.4653").area
    assert point is not None and point.kind == "point"
    assert GAZ.resolve("52.52,13.40").area is None  # Berlin


def test_unknown_names_get_suggestions():
    resolution = GAZ.resolve("Hordel")
    assert resolution.area is None or resolution.area.name == "Hörde"
    nonsense = GAZ.resolve("Xyzzyplatz")
    assert nonsense.area is None
    assert 1 <= len(nonsense.suggestions) <= 4


def test_fold_and_distance():
    assert fold("Straße am Ölbach!") == "strasse am oelbach"
    # Dortmund Hbf to Hörde station is about 5.3 km as the crow flies.
    assert distance_m(51.5178, 7.4592, 51.4893, 7.5010) == pytest.approx(4300, rel=0.15)


# -- opening hours --------------------------------------------------------------------


def test_open_now_at_fixed_times():
    weekdays = "Mo-Fr 10:00-18:00; PH off"
    monday_noon = berlin(2026, 11, 23, 12, 0)
    status = hours.status(weekdays, monday_noon)
    assert status.known and status.is_open
    assert status.next_change == berlin(2026, 11, 23, 18, 0)
    evening = hours.status(weekdays, berlin(2026, 11, 23, 19, 0))
    assert not evening.is_open and evening.next_change == berlin(2026, 11, 24, 10, 0)


def test_public_holidays_close_a_ph_off_place():
    christmas = berlin(2026, 12, 25, 12, 0)  # a Friday
    assert not hours.status("Mo-Fr 10:00-18:00; PH off", christmas).is_open
    assert hours.status("Mo-Fr 10:00-18:00", christmas).is_open


def test_overnight_ranges():
    late = "Fr 20:00-02:00"
    assert hours.status(late, berlin(2026, 11, 28, 1, 30)).is_open  # Saturday 01:30
    assert not hours.status(late, berlin(2026, 11, 28, 2, 30)).is_open
    week = hours.day_intervals(late, berlin(2026, 11, 23, 0, 0).date())
    friday = week[4]
    assert friday[0].isoformat() == "2026-11-27" and friday[1][0][0].hour == 20


def test_unknown_and_invalid_hours():
    assert not hours.status("", berlin(2026, 11, 23, 12, 0)).known
    assert hours.validate("Mo-Fx 10") is not None
    assert hours.validate("Mo-Fr 10:00-18:00; PH off") is None


def test_daylight_saving_change():
    # Clocks go forward at 02:00 on 29 March 2026: 10:00 is still 10:00 local time.
    status = hours.status("Su 10:00-12:00", berlin(2026, 3, 29, 9, 0))
    assert status.next_change == berlin(2026, 3, 29, 10, 0)


# -- search ---------------------------------------------------------------------------


def place(source_id: str, lat: float, lon: float, **extra) -> Place:
    return Place(
        source="test",
        source_id=source_id,
        name=f"Ort {source_id}",
        category=extra.pop("category", "library"),
        lat=lat,
        lon=lon,
        **extra,
    )


@pytest.fixture
async def town(db: Database) -> Database:
    centre = (51.5136, 7.4653)
    await db.places.upsert_many(
        [
            place("a", centre[0] + 0.001, centre[1]),  # ~110 m
            place("b", centre[0] + 0.010, centre[1], wheelchair="yes"),  # ~1.1 km
            place("c", centre[0] + 0.030, centre[1], languages=("de", "ar")),  # ~3.3 km
            place(
                "d",
                centre[0] - 0.050,
                centre[1],
                category="senior_centre",
                opening_hours="Mo-Fr 10:00-12:00",
            ),  # ~5.6 km
            place("e", centre[0] - 0.002, centre[1] + 0.002, opening_hours="24/7"),  # ~260 m
            place("far", 51.58, 7.35),  # ~10 km, the outskirts
        ],
        "test",
    )
    return db


CENTRE = Query(lat=51.5136, lon=7.4653)
NOON = berlin(2026, 11, 23, 11, 0)  # a Monday


async def test_nearest_first_and_paging(town: Database):
    page, more = await nearest(town, CENTRE, NOON, limit=3)
    assert [f.place.source_id for f in page] == ["a", "e", "b"]
    assert more
    assert page[0].distance_m < page[1].distance_m < page[2].distance_m
    second, more = await nearest(town, CENTRE, NOON, limit=3, offset=3)
    assert [f.place.source_id for f in second] == ["c", "d", "far"]
    assert not more


async def test_filters(town: Database):
    def ids(found):
        return [f.place.source_id for f in found[0]]

    assert ids(await nearest(town, Query(51.5136, 7.4653, wheelchair=True), NOON)) == ["b"]
    assert ids(await nearest(town, Query(51.5136, 7.4653, language="ar"), NOON)) == ["c"]
    assert ids(await nearest(town, Query(51.5136, 7.4653, category="senior_centre"), NOON)) == ["d"]
    assert ids(await nearest(town, Query(51.5136, 7.4653, open_now=True), NOON)) == ["e", "d"]
    evening = berlin(2026, 11, 23, 20, 0)
    assert ids(await nearest(town, Query(51.5136, 7.4653, open_now=True), evening)) == ["e"]


async def test_places_far_away_are_still_found(town: Database):
    page, _ = await nearest(town, Query(51.58, 7.35), NOON, limit=1)
    assert page[0].place.source_id == "far" and page[0].distance_m < 10


# -- the box query on both backends ---------------------------------------------------

# Coordinates a float32 holds exactly: SQLite's R*Tree stores its points as float32, and a
# place on the box's edge must be inside on both backends.
EDGE_PLACES = [
    place("corner", 51.5, 7.25),
    place("north-edge", 51.625, 7.375, wheelchair="yes"),
    place("inside", 51.5625, 7.3125, languages=("de", "ar")),
    place("east-edge", 51.5625, 7.5, category="senior_centre"),
    place("south-of-box", 51.4990, 7.3),
    place("east-of-box", 51.55, 7.5010, wheelchair="yes"),
]


async def test_box_search_has_its_edges_and_filters_alike_on_both_backends(db: Database):
    await db.places.upsert_many(EDGE_PLACES, "test")
    ids = {p.id: p.source_id for p in await db.places.in_box(-90, 90, -180, 180)}
    box = (51.5, 51.625, 7.25, 7.5)

    async def found(**filters) -> set[str]:
        got = await db.places.candidates(*box, PlaceFilter(**filters))
        places = await db.places.get_many([i for i, _, _ in got])
        for place_id, lat, lon in got:
            assert (lat, lon) == (places[place_id].lat, places[place_id].lon)
        return {ids[i] for i, _, _ in got}

    assert await found() == {"corner", "north-edge", "inside", "east-edge"}
    assert await found(wheelchair=True) == {"north-edge"}
    assert await found(language="ar") == {"inside"}
    assert await found(category="senior_centre") == {"east-edge"}
    assert await found(category="library", wheelchair=True) == {"north-edge"}
    points = await db.places.points(*box, PlaceFilter(), "de")
    assert {ids[p.id] for p in points} == {"corner", "north-edge", "inside", "east-edge"}
    assert {p.lat for p in points if ids[p.id] == "corner"} == {51.5}


async def test_box_search_uses_the_spatial_index(db: Database):
    """SQLite's R*Tree answers by its box constraints; PostgreSQL's planner takes the GiST
    index places_point only for a condition on cube(ARRAY[lat, lon]) itself."""
    await db.places.upsert_many(EDGE_PLACES, "test")
    # The very statement a filtered nearest-place search runs.
    sql, params = db.places._box_query(
        "p.id, p.lat, p.lon", (51.5, 51.625, 7.25, 7.5), PlaceFilter(wheelchair=True)
    )
    if db.dialect == "sqlite":
        rows = await db.conn.execute_fetchall(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(row[3] for row in rows)
        # idxNum 2 with four box constraints on the R*Tree's coordinates (D0 B1 D2 B3).
        assert "VIRTUAL TABLE INDEX 2:D0B1D2B3" in plan, plan
        return
    text, values = postgres.prepared(f"EXPLAIN {sql}", params)
    async with db.pool.connection() as conn:
        # A handful of rows would be read whole without the setting; the question is
        # whether the index can be used at all.
        await conn.execute("SET enable_seqscan = off")
        cursor = AsyncClientCursor(conn)
        await cursor.execute(text, values)
        plan = " ".join(row[0] for row in await cursor.fetchall())
        await conn.execute("RESET enable_seqscan")
    assert "places_point" in plan, plan


# -- the search's round trips and where it starts ---------------------------------------

# Metres per degree of the great circle that distance_m measures on.
DEGREE_M = 6_371_008.8 * math.pi / 180
SPOT = (51.47, 7.52)


def _at(metres: float, bearing: float) -> tuple[float, float]:
    """The point ``metres`` from SPOT towards ``bearing`` (degrees from north)."""
    north = metres * math.cos(math.radians(bearing)) / DEGREE_M
    east = metres * math.sin(math.radians(bearing)) / (DEGREE_M * math.cos(math.radians(SPOT[0])))
    return SPOT[0] + north, SPOT[1] + east


@pytest.fixture
def fresh_starts(monkeypatch):
    """No search asked before in this process (the radii that held a page are forgotten)."""
    monkeypatch.setattr(search, "_enough", OrderedDict())


async def test_a_place_due_north_at_the_circles_edge_is_found(db: Database, fresh_starts):
    """Nothing within 1.6 km, so the search reaches 6.4 km: "due north" at 6,394 m is
    nearer than the two at 6,396 and 6,398 m to the north-east - inside the circle, but
    it was outside the box, which measured a degree as 111,320 m (the great circle's is
    111,195: the box was 7 m short at 6.4 km) and the page showed a farther place."""
    spots = {"A": (2000, 45), "B": (3000, 45), "due north": (6394, 0), "Q": (6396, 45)}
    spots["R"] = (6398, 45)
    await db.places.upsert_many([place(name, *_at(*spot)) for name, spot in spots.items()], "t")
    page, more = await nearest(db, Query(*SPOT), NOON, limit=3)
    assert [f.place.source_id for f in page] == ["A", "B", "due north"]
    assert more


async def test_the_page_is_the_same_from_wherever_the_search_starts(db: Database, fresh_starts):
    """A search asked before starts at the radius that held its page: any start finds the
    same places as a search from the first radius - the nearest by the great circle."""
    spots = [(150, 10), (900, 200), (2500, 80), (2600, 300), (9000, 0), (30_000, 170)]
    await db.places.upsert_many([place(f"p{n}", *_at(*spot)) for n, spot in enumerate(spots)], "t")
    everything = sorted(
        (distance_m(*SPOT, p.lat, p.lon), p.source_id)
        for p in await db.places.in_box(-90, 90, -180, 180)
    )
    for limit, offset in ((1, 0), (2, 0), (2, 2), (3, 3), (5, 0)):
        expected = [name for _, name in everything[offset : offset + limit]]
        wanted = offset + limit + 1
        for start in (None, 10.0, 1_000.0, 2_550.0, search.MAX_RADIUS_M):
            search._enough.clear()
            if start is not None:
                search._enough[(Query(*SPOT), wanted)] = start
            page, more = await nearest(db, Query(*SPOT), NOON, limit=limit, offset=offset)
            assert [f.place.source_id for f in page] == expected, (limit, offset, start)
            assert more == (len(everything) > offset + limit)


async def test_a_search_asked_again_is_one_round_trip(db: Database, monkeypatch, fresh_starts):
    """The first search grows its box (a round trip each) and reads the page's places with
    the last one; the same search again starts where the page was found: one round trip
    (it was a round trip per box and one for the page's places)."""
    await db.places.upsert_many(
        [place(f"p{n}", *_at(1200 + 400 * n, 50 * n)) for n in range(8)], "t"
    )
    first, _ = await nearest(db, Query(*SPOT), NOON, limit=3)
    trips = count_round_trips(db, monkeypatch)
    again, more = await nearest(db, Query(*SPOT), NOON, limit=3)
    assert trips[0] == 1
    assert [f.place.source_id for f in again] == [f.place.source_id for f in first]
    assert [f.place.source_id for f in again] == ["p0", "p1", "p2"] and more
    # The next page: its own search, the same order.
    trips[0] = 0
    second, _ = await nearest(db, Query(*SPOT), NOON, limit=3, offset=3)
    assert [f.place.source_id for f in second] == ["p3", "p4", "p5"]


def test_the_starts_kept_stay_within_their_bound_and_forget_the_least_recently_asked(
    fresh_starts, monkeypatch
):
    """Searches are keyed by what people send (a point, a kind): the radii kept per search
    stay at KEPT_STARTS, and the one asked least recently is the one forgotten."""
    monkeypatch.setattr(search, "KEPT_STARTS", 3)
    queries = [Query(SPOT[0] + n / 1000, SPOT[1]) for n in range(5)]
    for query in queries[:3]:
        search._remember(query, 10, 5000.0)
    assert search._start(queries[0], 10) == 5001.0  # asked again: now the most recent
    for query in queries[3:]:
        search._remember(query, 10, 5000.0)
    assert len(search._enough) == 3
    assert set(search._enough) == {(queries[0], 10), (queries[3], 10), (queries[4], 10)}
    assert search._start(queries[1], 10) == search.FIRST_RADIUS_M
