"""The map's places as the view needs them: per tile of the map, and per box for the list.

Routes (the filters and ``lang`` as for ``/api/places``, bot/web/public/places.py):
- ``GET /api/places/tile/<z>/<x>/<y>`` - what one tile of the map (Leaflet's grid of
  256-pixel tiles, the map's own tiling: ``static/map.js`` asks for the tiles its view
  needs as it moves and zooms) shows: ``{"clusters": [[lat, lon, count, south, west,
  north, east], …], "places": [[id, lat, lon, name], …]}``. The tile is cut in its four
  tiles of the next zoom (128 pixels each); where one of them holds two places or more, a
  cluster at their middle with their count and their box, else the place itself. From
  ``CLOSE_UP`` on no cluster: every place. At most ``TILE_LIMIT`` places an answer.
- ``GET /api/places?bbox=<west>,<south>,<east>,<north>`` - the list beside the map: the
  first ``LIST_LIMIT`` places in the box by name (as ``/api/places`` writes them) and how
  many the box holds, ``{"places": […], "total": n, "kinds": {…}}``.

Bounded, since anyone may ask: a tile from ``MIN_ZOOM`` to ``MAX_ZOOM`` (a tile further out
covers more than a city; the map does not zoom out further), a box at most ``MAX_SPAN``
degrees a side; else 400 with ``{"error": <a translated sentence>}``. The filtered places
are kept per filters and language for ``FRESH`` seconds ("open now" changes by the minute,
and so may an import), at most ``KEPT`` of them, and their tiles per zoom as asked.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from math import isfinite
from typing import Any

import mercantile
from aiohttp import web

from db.places import MapPoint

MIN_ZOOM = 9
MAX_ZOOM = 19
# From here on every place is shown (the map's closest look at a place chosen in the list).
CLOSE_UP = 17
TILE_LIMIT = 500
LIST_LIMIT = 200
MAX_SPAN = 5.0
FRESH = 60.0
KEPT = 32

# A tile's places by its quarter (its tile at the next zoom), for one zoom.
Quarters = dict[tuple[int, int], list[MapPoint]]
Grid = dict[tuple[int, int], Quarters]


def _seconds() -> float:
    return time.monotonic()


@dataclass
class Places:
    """One filter's places (sorted by name) and, per zoom asked, their tiles."""

    points: Sequence[MapPoint]
    made: float
    grids: dict[int, Grid] = field(default_factory=dict)

    def grid(self, zoom: int) -> Grid:
        if zoom not in self.grids:
            grid: Grid = {}
            for point in self.points:
                quarter = mercantile.tile(point.lon, point.lat, zoom + 1)
                tile = (quarter.x >> 1, quarter.y >> 1)
                grid.setdefault(tile, {}).setdefault((quarter.x, quarter.y), []).append(point)
            self.grids[zoom] = grid
        return self.grids[zoom]


class PlaceCache:
    """The places per (filters, language), fresh for ``FRESH`` seconds, ``KEPT`` at most."""

    def __init__(self, clock: Callable[[], float] = _seconds) -> None:
        self.clock = clock
        self._kept: OrderedDict[tuple[Any, ...], Places] = OrderedDict()
        self._making = asyncio.Lock()

    async def places(
        self, key: tuple[Any, ...], make: Callable[[], Awaitable[Sequence[MapPoint]]]
    ) -> Places:
        """The kept places of ``key``, else ``make``'s, made once: a map asks for a dozen
        tiles at once, and they wait for one query instead of making one each."""
        found = self.get(key)
        if found is not None:
            return found
        async with self._making:
            found = self.get(key)
            return found if found is not None else self.put(key, await make())

    def get(self, key: tuple[Any, ...]) -> Places | None:
        found = self._kept.get(key)
        if found is None or self.clock() - found.made > FRESH:
            return None
        self._kept.move_to_end(key)
        return found

    def put(self, key: tuple[Any, ...], points: Sequence[MapPoint]) -> Places:
        places = Places(points, self.clock())
        self._kept[key] = places
        self._kept.move_to_end(key)
        while len(self._kept) > KEPT:
            self._kept.popitem(last=False)
        return places


PLACE_CACHE = web.AppKey("place_cache", PlaceCache)


def tile_of(request: web.Request) -> tuple[int, int, int] | None:
    """The tile asked for, or None where it is out of bounds."""
    try:
        z, x, y = (int(request.match_info[name]) for name in ("z", "x", "y"))
    except ValueError:
        return None
    if not MIN_ZOOM <= z <= MAX_ZOOM or not (0 <= x < 2**z and 0 <= y < 2**z):
        return None
    return z, x, y


def box_of(value: str) -> tuple[float, float, float, float] | None:
    """``west,south,east,north`` in degrees, at most ``MAX_SPAN`` a side, or None."""
    try:
        west, south, east, north = (float(part) for part in value.split(","))
    except ValueError:
        return None
    if not all(isfinite(v) for v in (west, south, east, north)):
        return None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return None
    if east - west > MAX_SPAN or north - south > MAX_SPAN:
        return None
    return west, south, east, north


def tile_answer(places: Places, z: int, x: int, y: int) -> dict[str, list[list[Any]]]:
    """The clusters and places of one tile (see the module's docstring)."""
    clusters: list[list[Any]] = []
    shown: list[MapPoint] = []
    for members in places.grid(z).get((x, y), {}).values():
        if len(members) == 1 or z >= CLOSE_UP:
            shown.extend(members)
            continue
        lats = [p.lat for p in members]
        lons = [p.lon for p in members]
        middle = [round(sum(lats) / len(lats), 6), round(sum(lons) / len(lons), 6)]
        clusters.append([*middle, len(members), min(lats), min(lons), max(lats), max(lons)])
    shown.sort(key=lambda point: (point.name.casefold(), point.id))
    return {
        "clusters": clusters,
        "places": [[p.id, round(p.lat, 6), round(p.lon, 6), p.name] for p in shown[:TILE_LIMIT]],
    }


def in_box(places: Places, box: tuple[float, float, float, float]) -> tuple[list[MapPoint], int]:
    """The first ``LIST_LIMIT`` places in the box (by name), and how many it holds."""
    west, south, east, north = box
    inside = [p for p in places.points if south <= p.lat <= north and west <= p.lon <= east]
    return inside[:LIST_LIMIT], len(inside)
