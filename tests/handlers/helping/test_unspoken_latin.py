"""A text in a language the bot does not speak but written in the Latin alphabet (French,
Spanish, Dutch …) is none of the ten (handlers/helping/text_language.py ``unspoken``; from
a black-box pass). Before, the detector, which knows only the ten, named the nearest:
"Bonjour, j'ai besoin d'aide pour faire mes courses" was English - its writer was not told
that the volunteers may not read it, an English-reading volunteer got it as if written in
their language, and a French first text by SMS was answered in English. Now the
description is kept and its writer is told, in their language, which languages the bot
speaks; a newcomer's first text is answered in the number's or the city's language. A text
in one of the ten, or too short to tell, is labelled as before."""

from __future__ import annotations

import html

import pytest

from db import Database
from handlers.helping.text_language import detect, first_text_language, unspoken
from locales import SUPPORTED_LANGUAGES, translator
from tests.support.help_story import NORDMARKT
from tests.support.memory_transport import MemoryTransport, readable

FRENCH = "Bonjour, j'ai besoin d'aide pour faire mes courses, merci beaucoup"
OTHERS = [
    FRENCH,
    "Je ne parle pas allemand. Parlez-vous français?",
    "Hola, necesito ayuda con la compra",
    "Ciao, ho bisogno di aiuto con la spesa",
    "Olá, preciso de ajuda com as compras",
    "Hallo, ik heb hulp nodig bij de boodschappen",
    "Përshëndetje, kam nevojë për ndihmë me blerjet",
]
# Ours, some near those languages, some with loan words; and texts too short to tell.
OURS = [
    ("Am nevoie de ajutor cu o scrisoare de la primărie", "ro"),
    ("Caut pe cineva care vorbește română", "ro"),
    ("Ich verstehe den Brief vom Amt nicht", "de"),
    ("The Jobcenter sent me a letter yesterday", "en"),
    ("Termin beim Ausländeramt am Montag", "de"),
    ("Nie rozumiem tego listu z urzędu", "pl"),
    ("Hastaneye gitmem lazım yarın sabah", "tr"),
]


@pytest.mark.parametrize("text", OTHERS)
def test_a_latin_text_in_another_language_is_none_of_the_ten(text: str):
    assert unspoken(text)
    for hints in ((), ("en",), ("de", "en"), ("ro",)):
        assert detect(text, *hints) == "", hints
    # A newcomer's first text: the number's country decides, else the city's first.
    assert first_text_language(text, "de") == "de"
    assert first_text_language(text, None) is None


@pytest.mark.parametrize(("text", "lang"), OURS)
def test_a_text_in_one_of_the_ten_keeps_its_language(text: str, lang: str):
    assert not unspoken(text)
    assert detect(text) == lang


def test_a_text_too_short_to_tell_is_left_to_the_ten():
    for text in ("Bonjour", "Merci beaucoup", "Pizza Taxi Super"):
        assert not unspoken(text)


async def test_a_french_description_is_kept_and_its_writer_told_the_languages(
    story: MemoryTransport, db: Database
):
    await story.onboard("amadou", "en")
    for data in ("menu:help", "hr:new", "hr:cat:shopping"):
        await story.press("amadou", data)
    await story.text("amadou", FRENCH)
    await story.location("amadou", *NORDMARKT)
    await story.press("amadou", "hr:when:asap")
    out = await story.press("amadou", "hr:langs-done")
    summary = html.unescape(readable(str(out[-1].text)))
    en = translator("en")
    assert FRENCH in summary
    # Not passed off as English: the warning, with every language the bot speaks.
    assert f"({en.language('en')})" not in summary
    assert all(en.language(code) in summary for code in SUPPORTED_LANGUAGES), summary
    await story.press("amadou", "hr:send")
    amadou = await db.users.find("memory", "amadou")
    [request] = await db.requests.for_requester(amadou.id)
    assert request.description == FRENCH and request.description_lang == ""
