"""Gazetteer lookups, opening hours at fixed times, distance ordering, filters and paging."""

from __future__ import annotations

from datetime import datetime

import pytest

from db import Database
from db.places import Place
from handlers.places import hours
from handlers.places.gazetteer import distance_m, fold, load_gazetteer
from handlers.places.search import Query, nearest
from locales import TIMEZONE

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
