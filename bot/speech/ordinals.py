"""Ordinals in the languages whose ICU rules have none: the day of a date, the hour of a
clock.

Ukrainian, Polish and Persian say a date's day as an ordinal ("перше грудня", "pierwszego
grudnia", "یکم دسامبر"), and Romanian says the first of a month "întâi"; ICU's spell-out
rules for these languages have cardinals only. A translator chooses these words with the
day rule "ordinal" (bot/speech/dates.py).

Ukrainian says the hour of a clock as a feminine ordinal (the hour, "година", understood),
in the case the word before it asks for: "десята", "о десятій", "з десятої до
тринадцятої", "на десяту". A translator chooses it with the hours' rule "ordinal"
(bot/speech/script.py). Polish says it so too ("o osiemnastej", "do osiemnastej", "godzina
osiemnasta"), its rule "ordinal" as well; Russian says a cardinal, in the case the word
before asks for ("до восемнадцати", "с десяти"), by ICU's cased rule sets: its rule
"cased".
"""

from __future__ import annotations

from collections.abc import Callable

# Ukrainian: neuter nominative ("перше грудня"), as a date is said.
_UK_UNITS = (
    "",
    "перше",
    "друге",
    "третє",
    "четверте",
    "п’яте",
    "шосте",
    "сьоме",
    "восьме",
    "дев’яте",
)
_UK_TEENS = (
    "десяте",
    "одинадцяте",
    "дванадцяте",
    "тринадцяте",
    "чотирнадцяте",
    "п’ятнадцяте",
    "шістнадцяте",
    "сімнадцяте",
    "вісімнадцяте",
    "дев’ятнадцяте",
)
_UK_TENS = {2: ("двадцять", "двадцяте"), 3: ("тридцять", "тридцяте")}

# Polish: masculine genitive ("pierwszego grudnia"), as a date is read.
_PL_UNITS = (
    "",
    "pierwszego",
    "drugiego",
    "trzeciego",
    "czwartego",
    "piątego",
    "szóstego",
    "siódmego",
    "ósmego",
    "dziewiątego",
)
_PL_TEENS = (
    "dziesiątego",
    "jedenastego",
    "dwunastego",
    "trzynastego",
    "czternastego",
    "piętnastego",
    "szesnastego",
    "siedemnastego",
    "osiemnastego",
    "dziewiętnastego",
)
_PL_TENS = {2: "dwudziestego", 3: "trzydziestego"}


def _tabled(
    day: int, units: tuple[str, ...], teens: tuple[str, ...], tens: Callable[[int, int], str]
) -> str:
    ten, unit = divmod(day, 10)
    if ten == 0:
        return units[unit]
    if ten == 1:
        return teens[unit]
    return tens(ten, unit)


def _uk(day: int) -> str:
    def tens(ten: int, unit: int) -> str:
        cardinal, ordinal = _UK_TENS[ten]
        return f"{cardinal} {_UK_UNITS[unit]}" if unit else ordinal

    return _tabled(day, _UK_UNITS, _UK_TEENS, tens)


def _pl(day: int) -> str:
    def tens(ten: int, unit: int) -> str:
        return f"{_PL_TENS[ten]} {_PL_UNITS[unit]}" if unit else _PL_TENS[ten]

    return _tabled(day, _PL_UNITS, _PL_TEENS, tens)


def _fa(day: int, cardinal: str) -> str:
    """Persian: the cardinal with -م ("بیست و چهارم"); three is "سوم", thirty "سی‌ام"."""
    if cardinal.endswith("سه"):
        return cardinal[: -len("سه")] + "سوم"
    if cardinal.endswith("سی"):
        return cardinal + "\u200cام"
    return cardinal + "م"


def day(value: int, lang: str, cardinal: str) -> str | None:
    """The day ``value`` (1-31) as the date's ordinal in ``lang`` (``cardinal``: its
    cardinal words); None where this module has nothing to say."""
    if not 1 <= value <= 31:
        return None
    if lang == "uk":
        return _uk(value)
    if lang == "pl":
        return _pl(value)
    if lang == "fa":
        return _fa(value, cardinal)
    if lang == "ro":
        return "întâi" if value == 1 else cardinal
    return None


