"""The day of a date as an ordinal, in the languages whose ICU rules have none.

Ukrainian, Polish and Persian say a date's day as an ordinal ("перше грудня", "pierwszego
grudnia", "یکم دسامبر"), and Romanian says the first of a month "întâi"; ICU's spell-out
rules for these languages have cardinals only. A translator chooses these words with the
day rule "ordinal" (bot/speech/dates.py).
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
