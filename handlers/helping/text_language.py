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

A newcomer's first text (:func:`first_text_language`, asked by the SMS transport for a
number whose person chose no language yet) is answered in the language it is written in,
with the language choice still offered: a "مرحبا" was answered "Hallo!" before. A first
text is often a word or two, so the letters only one of the languages writes decide first
(:data:`TELLING`: Persian پ چ ژ گ and its own ی ک beside Arabic ي ك ة; Ukrainian і ї є ґ
beside Russian ы э ё and Bulgarian ѝ; Turkish ğ ı ş, Polish ą ć ę ł ń ś ź ż, Romanian ă î
ș ț); then the detector, the number's country (``locales.phone_numbers.language_hint``) a
hint as above. A text in the Latin alphabet without such letters ("Hello", "Merhaba") is
too short for the models to be sure: unless the detector is sure (:data:`SURE`), the
number's country decides, else the city's first language. So it does for a text in
another alphabet that the detector is unsure of, when the number's language is written in
that alphabet ("Добрий день" from a Ukrainian number: Ukrainian, not Russian).

A text in a language the bot does not speak is none of the ten, though the detector, knowing
only those, names the nearest ("Bonjour, j'ai besoin d'aide pour mes courses" was English,
"necesito ayuda con la compra" Romanian: its writer was never told that nobody may read it,
an English reader got it as written in their language, a French first text by SMS was
answered in English). A second detector (:func:`_wider`) also knows the languages people
here write that the bot does not speak (:data:`UNSPOKEN`: those of Europe and of the
countries people come from written in the Latin alphabet, where lingua has them). A Latin
text of at least :data:`UNSPOKEN_WORDS` words, without letters only one of the ten writes,
that it is sure (:data:`UNSPOKEN_SURE`) is one of those is in no language of the bot's
(:func:`unspoken`): :func:`detect` answers "" (a request's description is kept and its
writer told in which languages to write it, requests_flow.py ``_summary``), and
:func:`first_text_language` the number's country or None (then the city's first). Shorter
texts are left to the ten: "Merci beaucoup", "Pizza", "Super" are too short to tell.

Cost: the detector is built on first use, once (not at import), in lingua's low-accuracy mode
(trigram models only) with its models preloaded: ~23 MB and 0.1 s, then ~1 ms for a short
text. The high-accuracy mode costs ~350 MB for hardly better results on texts this short.
The wider detector is built on first use too, its models loaded as a text needs them (a
Latin text: the Latin ones), and asked only of texts of :data:`UNSPOKEN_WORDS` words or more.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import cache

from babel import Locale
from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from locales import SUPPORTED_LANGUAGES

# A hint language wins if its confidence is at least this share of the best language's.
HINT_RATIO = 0.4
# A first text in the Latin alphabet is taken for the detector's language only this sure:
# "Hello" is 0.44 Polish, "Merhaba" 0.51 German; whole sentences are ~1.0.
SURE = 0.8
# Languages people here may write that the bot does not speak, in the Latin alphabet
# (lingua's names): the wider detector tells a Latin text in one of them from the ten's.
# Not those of the ten's other alphabets: Serbian took a Bulgarian sentence (0.87), Urdu
# could take Persian; nor the Scandinavian ones, which took English and German with loan
# words ("The Jobcenter sent me a letter" Danish, 0.9). A text in an alphabet none of the
# ten writes (Greek, Chinese) gets no scores from the ten's detector, and so "" already.
UNSPOKEN = (
    "FRENCH",
    "SPANISH",
    "ITALIAN",
    "PORTUGUESE",
    "DUTCH",
    "ALBANIAN",
    "CROATIAN",
    "BOSNIAN",
    "HUNGARIAN",
    "CZECH",
    "SLOVAK",
    "SLOVENE",
    "VIETNAMESE",
    "SOMALI",
    "SWAHILI",
    "AZERBAIJANI",
    "LITHUANIAN",
    "LATVIAN",
    "ESTONIAN",
    "FINNISH",
)
# Words a text needs before the wider detector is asked whether it is in none of the ten,
# and how sure it must be. Measured on 50 sentences in 11 such languages and on the 10,475
# Latin texts of the de, en, tr, pl and ro catalogs: at 4 words and 0.9, 44 of the 50 found
# (Croatian and Czech with Polish letters are not) and 11 catalog texts taken (fragments
# such as "Diesen Ort abonnieren"); at 3 and 0.8, 104 (60 of them Romanian).
UNSPOKEN_WORDS = 4
UNSPOKEN_SURE = 0.9
# Letters one of the languages writes and those sharing its alphabet do not (or hardly);
# Arabic and Persian letters by code point, as the two look alike.
TELLING = {
    "fa": "\u067e\u0686\u0698\u06af\u06cc\u06a9",  # پ چ ژ گ, Persian ye and kaf
    "ar": "\u064a\u0643\u0629\u0649",  # Arabic ye and kaf, ta marbuta, alef maksura
    "uk": "іїєґ",
    "ru": "ыэё",
    "bg": "ѝ",
    "tr": "ğışİ",
    "pl": "ąćęłńśźż",
    "ro": "ăîșțţ",
    "de": "äß",
}


