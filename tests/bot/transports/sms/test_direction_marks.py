"""Issue 55, point 8: no invisible direction marks in a text message, through real Kannel
with fakesmsc (tests/support/sms/city.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from db import Database
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from locales import SUPPORTED_LANGUAGES, language_name, translator
from tests.support.sms.city import City, Resident
from tests.support.sms.codes import code_in

ROOT = Path(__file__).resolve().parents[4]
SAMPLE_PLACES = ROOT / "data" / "dortmund" / "places-sample.csv"
AMIRA = "+4917611111111"


# The invisible marks of direction: isolates, embeddings and overrides, and the marks.
DIRECTION_MARKS = frozenset(
    "\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e\u200e\u200f\u061c"
)


async def test_arabic_texts_carry_no_invisible_direction_marks(
    make_city: Callable[..., object], db: Database
) -> None:
    """Point 8: an Arabic text is laid out by the phone from its letters; the marks a chat
    needs are boxes on simple phones and cost a character each."""
    await import_places(db, SAMPLE_PLACES, load_gazetteer("data/dortmund"), default_source="sample")
    city: City = await make_city()  # type: ignore[misc]
    amira = Resident(city, AMIRA)
    ar = translator("ar")

    await amira.say("مرحبا")
    await amira.choose("العربية")
    await amira.choose(ar._("I agree"))
    user = await db.users.find("sms", AMIRA)
    assert user is not None and user.language == "ar" and user.consent_at is not None
    await amira.say("44137")  # values in the text: a postcode, places' names and distances
    texts = [text.text for text in amira.texts]
    assert len(texts) >= 3
    marked = [text for text in texts if DIRECTION_MARKS & set(text)]
    assert marked == [], marked
    # Written order: the main menu's Arabic words as the catalog writes them.
    assert any(ar._("Find a place") in text for text in texts), texts


async def test_the_transports_own_texts_carry_no_direction_marks_in_any_language(
    make_city: Callable[..., object], db: Database
) -> None:
    """Issue 80, point 6: the reply to STOP while help is under way wrapped its code in
    isolates (the reader's translator does so for every value in Arabic and Farsi), sent
    as it was made, beside the texted form. Each of its texts, and the one that confirms
    the code, in every language: no mark, and the code as the number types it back."""
    city: City = await make_city()  # type: ignore[misc]
    for n, lang in enumerate(SUPPORTED_LANGUAGES):
        t = translator(lang)
        resident = Resident(city, f"+49176333333{n:02d}")
        await resident.say("Hallo")
        await resident.choose(language_name(lang))
        await resident.choose(t._("I agree"))
        user = await db.users.find("sms", resident.number)
        assert user is not None and user.language == lang
        await db.requests.create(user.id, user.id, category="shopping", description="Einkauf")

        (asked,) = await resident.say_and_deliver("STOP")
        code = code_in(asked.text)
        (stopped,) = await resident.say(code)
        (started,) = await resident.say("START")
        for text in (asked, stopped, started):
            assert not DIRECTION_MARKS & set(text.text), (lang, text.text)
        # The code alone, as typed: no mark glued to it either side.
        assert re.search(rf"(?<!\S){code}(?=[\s.,،]|$)", asked.text), (lang, asked.text)
