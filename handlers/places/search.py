"""Nearest places to a point, with filters, paged; and every place that passes the same
filters, for the web map (``on_map``).

The filters' rules live here and in ``db.places.PlaceFilter`` only: kind, full wheelchair
access (``yes``, never ``limited``), a language spoken, and open now by the place's
``opening_hours`` (``hours.status``) - the chat's result list and the map both call them.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from db import Database
from db.places import MapPoint, Place, PlaceFilter
from handlers.places.gazetteer import distance_m
from locales import hours

FIRST_RADIUS_M = 400.0
MAX_RADIUS_M = 60_000.0
# Whole rows read with the box beyond the page on either side (a page's place that the flat
# earth ranks elsewhere than the great circle is loaded after; it takes a near tie).
SPARE = 3
# Searches asked before (a district, a postcode, a place's surroundings): the radius that
# held their page, per process, the least recently asked forgotten first.
KEPT_STARTS = 512
_enough: OrderedDict[tuple[Query, int], float] = OrderedDict()


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    wheelchair: bool = False
    language: str | None = None
    open_now: bool = False

    def stored(self) -> PlaceFilter:
        """What the store answers itself; ``open_now`` is evaluated here (``open_only``)."""
        return PlaceFilter(
            category=self.category, wheelchair=self.wheelchair, language=self.language
        )


@dataclass(frozen=True)
class Query:
    lat: float
    lon: float
    category: str | None = None
    wheelchair: bool = False
    language: str | None = None
    open_now: bool = False

    @property
    def filters(self) -> Filters:
        return Filters(self.category, self.wheelchair, self.language, self.open_now)


@dataclass(frozen=True)
class Found:
    place: Place
    distance_m: float
    hours: hours.HoursStatus


def _box(lat: float, lon: float, radius: float) -> tuple[float, float, float, float]:
    # Degrees of a great circle are 111,195 m; counted as 111,000 the box holds the whole
    # circle of ``radius`` (and the circle test below keeps only what is inside it), so
    # which places a radius finds does not depend on where the search started.
    dlat = radius / 111_000.0
    dlon = radius / (111_000.0 * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


async def nearest(
    db: Database, query: Query, at: datetime, *, limit: int = 5, offset: int = 0
) -> tuple[list[Found], bool]:
    """The page of places nearest to the query point, and whether more follow.

    The search box starts small and grows until it holds enough places, so a dense centre
    reads a few hundred metres and an empty outskirt reads further; it grows by the density
    seen so far, so a sparse map needs few boxes. Only ids and coordinates come from the
    R*Tree for the candidates, and whole rows for the likely page alone, with the same
    round trip. A search asked before starts at the radius that held its page then
    (:func:`_start`): usually one round trip.
    """
    filters = query.filters.stored()
    wanted = offset + limit + 1
    ranks = range(max(0, offset - SPARE), offset + limit + SPARE)
    radius = _start(query, wanted)
    while True:
        box = _box(query.lat, query.lon, radius)
        found, places = await db.places.candidates_near(box, filters, (query.lat, query.lon), ranks)
        within = []
        for place_id, lat, lon in found:
            distance = distance_m(query.lat, query.lon, lat, lon)
            if distance <= radius:
                within.append((distance, place_id))
        if query.open_now and within:
            still = await open_only(db, [place_id for _, place_id in within], at)
            within = [(d, i) for d, i in within if i in still]
        if len(within) >= wanted or radius >= MAX_RADIUS_M:
            break
        # Grow to where, at the density found so far, enough places should be (a quarter
        # more for luck), at least doubling: each box is a round trip to the database.
        factor = 1.25 * math.sqrt(wanted / len(within)) if within else 4.0
        radius = min(MAX_RADIUS_M, radius * min(max(factor, 2.0), 8.0))
    within.sort()
    _remember(query, wanted, within[wanted - 1][0] if len(within) >= wanted else radius)
    page_ids = [place_id for _, place_id in within[offset : offset + limit]]
    missing = [place_id for place_id in page_ids if place_id not in places]
    if missing:  # a near tie ranked otherwise by the flat earth, or closed places skipped
        places = {**places, **await db.places.get_many(missing)}
    page = [
        Found(places[place_id], distance, hours.status(places[place_id].opening_hours, at))
        for distance, place_id in within[offset : offset + limit]
        if place_id in places
    ]
    return page, len(within) > offset + limit


def _start(query: Query, wanted: int) -> float:
    """Where the search for ``query``'s first ``wanted`` places starts: the radius that
    held them when it was last asked in this process, else ``FIRST_RADIUS_M``."""
    key = (query, wanted)
    radius = _enough.get(key)
    if radius is None:
        return FIRST_RADIUS_M
    _enough.move_to_end(key)
    return radius


def _remember(query: Query, wanted: int, needed: float) -> None:
    """``needed``: the distance of the ``wanted``-th place (or the radius the search
    ended at, when fewer are there). Only a start: any radius that holds ``wanted`` places
    finds the same nearest ones, so one kept from before an import or a deletion costs a
    box more or reads a wider one, never a wrong answer - and is set right by this search."""
    _enough[(query, wanted)] = min(MAX_RADIUS_M, max(FIRST_RADIUS_M, needed + 1.0))
    _enough.move_to_end((query, wanted))
    while len(_enough) > KEPT_STARTS:
        _enough.popitem(last=False)


async def open_only(db: Database, place_ids: list[int], at: datetime) -> set[int]:
    """Those of the places that are open at ``at`` (unknown hours: not open)."""
    return open_among(await db.places.opening_hours(place_ids), at)


def open_among(opening: dict[int, str], at: datetime) -> set[int]:
    """The ids whose ``opening_hours`` say open at ``at``."""
    # Many places share their hours ("Mo-Fr 09:00-17:00"): each expression is read once.
    verdicts = {expression: hours.is_open(expression, at) for expression in set(opening.values())}
    return {place_id for place_id, expression in opening.items() if verdicts[expression]}


# The whole world: the map shows every place there is, wherever it was imported.
_EVERYWHERE = (-90.0, 90.0, -180.0, 180.0)


async def on_map(db: Database, filters: Filters, at: datetime, lang: str) -> list[MapPoint]:
    """Every place that passes ``filters`` (the chat's rules), with what a map marker and
    a list line need: a few columns in one query, not whole places."""
    points = await db.places.points(*_EVERYWHERE, filters.stored(), lang)
    if filters.open_now and points:
        still = open_among({point.id: point.opening_hours for point in points}, at)
        points = [point for point in points if point.id in still]
    return points
