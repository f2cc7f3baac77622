"""The map's place cache (bot/web/public/map_tiles.py ``PlaceCache``): keyed by what anyone
may ask (filters and language), so it holds at most ``KEPT`` of them, drops the one used
least recently when full, and makes a key's places again once they are older than
``FRESH`` seconds. A unit test: the cache alone, its clock the test's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bot.web.public.map_tiles import FRESH, KEPT, PlaceCache
from db.places import MapPoint

# More keys than the cache holds.
ASKED = KEPT + 10


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _maker(key: int, made: list[int]) -> Callable[[], Awaitable[Sequence[MapPoint]]]:
    async def make() -> Sequence[MapPoint]:
        made.append(key)
        return [MapPoint(key, 51.5, 7.4, f"place {key}", "", "cafe", "yes")]

    return make


def _kept(cache: PlaceCache) -> set[int]:
    """The keys whose places the cache still has (asked without making)."""
    return {key for key in range(ASKED) if cache.get((key,)) is not None}


async def test_the_place_cache_stays_bounded_and_drops_the_least_recently_used():
    clock, made = _Clock(), []
    cache = PlaceCache(clock=clock)
    for key in range(KEPT):
        await cache.places((key,), _maker(key, made))
    # Key 0, the oldest made, is asked again: kept, not made again, and now used last.
    assert (await cache.places((0,), _maker(0, made))).points[0].id == 0
    assert made == list(range(KEPT))
    for key in range(KEPT, ASKED):  # ten keys past the bound
        clock.now += 1
        await cache.places((key,), _maker(key, made))
    # At most KEPT: the ten used least recently (1 to 10) went, key 0 stayed.
    assert _kept(cache) == {0, *range(11, ASKED)}
    assert len(_kept(cache)) == KEPT
    # A key that went is made again when asked, and one more goes for it.
    await cache.places((1,), _maker(1, made))
    assert made.count(1) == 2 and len(_kept(cache)) == KEPT


async def test_places_older_than_fresh_are_made_again():
    clock, made = _Clock(), []
    cache = PlaceCache(clock=clock)
    await cache.places(("de",), _maker(7, made))
    clock.now += FRESH
    await cache.places(("de",), _maker(7, made))
    assert made == [7]
    clock.now += 1
    await cache.places(("de",), _maker(7, made))
    assert made == [7, 7]
