"""A caller is told who reads the summary of their request as offers find volunteers: by
district and language, not distance (issue 101, point 7). "Volunteers nearby read a short
summary" was said in all ten languages, usual and easy (the phone's first notice and key 3),
though an offer goes to volunteers of the request's district who speak its languages
(handlers/helping/matching/offer_sending.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

import bot.transports.registry  # noqa: F401 - declares the phone's medium
from handlers.privacy import caller_part
from handlers.reader import Medium, translator_for
from handlers.settings import HandlerSettings, TranslationRules
from locales import SUPPORTED_LANGUAGES

SEEN = "👀 Coordinators in {city} read requests. A helper sees your request and first name."
# "Nearby" as each catalog said it.
NEARBY = {
    "de": "in der Nähe",
    "en": "nearby",
    "ar": "القَرِيبُون",
    "tr": "Yakındaki",
    "uk": "поблизу",
    "ru": "поблизости",
    "ro": "din apropiere",
    "bg": "наблизо",
    "pl": "w pobliżu",
    "fa": "داوطلبان نزدیک",
}


def _unmarked(text: str) -> str:
    """Arabic without its vowel marks, so that a word is found however it is written."""
    return "".join(c for c in text if not "\u064b" <= c <= "\u0652")


@pytest.mark.parametrize("easy", [False, True])
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_a_caller_is_told_who_reads_the_summary(settings: HandlerSettings, lang: str, easy: bool):
    t = translator_for(lang, easy, Medium.SPOKEN)
    for text in (
        t.t(SEEN, city="Dortmund"),
        caller_part(t, replace(settings, translation_rules=TranslationRules("")), ""),
    ):
        assert _unmarked(NEARBY[lang]) not in _unmarked(str(text)), (lang, easy, text)
