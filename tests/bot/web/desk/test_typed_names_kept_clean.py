"""What a coordinator types or pastes for a place or an event on the desk is kept as the
importers keep it (handlers/text_safety.py): a name, a title and an address on one line
with nothing invisible, a description without control characters or direction overrides.
A line break in a place's name would show in every list, on the map and in every text as a
line of the bot's own ("✅ Checked by the city"); a right-to-left override turns round what
follows it. Over HTTP, the real desk; the chat's editing steps check with the same rules
(handlers/places/fields.py, handlers/events/fields.py)."""

from __future__ import annotations

import unicodedata

from tests.bot.web.desk.test_events import _count, _event_form
from tests.bot.web.desk.test_places import _form, _multi, _place
from tests.support.desk_client import at_the_desk

# A line break, a fake line of the bot's, a right-to-left override, a zero-width space and
# a control character, as a paste from a web page or a crafted text brings them.
PASTED = "Treff Nordmarkt\n✅ Von der Stadt geprüft\u202e\u200bx\x07"


def _hidden(text: str, *, lines: bool) -> list[str]:
    """The characters of ``text`` a reader does not see as written (``lines``: whether a
    line break may stay)."""
    return [
        f"U+{ord(ch):04X}"
        for ch in text
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and not (lines and ch == "\n")
    ]


async def test_a_place_name_and_address_typed_on_the_desk_are_one_clean_line(db, site, web_chat):
    _site, base = site
    place_id = await _place(db)
    async with at_the_desk(web_chat, db, base) as desk:
        _status, html = await desk.get(f"/desk/places/{place_id}")
        values = _form(html)
        values.update(name=PASTED, address="Mallinckrodtstraße\u202e 2\n, 44145")
        status, html = await desk.post(f"/desk/places/{place_id}", _multi(values, desk.csrf))
        assert status == 200, html
        place = await db.places.get(place_id)
    assert place.name == "Treff Nordmarkt ✅ Von der Stadt geprüftx", place.name
    assert (place.street, place.housenumber, place.postcode) == ("Mallinckrodtstraße", "2", "44145")


async def test_an_event_typed_on_the_desk_keeps_no_hidden_characters(db, site, web_chat):
    _site, base = site
    async with at_the_desk(web_chat, db, base) as desk:
        before = await _count(db)
        status, html = await desk.post(
            "/desk/events/new",
            _event_form(
                title_de=PASTED,
                title_local="Language café\u202e\n🎉 free",
                description_de="Deutsch üben\u202e bei Kaffee\n\n\n\n✅ Amtlich\x07",
                address="Nordmarkt\u202e 1\n, Dortmund",
            ),
        )
        assert status == 200, html
        assert await _count(db) == before + 1
    [event] = await db.events.active()
    titles = [event.title, *(title for title, _ in event.texts.values())]
    descriptions = [event.description, *(text for _, text in event.texts.values())]
    assert titles[0].startswith("Treff Nordmarkt ✅") and len(titles) >= 2, titles
    for text in (*titles, event.address):
        assert "\n" not in text and not _hidden(text, lines=False), repr(text)
    for text in descriptions:
        assert not _hidden(text, lines=True) and "\n\n\n" not in text, repr(text)
