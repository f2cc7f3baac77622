"""How precisely the bot keeps a location someone shares: one rule, here.

A person's shared location is rounded to a grid the moment it arrives, before anything
uses or keeps it (the conversation data, a profile, a request, the kept answers of an
update): the exact point is never written down by these flows, and distances worked out
from the rounded point cannot be combined to find it again.

The grids are in degrees, sized for Dortmund (51.5° N, where 0.0009° of latitude is
100 m and 0.0014° of longitude 97 m; elsewhere in Germany they stay within about 10 %).
The 100 m grid nests in the 500 m one (both steps divide by five).

- :data:`SEARCH` (~100 m) - the point of a place or event search, kept while its result
  list is shown ("more", filters, "back to the list"). A cell is a block, not a door.
  The point moves by at most ~70 m (half a cell's diagonal). Over 400 random points in
  the city with the sample places, the first page held the same five places 97 % of the
  time (88 % in the same order), the distances moved by 21 m at the median; they are
  shown in 10 m steps below 1 km (``places.render.distance``), so a shown "350 m" is
  measured from the cell's centre and may differ from the exact one by up to ~70 m.
- :data:`AREA` (~500 m) - where help is needed (a help request) or offered (the centre of a
  volunteer's radius, 1 to 5 km, or the own point a volunteer in districts gave for the
  ranking, a postcode's centre put on the same grid): enough to match people nearby, too
  coarse to find a door.
"""

from __future__ import annotations

from typing import NamedTuple


class Grid(NamedTuple):
    lat_step: float
    lon_step: float


SEARCH = Grid(0.0009, 0.0014)
AREA = Grid(0.0045, 0.007)


def coarsen(lat: float, lon: float, grid: Grid) -> tuple[float, float]:
    """The centre of the grid cell a shared point lies in.

    Used wherever a person's location is stored or kept. The flows that keep more, and why:

    - place editing (``places/editing.py``, ``/place_new``) and event editing
      (``events/editing.py``): coordinators enter where a public place or an event is,
      not where a person is, and the pin must lead to its door - full precision (event
      editing keeps ~1 m);
    - the relay of a matched request (``helping/relay/chat.py``): a location shared in the
      conversation is passed on exactly to the partner, because meeting at a door needs
      it; it is not kept in a conversation, a profile or a request, only as that message
      in the outbox.
    """
    return (
        round(round(lat / grid.lat_step) * grid.lat_step, 5),
        round(round(lon / grid.lon_step) * grid.lon_step, 5),
    )
