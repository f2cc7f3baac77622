"""Two coordinators edit one encounter place at once: a save from a form shown before a
colleague's change does not put the old values back - it is refused, saying so, what was
typed kept and the place as it is now shown above the form. A colleague's "verified" is no
such change (the form sends nothing of it). Through the real web server and the chat's login
link, each coordinator in a browser of their own."""

from __future__ import annotations

import re

from tests.bot.web.desk.test_places import _form, _multi, _place
from tests.support.desk_client import at_the_desk


def _was(page: str) -> str:
    found = re.search(r'name="was" value="(\w+)"', page)
    assert found, "the place's form carries the stamp of what it shows"
    return found.group(1)


async def test_a_save_from_a_form_shown_before_a_colleagues_change_is_refused(db, site, web_chat):
    _site, base = site
    place_id = await _place(db)
    url = f"/desk/places/{place_id}"
    async with (
        at_the_desk(web_chat, db, base, "cora") as cora,
        at_the_desk(web_chat, db, base, "carl") as carl,
    ):
        _status, cora_page = await cora.get(url)
        _status, carl_page = await carl.get(url)
        # Cora marks it verified: nothing Carl's form shows has changed, his save goes through.
        status, _page = await cora.post(f"{url}/verify", {})
        assert status == 200
        carls = {**_form(carl_page), "was": _was(carl_page), "name": "Treff am Nordmarkt"}
        status, page = await carl.post(url, _multi(carls, carl.csrf))
        assert status == 200 and "Saved" in page, page
        # Cora's form still shows the old name; she changes the opening hours only.
        coras = {**_form(cora_page), "was": _was(cora_page), "opening_hours": "Mo-Fr 09:00-17:00"}
        status, page = await cora.post(url, _multi(coras, cora.csrf))
        assert status == 409, page
        assert f"Place #{place_id} was changed meanwhile. Nothing was saved" in page
        place = await db.places.get(place_id)
        assert place is not None
        assert place.name == "Treff am Nordmarkt"  # Carl's name, not put back
        assert place.opening_hours == "Mo-Fr 10:00-16:00"  # nothing of Cora's saved
        # What she typed is kept in the form; the place as it is now is shown above it.
        assert _form(page)["opening_hours"] == "Mo-Fr 09:00-17:00"
        now = page[page.index('id="place-now"') : page.index('id="place-form"')]
        assert "Treff am Nordmarkt" in now
        # Saved again from the page that showed her the change, it goes through.
        again = {**_form(page), "was": _was(page), "name": "Treff am Nordmarkt"}
        status, page = await cora.post(url, _multi(again, cora.csrf))
        assert status == 200 and "Saved" in page, page
        place = await db.places.get(place_id)
        assert place is not None and place.opening_hours == "Mo-Fr 09:00-17:00"
        assert place.name == "Treff am Nordmarkt"
