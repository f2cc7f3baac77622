"""The meaning shifts native readers found in the easy catalogs (issue 56, point 5) do not
come back: an easy text says what its message says, in simpler words - it never narrows,
widens or changes it. Each check names the fault it guards against."""

from __future__ import annotations

import re

import pytest

from locales import SUPPORTED_LANGUAGES
from tests.locales.test_easy_catalogs import easy_entries

TAP_ALL = "🗣 Which languages do you speak? Tap all that apply, then Done."
ASAP = ("⚡ As soon as possible", "as soon as possible")
NO_PLACES = "😔 No places found. Try fewer filters or another district."
INTRO = (
    "Neighbours help with small everyday things: shopping, going along to appointments, "
    "forms, a smartphone, company. Not with work that needs a professional trade."
)
WINDOW = ("↔️ Flexible, in a time window", "flexible, in a time window")

# "Tap all" read as "tap every language": the easy text names the reader's own languages.
YOUR_LANGUAGES = {
    "de": r"Ihre Sprachen",
    "en": r"your languages",
    "ar": r"لغاتك",
    "tr": r"Konuştuğunuz dillere",
    "uk": r"свої мови",
    "ru": r"свои языки",
    "ro": r"limbile dumneavoastră",
    "bg": r"своите езици",
    "pl": r"swoje języki",
    "fa": r"زبان‌های خودتان",
}
# "As soon as possible" became "fast", "urgent", "immediately".
NOT_ASAP = r"^(⚡ )?(Schnell|Hemen|فوری|Быстро|Швидко|بسرعة|Soon|Repede|Бързо|Szybko)$"
# "Try fewer filters": the way out for a reader with a filter set.
FILTERS = {
    "de": "Filter",
    "en": "filter",
    "ar": "فلاتر",
    "tr": "filtre",
    "uk": "фільтр",
    "ru": "фильтр",
    "ro": "filtre",
    "bg": "филтри",
    "pl": "filtrów",
    "fa": "فیلتر",
}
# The easy intro says again that trade work is not done.
TRADE = {
    "de": "Handwerker",
    "en": "tradesperson",
    "ar": "الحرفيين",
    "tr": "Usta",
    "uk": "майстрів",
    "ru": "мастеров",
    "ro": "meseriaș",
    "bg": "майстори",
    "pl": "fachowca",
    "fa": "استادکار",
}
# A category label keeps both halves of what it offers ("Forms and letters", not
# "Letters"); the word that the narrowed labels had lost.
CATEGORY_WORDS = {
    "Forms and letters": {
        "de": "Formulare",
        "en": "Forms",
        "ar": "الاستمارات",
        "tr": "Formlar",
        "uk": "Бланки",
        "ru": "Бланки",
        "ro": "Formulare",
        "bg": "Формуляри",
        "pl": "Formularze",
        "fa": "فرم",
    },
    "Smartphone and computer": {
        "de": "Computer",
        "en": "computer",
        "ar": "الحاسوب",
        "tr": "bilgisayar",
        "uk": "комп’ютер",
        "ru": "компьютер",
        "ro": "calculator",
        "bg": "компютър",
        "pl": "komputer",
        "fa": "کامپیوتر",
    },
}
# Small jobs at home are no renovation (the trade work the bot excludes), nor repairs.
NOT_SMALL_JOBS = r"Ремонт|Reparieren|Repairs|Reparații|Поправки|Naprawy|Tamir|تعمیر|التصليح"


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_easy_texts_keep_the_meaning(lang):
    easy = easy_entries(lang)
    assert re.search(YOUR_LANGUAGES[lang], easy[TAP_ALL]), easy[TAP_ALL]
    for msgid in ASAP:
        assert not re.search(NOT_ASAP, easy[msgid]), easy[msgid]
    assert FILTERS[lang].casefold() in easy[NO_PLACES].casefold(), easy[NO_PLACES]
    assert TRADE[lang].casefold() in easy[INTRO].casefold(), easy[INTRO]
    for msgid, words in CATEGORY_WORDS.items():
        assert words[lang].casefold() in easy[msgid].casefold(), easy[msgid]
    assert not re.search(NOT_SMALL_JOBS, easy["Small jobs at home"])


def test_the_button_and_the_summary_name_the_same_time():
    """ "Flexible, in a time window": the button and the request's summary say one idea."""
    for lang in ("de", "tr", "uk", "ru"):
        easy = easy_entries(lang)
        button, summary = easy[WINDOW[0]], easy[WINDOW[1]]
        core = button.removeprefix("↔️ ").casefold()
        assert core.split()[-1][:4] in summary.casefold(), (lang, button, summary)


def test_word_by_word_faults_of_the_review():
    de, ar, tr, fa = (easy_entries(lang) for lang in ("de", "ar", "tr", "fa"))
    # Every other place says "Anfrage".
    assert "Anfrage" in de["My requests"]
    # "Ort" is this bot's word for a meeting place; sending one's location is no place.
    assert not re.search(r"\bOrt\b", de["Share my location"])
    # A button that sends the location says that it sends it.
    assert ar["Share my location"] != "موقعي" and "أرسل" in ar["Share my location"]
    assert tr["Share my location"] != "Konumum" and "gönder" in tr["Share my location"]
    # Cancel is "Abbrechen", not a traffic sign.
    assert de["Cancel"] == "Abbrechen"
    # A middle dot splits compounds, never a participle.
    assert not [t for t in de.values() if re.search(r"\bweiter·ge", t)]
    # Persian "کی" is both "when" and "who": never alone as a word.
    assert not [t for t in fa.values() if re.search(r"(?<![\w\u200c])کی(?![\w\u200c])", t)]


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_another_language_means_one_more_not_a_different_one(lang):
    easy = easy_entries(lang)
    different = {"uk": r"\b(Інша|іншій|іншою)\b", "ru": r"(Другой|другом)"}[lang]
    for msgid in ("Another language", "🗣 Do you speak another language as well?"):
        assert not re.search(different, easy[msgid]), easy[msgid]
