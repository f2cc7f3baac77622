"""Nearest places to a point, with filters, paged."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from db import Database
from db.places import Place, PlaceFilter
from handlers.places import hours
from handlers.places.gazetteer import distance_m

FIRST_RADIUS_M = 1500.0
MAX_RADIUS_M = 60_000.0


@dataclass(frozen=True)
class Query:
    lat: float
    lon: float
    category: str | None = None
    wheelchair: bool = False
    language: str | None = None
    open_now: bool = False


@dataclass(frozen=True)
class Found:
    place: Place
    distance_m: float
    hours: hours.HoursStatus


def _box(lat: float, lon: float, radius: float) -> tuple[float, float, float, float]:
    dlat = radius / 111_320.0
    dlon = radius / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


async def nearest(
    db: Database, query: Query, at: datetime, *, limit: int = 5, offset: int = 0
) -> tuple[list[Found], bool]:
    """The page of places nearest to the query point, and whether more follow.

    The search box grows until it holds enough places, so a dense city centre reads a few
    hundred metres and an empty outskirt reads further; only the rows in the box are loaded.
    """
    filters = PlaceFilter(
        category=query.category, wheelchair=query.wheelchair, language=query.language
    )
    wanted = offset + limit + 1
    radius = FIRST_RADIUS_M
    while True:
        candidates = await db.places.in_box(*_box(query.lat, query.lon, radius), filters)
        within = []
        for place in candidates:
            distance = distance_m(query.lat, query.lon, place.lat, place.lon)
            if distance <= radius:
                within.append((distance, place))
        if query.open_now:
            within = [(d, p) for d, p in within if hours.status(p.opening_hours, at).is_open]
        if len(within) >= wanted or radius >= MAX_RADIUS_M:
            break
        radius *= 2.5
    within.sort(key=lambda item: (item[0], item[1].name))
    page = [
        Found(place, distance, hours.status(place.opening_hours, at))
        for distance, place in within[offset : offset + limit]
    ]
    return page, len(within) > offset + limit
