"""A number after a preposition is said in the case it asks for, and no unit's abbreviation
reaches the voice (issue 101, point 1).

Every Polish caller who pressed 3 heard "po siedem dniach"; key 9's pages said "Часть один
из пять", "Частина один з п’ять", "Część jeden z pięć"; distances "около пятьсот метров",
"близько п’ятсот метрів", "około pięćset metrów"; Bulgarian "около петстотин м" said the
letter. Rendered here through the phone's speech path (bot/transports/phone/words/
speech_files.py ``spoken_parts``), usual and easy, from the catalogs' own sentences."""

from __future__ import annotations

import re

import pytest
import regex
from babel import Locale
from babel.messages.pofile import read_po

import bot.transports.registry  # noqa: F401 - declares the phone's medium
from bot.transports.phone.words.speech_files import spoken_parts
from handlers.reader import Medium, translator_for
from locales import SUPPORTED_LANGUAGES
from locales.catalogs import LOCALES_DIR

EASY = [False, True]


def _said(text: str, t) -> str:
    return " ".join(part.words for part in spoken_parts(text, [], t, [t.lang]))


# What a native speaker hears: the ordinal of the part, the count in the genitive.
PART = {
    "ru": "часть первая из пяти",
    "uk": "частина перша з п’яти",
    "pl": "część pierwsza z pięciu",
}


@pytest.mark.parametrize("easy", EASY)
@pytest.mark.parametrize("lang", sorted(PART))
def test_a_part_is_an_ordinal_of_a_count_in_the_genitive(lang: str, easy: bool):
    t = translator_for(lang, easy, Medium.SPOKEN)
    said = _said(str(t.t("📋 Part {n} of {count}.", n=1, count=5)), t)
    assert PART[lang] in said.casefold(), said


# "a point accurate to about 500 m" (the request's place, in the privacy notice).
ABOUT_500_M = {
    "ru": "около пятисот метров",
    "uk": "близько п’ятисот метрів",
    "pl": "około pięciuset metrów",
    "bg": "около петстотин метра",
}
POINT = (
    "Kind of help, your text or voice message, the district (with the postcode, if you gave "
    "one) and a point accurate to about 500 m, when, languages."
)


@pytest.mark.parametrize("easy", EASY)
@pytest.mark.parametrize("lang", sorted(ABOUT_500_M))
def test_a_distance_after_about_is_in_the_genitive(lang: str, easy: bool):
    t = translator_for(lang, easy, Medium.SPOKEN)
    said = _said(str(t.t(POINT)), t)
    assert ABOUT_500_M[lang] in said, said


@pytest.mark.parametrize("easy", EASY)
def test_after_seven_days_in_polish(easy: bool):
    """Key 3's unfinished step and the backups, as a Polish caller hears them."""
    t = translator_for("pl", easy, Medium.SPOKEN)
    for singular, plural in (
        (
            "⏳ An unfinished step is forgotten after {n} day.",
            "⏳ An unfinished step is forgotten after {n} days.",
        ),
        (
            "Backups, kept for restoring after a failure, are deleted after {n} day.",
            "Backups, kept for restoring after a failure, are deleted after {n} days.",
        ),
    ):
        said = _said(str(t.tn(singular, plural, 7)), t)
        assert "po siedmiu dniach" in said, said


# What the catalogs write besides CLDR's forms: Bulgarian "м", "км" (CLDR's are Latin).
WRITTEN = {"bg": ("{0} м", "{0} км")}


def _abbreviations(lang: str) -> set[str]:
    """A language's metre and kilometre abbreviated, as CLDR and its catalog write them."""
    units = Locale.parse(lang)._data["unit_patterns"]
    shapes = set(WRITTEN.get(lang, ()))
    for unit in ("length-meter", "length-kilometer"):
        for length in ("short", "narrow"):
            shapes |= {str(form) for key, form in units[unit][length].items() if key != "per"}
    whole = {
        str(form).replace("{0}", "").strip()
        for unit in ("length-meter", "length-kilometer")
        for key, form in units[unit]["long"].items()
        if key != "per"
    }
    # A short form that is the word itself ("متر") is no abbreviation.
    return {shape.replace("{0}", "").strip() for shape in shapes} - whole - {""}


def _with_a_distance() -> list[str]:
    with open(LOCALES_DIR / "messages.pot", "rb") as fp:
        return [
            m.id if isinstance(m.id, str) else m.id[1]
            for m in read_po(fp)
            if m.id and re.search(r"\d\s?(?:m|km)\b", str(m.id))
        ]


@pytest.mark.parametrize("easy", EASY)
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_no_unit_abbreviation_is_said(lang: str, easy: bool):
    t = translator_for(lang, easy, Medium.SPOKEN)
    short = _abbreviations(lang)
    texts = [t.gettext(msgid) for msgid in _with_a_distance()]
    texts += [str(t.distance(metres)) for metres in (500, 2500, 12000)]
    heard = []
    for text in texts:
        said = _said(text, t)
        words = set(regex.findall(r"[\w\p{M}]+", said))  # a vowel mark is in its word
        if words & short:
            heard.append((text, said))
    assert not heard, heard
