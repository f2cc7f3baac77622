"""A postcode, a district name or a location sent outside any step starts a place search.

A taker of free input (``router.free_input``, rank 50: after a running contact, before the
"start with anything" offer). It takes a short text that names a postcode or a district
("44137", "Hörde", "in Brechten bitte"); a longer one that only mentions a district ("I need
help with shopping in Hörde") is left to the others. The city's bare name ("ich wohne in
Dortmund") is asked "which part?". A location lists the places near it. The results are the
search's own (states ``places.where``, ``places.results``); no buttons or states of its own.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.messages import Location, Text
from handlers.places import chat
from handlers.places.gazetteer import fold, without_city
from handlers.router import Router

RANK = 50
# More words than this are a sentence about something, not a place name.
MAX_WORDS = 4


async def take(ctx: Context) -> bool:
    event = ctx.incoming.event
    if isinstance(event, Location):
        await chat.search_location(ctx, event.latitude, event.longitude)
        return True
    if not isinstance(event, Text):
        return False
    text = event.text.strip()
    words, _named_city = without_city(fold(text).split(), ctx.settings.city)
    if len(words) > MAX_WORDS:
        return False
    resolution = chat.gazetteer(ctx).resolve(text, ctx.settings.city)
    if resolution.area is not None:
        await chat.search_area(ctx, resolution.area)
    elif resolution.city_only:
        chat.ask_which_part(ctx)
    else:
        return False
    return True


def register(router: Router) -> None:
    router.free_input_taker(RANK)(take)
