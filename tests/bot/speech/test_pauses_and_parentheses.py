"""Arabic easy keys, a parenthesis across the voices, Latin commas in Arabic and Persian
lines (issue 101, points 4, 5 and 6).

- Arabic easy key lines ended "،." and a place's status ran into its key: "مغلق واحد،."
  ("closed one"). Now the key is set apart as in the usual catalog: "مغلق: اِضْغَط واحد."
- The translation service's name in parentheses ("DeepL (DeepL SE, Кёльн, Германия)") was
  broken by the switch to the city's voice for the Latin name in uk, ru, bg, ar and fa: a
  part said ")" without its "(" and the voice changed inside. Now a parenthesis the voices
  would split is said as a pause, each part without one.
- A place's line said "مترًا, مغلق" with a Latin comma (the dot between its parts, "·", a
  pause): now the language's comma, in every Arabic and Persian part said; no Latin comma
  between Arabic-script words in any texted form either.

Spoken forms through the phone's path (a caller's list of places through the phone
transport, tests/support/sip/keypad_phone.py; key 3's caller part through spoken_parts),
texted forms through the SMS path (form_of, then the segments' folding)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from markupsafe import Markup

import bot.transports.registry  # noqa: F401 - declares the phone's and SMS's media
from bot.transports.phone.words.speech_files import spoken_parts
from bot.transports.phone.words.what_keys_mean import Typed
from bot.transports.sms.segments import folded
from db import Database
from handlers.dispatcher import Dispatcher
from handlers.media.texted_form import form_of
from handlers.messages import Button, Command, Message
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from handlers.privacy import caller_part
from handlers.reader import Medium, translator_for
from handlers.settings import HandlerSettings, TranslationRules
from locales import SUPPORTED_LANGUAGES
from locales.catalogs import LOCALES_DIR
from tests.support.sip.keypad_phone import hearing, keypad_phone, known_caller

ROOT = Path(__file__).resolve().parents[3]
SAMPLE_PLACES = ROOT / "data" / "dortmund" / "places-sample.csv"
# A Latin comma between two words of Arabic script (a figure or a Latin name beside it is
# another matter).
LATIN_COMMA = re.compile(r"[\u0600-\u06ff][\u064b-\u0652]*+\s*+,\s*+[\u0600-\u06ff]")


@pytest.mark.parametrize("easy", [False, True])
@pytest.mark.parametrize("lang", ["ar", "fa"])
async def test_a_callers_list_of_places_in_arabic_and_persian(
    dispatcher: Dispatcher, db: Database, lang: str, easy: bool
) -> None:
    await import_places(db, SAMPLE_PLACES, load_gazetteer("data/dortmund"), default_source="s")
    phone, call, _ = keypad_phone(dispatcher)
    said = hearing(phone)
    await known_caller(phone, call, db, lang, easy=easy)
    await phone.meant(call, Command("menu"))
    await phone.meant(call, Typed("1"))  # find a place
    before = len(said)
    await phone.meant(call, Typed("44147"))
    parts = [part for words in said[before:] for part in words if part.lang == lang]
    heard = "\n".join(part.words for part in parts)
    t = await phone.voice.words(call)
    closed = t._("🔴 closed").removeprefix("🔴").strip()
    assert closed in heard, heard  # the sample's places are closed at the test's hour
    assert "," not in heard, heard  # the language's comma, never a Latin one
    assert "،." not in heard and not re.search(r"،\s*+$", heard, re.MULTILINE), heard
    # The status, then a pause before the key: never the key's number right after it.
    for line in heard.splitlines():
        if closed in line:
            after = line[line.rindex(closed) + len(closed) :]
            assert after[:1] in (".", ":"), (lang, easy, line)


@pytest.mark.parametrize("easy", [False, True])
@pytest.mark.parametrize("lang", ["uk", "ru", "bg", "ar", "fa"])
def test_a_parenthesis_is_said_in_one_voice(settings: HandlerSettings, lang: str, easy: bool):
    t = translator_for(lang, easy, Medium.SPOKEN)
    for service, name in (("deepl", "DeepL"), ("libretranslate", "LibreTranslate")):
        text = caller_part(
            t, replace(settings, translation_rules=TranslationRules(service)), "Dortmund"
        )
        parts = spoken_parts(str(text), [], t, SUPPORTED_LANGUAGES)
        for part in parts:
            assert part.words.count("(") == part.words.count(")"), (lang, service, part)
            if part.lang in ("ar", "fa"):
                assert not LATIN_COMMA.search(part.words), part
        # The name itself is still said, by the city's voice.
        assert any(part.lang == "de" and name in part.words for part in parts), parts


def _with_a_comma(lang: str) -> list[str]:
    texts = []
    for domain in ("messages", "easy"):
        with open(LOCALES_DIR / lang / "LC_MESSAGES" / f"{domain}.po", "rb") as fp:
            for m in read_po(fp):
                strings = m.string if isinstance(m.string, tuple) else (m.string,)
                texts += [s for s in strings if s and "," in s]
    return texts


@pytest.mark.parametrize("easy", [False, True])
@pytest.mark.parametrize("lang", ["ar", "fa"])
def test_no_latin_comma_between_arabic_words_said_or_texted(lang: str, easy: bool):
    spoken = translator_for(lang, easy, Medium.SPOKEN)
    texted = translator_for(lang, easy, Medium.TEXTED)
    wrong = []
    for text in _with_a_comma(lang):
        if re.search(r"\[[^\]]*,[^\]]*\]", text):
            continue  # a data format's own comma ("[longitude, latitude]" of GeoJSON)
        for part in spoken_parts(text, [], spoken, [lang]):
            if LATIN_COMMA.search(part.words):
                wrong.append(("said", part.words))
        form = form_of(Message(Markup(text), [[Button("x", "a:1")]]), texted)
        assert form is not None
        if LATIN_COMMA.search(folded(form.body)):
            wrong.append(("texted", form.body))
    assert not wrong, wrong