# Ukrainian hours: the stem of each feminine ordinal 0-23 (the last word of a compound is
# the one declined: "двадцять першій"), and whether it is soft ("третя", "третьої").
_UK_HOUR_STEMS = (
    "нульов",
    "перш",
    "друг",
    "трет",
    "четверт",
    "п’ят",
    "шост",
    "сьом",
    "восьм",
    "дев’ят",
    "десят",
    "одинадцят",
    "дванадцят",
    "тринадцят",
    "чотирнадцят",
    "п’ятнадцят",
    "шістнадцят",
    "сімнадцят",
    "вісімнадцят",
    "дев’ятнадцят",
    "двадцят",
    "двадцять перш",
    "двадцять друг",
    "двадцять трет",
)
_UK_ENDINGS = {
    "nominative": ("а", "я"),
    "genitive": ("ої", "ьої"),
    "locative": ("ій", "ій"),
    "accusative": ("у", "ю"),
}
# The case each preposition before a clock time asks for ("о десятій", "до десятої").
_UK_CASE_AFTER = {
    "о": "locative",
    "об": "locative",
    "по": "locative",
    "з": "genitive",
    "із": "genitive",
    "зі": "genitive",
    "від": "genitive",
    "до": "genitive",
    "після": "genitive",
    "біля": "genitive",
    "близько": "genitive",
    "на": "accusative",
    "в": "accusative",
    "у": "accusative",
}


# Polish hours: the words of each feminine ordinal 0-23, their stems (every word of a
# compound is declined: "o dwudziestej pierwszej"); a stem ending in g or k takes "i"
# before "ej" ("drugiej").
_PL_HOUR_STEMS = (
    ("zerow",),
    ("pierwsz",),
    ("drug",),
    ("trzeci",),
    ("czwart",),
    ("piąt",),
    ("szóst",),
    ("siódm",),
    ("ósm",),
    ("dziewiąt",),
    ("dziesiąt",),
    ("jedenast",),
    ("dwunast",),
    ("trzynast",),
    ("czternast",),
    ("piętnast",),
    ("szesnast",),
    ("siedemnast",),
    ("osiemnast",),
    ("dziewiętnast",),
    ("dwudziest",),
    ("dwudziest", "pierwsz"),
    ("dwudziest", "drug"),
    ("dwudziest", "trzeci"),
)
_PL_ENDINGS = {"nominative": "a", "genitive": "ej", "locative": "ej", "accusative": "ą"}
# The case each word before a clock time asks for ("o osiemnastej", "do godziny
# osiemnastej", "na osiemnastą").
_PL_CASE_AFTER = {
    "o": "locative",
    "po": "locative",
    "godzinie": "locative",
    "do": "genitive",
    "od": "genitive",
    "z": "genitive",
    "ze": "genitive",
    "koło": "genitive",
    "około": "genitive",
    "przed": "genitive",
    "godziny": "genitive",
    "na": "accusative",
    "godzinę": "accusative",
}
# Russian: the ICU rule set of the cardinal in the case each preposition asks for ("до
# восемнадцати", "к десяти"); "в восемнадцать", the accusative, is the plain number.
_RU_RULE_AFTER = {
    "до": "%spellout-cardinal-masculine-genitive",
    "с": "%spellout-cardinal-masculine-genitive",
    "со": "%spellout-cardinal-masculine-genitive",
    "от": "%spellout-cardinal-masculine-genitive",
    "после": "%spellout-cardinal-masculine-genitive",
    "около": "%spellout-cardinal-masculine-genitive",
    "к": "%spellout-cardinal-masculine-dative",
    "ко": "%spellout-cardinal-masculine-dative",
}


def _pl_hour(value: int, before: str) -> str:
    ending = _PL_ENDINGS[_PL_CASE_AFTER.get(before.casefold(), "nominative")]
    return " ".join(
        stem + ("i" + ending if ending == "ej" and stem[-1] in "gk" else ending)
        for stem in _PL_HOUR_STEMS[value]
    )


def hour(value: int, lang: str, before: str) -> str | None:
    """The hour ``value`` (0-23) of a clock time as ``lang`` says it (an ordinal in
    Ukrainian and Polish), in the form the word ``before`` it asks for; None where this
    module has nothing to say."""
    if not 0 <= value <= 23:
        return None
    if lang == "pl":
        return _pl_hour(value, before)
    if lang == "ru":
        # number_words.py needs nothing of this module.
        from bot.speech.number_words import rule_words

        rule = _RU_RULE_AFTER.get(before.casefold(), "%spellout-cardinal-masculine")
        return rule_words(value, lang, rule)
    if lang != "uk":
        return None
    case = _UK_CASE_AFTER.get(before.casefold(), "nominative")
    stem = _UK_HOUR_STEMS[value]
    return stem + _UK_ENDINGS[case][stem.endswith("трет")]
