"""The distances from a volunteer's districts to a request that the ranking remembers
(handlers/helping/matching/ranking.py ``_district_km``, an ``lru_cache``) are keyed by outside
input - the request's point (from a person's location or postcode) and the districts a volunteer
chose - and so are bounded (issue 77 leftovers, point 4): never more than the cache's
``maxsize`` are kept, however many points come, and the answers stay right past it. (The
districts are only the city's own: the volunteer's step takes no other name.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from handlers.helping.matching import ranking
from handlers.places.gazetteer import distance_m, load_gazetteer
from handlers.settings import HandlerSettings

DISTRICT = "Innenstadt-Nord"


@pytest.fixture
def district_km() -> Iterator:
    """The cache, empty for this test and emptied after it (a pure function: nothing is
    lost but the time to compute it again)."""
    ranking._district_km.cache_clear()
    yield ranking._district_km
    ranking._district_km.cache_clear()


def test_the_remembered_district_distances_are_bounded(district_km, settings: HandlerSettings):
    bound = district_km.cache_info().maxsize
    assert bound is not None, "keyed by outside input, so it needs a maxsize"
    points = bound + 500
    for n in range(points):
        district_km(settings.places_data_dir, (DISTRICT,), 51.40 + n * 1e-5, 7.45)
    info = district_km.cache_info()
    assert info.currsize == bound and info.misses == points
    # Past the bound the answer is still the distance from the district's centre.
    centre = next(a for a in load_gazetteer(settings.places_data_dir).bezirke if a.name == DISTRICT)
    lat = 51.40 + (points - 1) * 1e-5
    km = district_km(settings.places_data_dir, (DISTRICT,), lat, 7.45)
    assert km == pytest.approx(distance_m(centre.lat, centre.lon, lat, 7.45) / 1000)