@cache
def _detector() -> LanguageDetector:
    codes = (IsoCode639_1.from_str(code) for code in SUPPORTED_LANGUAGES)
    return (
        LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )


@cache
def _wider() -> LanguageDetector:
    """The ten and :data:`UNSPOKEN`; models loaded as texts need them."""
    ours = (Language.from_iso_code_639_1(IsoCode639_1.from_str(c)) for c in SUPPORTED_LANGUAGES)
    others = (getattr(Language, name) for name in UNSPOKEN)
    return LanguageDetectorBuilder.from_languages(*ours, *others).with_low_accuracy_mode().build()


def unspoken(text: str) -> bool:
    """Whether ``text`` is surely written in a language the bot does not speak: long enough
    to tell (:data:`UNSPOKEN_WORDS`), without letters only one of the ten writes
    (:data:`TELLING`: Romanian's ș ț ă, Turkish ğ ı ş, Polish ł ę …, which the wider
    detector took for Spanish or Portuguese), and the wider detector sure
    (:data:`UNSPOKEN_SURE`) it is one of :data:`UNSPOKEN`."""
    if sum(any(char.isalpha() for char in word) for word in text.split()) < UNSPOKEN_WORDS:
        return False
    if _told_by_letters(text) is not None:
        return False
    values = _wider().compute_language_confidence_values(text)
    if not values:
        return False
    best = values[0]
    return best.language.name in UNSPOKEN and best.value >= UNSPOKEN_SURE


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
    script = script_of(text)
    if script == "LATIN" and unspoken(text):
        return ""
    return _chosen(script, confidences(text) if script is not None else {}, hints)


def _chosen(script: str | None, scores: dict[str, float], hints: tuple[str | None, ...]) -> str:
    """:func:`detect`'s choice from the detector's ``scores`` of a text in ``script``."""
    languages = [code for code in hints if code in SUPPORTED_LANGUAGES]
    if script is None:
        return languages[0] if languages else ""
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


def first_text_language(text: str, number_hint: str | None = None) -> str | None:
    """The language of a newcomer's first ``text``: its telling letters, else the
    detector's, the number's country (``number_hint``) deciding close cases and short texts
    in the Latin alphabet; None when neither tells."""
    hint = number_hint if number_hint in SUPPORTED_LANGUAGES else None
    told = _told_by_letters(text)
    if told is not None:
        return told
    script = script_of(text)
    if script == "LATIN" and unspoken(text):
        return hint
    # The detector once: its scores choose, and say how sure the choice is.
    scores = confidences(text) if script is not None else {}
    found = _chosen(script, scores, (hint,))
    if not found or found == hint:
        return hint
    unsure = scores.get(found, 0.0) < SURE
    # A short text the detector is unsure of: the number's country decides, in the Latin
    # alphabet always, in another only for a language written in it ("سلام" from a Syrian
    # number is Arabic, not Persian; "Добрий день" from a Ukrainian one Ukrainian).
    if unsure and (script == "LATIN" or (hint and _language_script(hint) == script)):
        return hint
    return found


def _told_by_letters(text: str) -> str | None:
    """The language whose telling letters the text holds most of; None without any, or
    when two hold as many."""
    # Each letter as written and in lower case ("İ" lowers to two characters).
    written = [(char, char.lower()) for char in text]
    counts = Counter(
        {
            code: sum(char in letters or lower in letters for char, lower in written)
            for code, letters in TELLING.items()
        }
    )
    ranked = [(code, n) for code, n in counts.most_common(2) if n]
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]
