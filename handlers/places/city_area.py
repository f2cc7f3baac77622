"""Shared locations must lie in the city: every flow that takes one (places search, place
editing, volunteer area, event editing, help request) checks it the same way, here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.messages import Button
from handlers.places.fields import OUTSIDE, in_city

if TYPE_CHECKING:
    from handlers.context import Context


def refuse_outside_city(
    ctx: Context,
    lat: float,
    lon: float,
    buttons: list[list[Button]] | None = None,
    *,
    message: str = OUTSIDE,
) -> bool:
    """True (after telling the person, nothing changed) if a location lies outside the
    city; every flow that takes a shared location checks it the same way. A refusal
    (``ctx.refuse``), so that at a step the step's choices follow it: numbered choices press
    only the newest message's, and a "1" typed after it was taken for text, not Skip.
    ``message`` (a msgid with ``{city}``): the step's own where :data:`OUTSIDE`'s "or type a
    district" would send the person to an answer the step refuses."""
    if in_city(ctx.settings, lat, lon):
        return False
    ctx.refuse(ctx.t.t(message, city=ctx.city), buttons)
    return True
