"""A location outside the city shared at the volunteer's own point is refused with what
that step takes - a location in the city or a postcode - not with the general refusal's
"or type a district" (QA black-box pass at the console): the step refuses a district, so
a volunteer who followed the advice was refused again."""

from __future__ import annotations

from db import Database
from handlers.helping.volunteers import OUTSIDE_POINT
from handlers.places.fields import OUTSIDE
from locales import translator
from tests.support.memory_transport import MemoryTransport, button_data, texts

BERLIN = (52.5200, 13.4050)


async def test_outside_the_city_at_the_own_point_asks_for_what_the_step_takes(
    chat: MemoryTransport, db: Database
):
    await chat.onboard("wanda", "pl")
    for data in ("menu:volunteer", "vo:reg", "vo:bz:Innenstadt-Nord"):
        await chat.press("wanda", data)
    await chat.press("wanda", "vo:area-done")
    out = await chat.location("wanda", *BERLIN)
    t = translator("pl")
    city = chat.dispatcher.settings.city
    shown = texts(out)
    assert str(t.t(OUTSIDE, city=city)) not in shown
    assert str(t.t(OUTSIDE_POINT, city=city)) in shown
    assert "vo:nopt" in button_data(out)  # the step stays, Skip at hand
    # What it asks for is taken: a postcode of the city.
    out = await chat.text("wanda", "44147")
    assert "vo:cat:shopping" in button_data(out)
