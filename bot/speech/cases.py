"""A number in the case the word before it asks for, in the languages that decline their
numbers: Russian, Ukrainian and Polish (issue 101, point 1).

"po 7 dniach" was said "po siedem dniach", "около 500 метров" "около пятьсот метров",
"Часть 1 из 5" "Часть один из пять": a number after a preposition in the nominative. Now a
number right after a preposition is said in the case the preposition governs ("po siedmiu
dniach", "около пятисот метров", "близько п’ятисот метрів", "z pięciu"), and a part's
number after the language's word for part as the ordinal that agrees with it ("Часть
первая из пяти", "Частина перша з п’яти", "Część pierwsza z pięciu"), as Arabic says its
parts (arabic_parts.py).

The words come from libraries that know the cases: ICU's cased rule sets for Russian and
Polish ("%spellout-cardinal-masculine-genitive", number_words.py ``rule_words``),
num2words' cases for Ukrainian (ICU has none), with its two slips mended (the genitive of
the hundreds, "п’ятиста" for "п’ятисот", and "тисячи" for "тисячі"). This module only knows
which case each preposition asks for: where one asks for two (Russian "с" with the
genitive, "from", or the instrumental, "with"), the one a number after it has in the bot's
texts ("from"). Prepositions whose case is the nominative's form for a number (the
accusative: "на 5 дней", "za 5 minut"), the distributive "по" of Russian and Ukrainian
("по пять") and "о"/"o", whose case depends on the sense ("o pięć więcej"), are not
listed: the plain number is said. Polish "po" is "after" in the bot's texts ("po 7 dniach"),
the locative.
"""

from __future__ import annotations

import re
from functools import cache

from bot.speech import ordinals
from bot.speech.number_words import rule_words

# The languages whose numbers take the case of the word before them.
LANGUAGES = ("ru", "uk", "pl")
# The case of a number after each preposition.
_CASE_AFTER = {
    "ru": {
        **dict.fromkeys(
            (
                "до",
                "от",
                "с",
                "со",
                "из",
                "изо",
                "около",
                "после",
                "без",
                "для",
                "кроме",
                "более",
                "менее",
                "свыше",
                "вокруг",
            ),
            "genitive",
        ),
        **dict.fromkeys(("к", "ко"), "dative"),
        **dict.fromkeys(("при",), "prepositional"),
        **dict.fromkeys(("перед", "между", "над", "под"), "instrumental"),
    },
    "uk": {
        **dict.fromkeys(
            (
                "до",
                "від",
                "з",
                "із",
                "зі",
                "близько",
                "біля",
                "після",
                "без",
                "для",
                "крім",
                "протягом",
                "впродовж",
                "більше",
                "менше",
            ),
            "genitive",
        ),
        **dict.fromkeys(("при",), "locative"),
        **dict.fromkeys(("перед", "між", "над", "під"), "instrumental"),
    },
    "pl": {
        **dict.fromkeys(
            (
                "do",
                "od",
                "z",
                "ze",
                "około",
                "koło",
                "bez",
                "dla",
                "oprócz",
                "powyżej",
                "poniżej",
                "spośród",
                "wśród",
            ),
            "genitive",
        ),
        **dict.fromkeys(("po", "przy"), "locative"),
        **dict.fromkeys(("przed", "między", "nad", "pod"), "instrumental"),
    },
}
# The word for a part (of the privacy notice on the phone, "Part 2 of 5"): the part's number
# after it is a feminine ordinal, as the word is feminine in all three.
_PART = {"ru": "часть", "uk": "частина", "pl": "część"}

# num2words' Ukrainian genitive of the hundreds ("п'ятиста") and of "тисяча" ("тисячи").
_UK_MENDED = (
    (re.compile(r"(?<=[иох])ста(?!\w)"), "сот"),
    (re.compile(r"(?<!\w)тисячи(?!\w)"), "тисячі"),
)


def case_after(lang: str, before: str) -> str | None:
    """The case a number after the word ``before`` takes in ``lang``, or None (the plain
    number)."""
    return _CASE_AFTER.get(lang, {}).get(before.casefold())


def cased(value: int, lang: str, before: str) -> str | None:
    """``value`` in words in the form the word ``before`` it asks for; None where that is
    the plain number."""
    if before.casefold() == _PART.get(lang):
        return _part(value, lang)
    case = case_after(lang, before)
    if case is None or value < 0:
        return None
    return _cardinal(value, lang, case)


@cache
def _cardinal(value: int, lang: str, case: str) -> str | None:
    if lang == "uk":
        from num2words import num2words  # only where Ukrainian is said

        words = str(num2words(value, lang="uk", case=case)).replace("'", "’")
        if case == "genitive":
            for wrong, right in _UK_MENDED:
                words = wrong.sub(right, words)
        return words
    if lang == "ru" and case == "locative":
        case = "prepositional"
    return rule_words(value, lang, f"%spellout-cardinal-masculine-{case}")


def _part(value: int, lang: str) -> str | None:
    if lang == "ru":
        return rule_words(value, lang, "%spellout-ordinal-feminine") if value <= 20 else None
    # The feminine ordinal of the Ukrainian and Polish hour, in the nominative ("перша",
    # "pierwsza"): a notice has fewer parts than a day hours.
    return ordinals.hour(value, lang, "") if 0 < value <= 23 else None


def unit_form(value: int, case: str | None) -> str | None:
    """Which of CLDR's plural forms of a unit is its genitive after ``value`` (None: the
    one of the plain number): "many", the genitive plural in all three ("метров",
    "метрів", "metrów"), or after a number ending in one "other", the genitive singular
    ("двадцати одного метра", "dwudziestu jeden metra")."""
    if case != "genitive":
        return None
    return "other" if value % 10 == 1 and value % 100 != 11 else "many"
