"""Which language a person's text is written in: the label of a request's description
(``description_lang``, set where a requester writes it in ``requests_flow`` and where a
coordinator edits it in ``lifecycle.correct_text``) and the source language for translation.

``detect(text, *hints)`` answers with one of the languages in play, the ten the bot speaks
(``locales.SUPPORTED_LANGUAGES``), or "" when it cannot tell. The detector (lingua) is
restricted to those ten, so a text is never labelled with a language nobody here reads, and
languages that share an alphabet are told apart: a Turkish text written by someone chatting in
German is "tr", Ukrainian, Russian and Bulgarian are not confused on whole sentences, nor
Arabic and Farsi.

The hints are the writer's own languages, most telling first (the text's earlier label, the
chat language, declared languages). They decide what the text alone cannot: a short text is
often plausible in several languages ("Благодаря" is Bulgarian and Russian, "Tak" Polish but
could be English or Turkish). The rule: the first hint whose confidence is at least
``HINT_RATIO`` (0.4) × the best language's confidence wins; otherwise the best language.
Tuned on ~150 phrases of one to three words in the ten languages, with the writer's own
language, German or a neighbouring language (uk/ru, ar/fa …) as the hint: below 0.4 a wrong
hint overrules a right detection more often, above it a right hint helps less. Whole
sentences are not overruled (the other languages' confidence is ~0 there).

A text without letters (a phone number, digits, emoji) gets the first hint, or "". Words
under three letters ("Да", "ok", "Ja") are too short for the models; such a text gets the
first hint written in its alphabet, or "" ("Да" by someone chatting in German is no German).
The alphabet of each language is read from its own name in CLDR (Babel), so a new language
needs no entry here.

Cost: the detector is built on first use, once (not at import), in lingua's low-accuracy mode
(trigram models only) with its models preloaded: ~23 MB and 0.1 s, then ~1 ms for a short
text. The high-accuracy mode costs ~350 MB for hardly better results on texts this short.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import cache

from babel import Locale
from lingua import IsoCode639_1, LanguageDetector, LanguageDetectorBuilder

from locales import SUPPORTED_LANGUAGES

# A hint language wins if its confidence is at least this share of the best language's.
HINT_RATIO = 0.4


@cache
def _detector() -> LanguageDetector:
    codes = (IsoCode639_1.from_str(code) for code in SUPPORTED_LANGUAGES)
    return (
        LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )


def confidences(text: str) -> dict[str, float]:
    """Each language in play with its confidence (0 … 1) that ``text`` is written in it;
    empty when the detector cannot judge the text at all."""
    return {
        value.language.iso_code_639_1.name.lower(): value.value
        for value in _detector().compute_language_confidence_values(text)
        if value.value > 0
    }


def detect(text: str, *hints: str | None) -> str:
    """The language ``text`` is written in (a code of ``SUPPORTED_LANGUAGES``), the writer's
    ``hints`` deciding between close candidates; "" when it cannot tell."""
    languages = [code for code in hints if code in SUPPORTED_LANGUAGES]
    script = script_of(text)
    if script is None:
        return languages[0] if languages else ""
    scores = confidences(text)
    if not scores:
        return next((code for code in languages if _language_script(code) == script), "")
    best = max(scores, key=scores.__getitem__)
    return next(
        (code for code in languages if scores.get(code, 0.0) >= HINT_RATIO * scores[best]),
        best,
    )


def _script(char: str) -> str:
    """The first word of a letter's Unicode name: LATIN, ARABIC, CYRILLIC …"""
    return unicodedata.name(char, "?").split(" ", 1)[0]


def script_of(text: str) -> str | None:
    """The alphabet most of the text's letters are in; None for a text without letters."""
    counts = Counter(_script(char) for char in text if char.isalpha())
    return counts.most_common(1)[0][0] if counts else None


@cache
def _language_script(code: str) -> str | None:
    return script_of(Locale.parse(code).get_display_name(code) or "")
