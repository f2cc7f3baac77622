"""Issue 80, point 6: a caller's list of places (three at a time, handlers/places/
short_lists.py) said "one: press one. two: press two. three: press three." after the
places' lines - a key named by its own number; now each place's key is said once, with its
name. And a place's name with a part in parentheses ("Frauencafé Nordstadt (Beispiel)")
was said in pieces, by turns in the sentence's voice and the city's; now it is one name in
one voice. Through the phone transport with the real dispatcher (tests/support/sip/
keypad_phone.py), what it says recorded, in all ten languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.speech.script import script
from bot.transports.phone.words.what_keys_mean import Typed
from db import Database
from handlers.dispatcher import Dispatcher
from handlers.messages import Command
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from locales import SUPPORTED_LANGUAGES
from tests.support.sip.keypad_phone import hearing, keypad_phone, known_caller

ROOT = Path(__file__).resolve().parents[5]
SAMPLE_PLACES = ROOT / "data" / "dortmund" / "places-sample.csv"
# Where the nearest three have a name with parentheses ("… (Beispiel)").
POSTCODE = "44147"


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_each_place_is_said_once_with_its_key_and_its_name_in_one_voice(
    dispatcher: Dispatcher, db: Database, lang: str
) -> None:
    await import_places(db, SAMPLE_PLACES, load_gazetteer("data/dortmund"), default_source="s")
    phone, call, _ = keypad_phone(dispatcher)
    said = hearing(phone)
    try:
        await known_caller(phone, call, db, lang)
        await phone.meant(call, Command("menu"))
        await phone.meant(call, Typed("1"))  # find a place
        before = len(said)
        await phone.meant(call, Typed(POSTCODE))
        listed = [part for words in said[before:] for part in words]
        heard = "\n".join(part.words for part in listed)
        t = await phone.voice.words(call)
        for n in (1, 2, 3):
            # The key said as the name of its own choice ("one: press one.").
            alone = script("", [f"👉 {t.number(n)}"], t).rstrip(".")
            assert alone not in heard, (lang, heard)
        # Each name in one voice, whole: no part of what is said opens a parenthesis it
        # does not close, nor closes one it did not open.
        for part in listed:
            assert part.words.count("(") == part.words.count(")"), (lang, listed)
        assert heard.count("(") >= 1, heard  # the list has such a name
        # The first key still gives the first place: its name is said again, in detail.
        first = next(line for line in heard.splitlines() if "(" in line)
        name = first[first.rindex("(") - 12 : first.rindex(")") + 1].strip(" ,:")
        before = len(said)
        await phone.meant(call, Typed("1"))
        details = "\n".join(part.words for words in said[before:] for part in words)
        assert details.strip(), details
        assert heard.count(name) == 1, (lang, name, heard)
    finally:
        phone.prompts.close()  # type: ignore[union-attr]
