"""Dates as a person says them: "Di., 24. Nov." is heard as "Dienstag, vierundzwanzigster
November", "вт, 24 нояб." as "вторник, двадцать четвёртое ноября".

The bot writes dates with Babel in the reader's locale (locales.Translator: the four date
lengths, "MMMEd" in event lists, "Md" on buttons). Read as written, an engine spells the
abbreviations ("Di", "нояб") and reads the day as a plain number. So each locale's own
date patterns are turned into patterns to find them by (:func:`_finders`), and a date
found is said in the locale's full pattern with whole names, the day and the year in
words by the rule its translators chose (an ordinal where the language says one), and
the year only where it was written and is not this year's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from babel import Locale
from babel.dates import tokenize_pattern

from bot.speech import ordinals
from bot.speech.number_words import number_words, rule_words
from locales import N_, TIMEZONE, Translator

# The rule a date's day and year are said by, as each language's translators choose: an
# ICU spell-out rule set of the language ("%spellout-ordinal-r": "vierundzwanzigster"),
# "ordinal" for a day said by ordinals.py (languages whose ICU rules have no ordinals),
# or "plain" for the number as it is counted.
DAY_RULE = N_("[speech] rule for the day of a date: an ICU spell-out rule set or plain")
YEAR_RULE = N_("[speech] rule for the year of a date: an ICU spell-out rule set or plain")
# The day as said where it stands in the date ("الرابع والعشرون من نوفمبر").
DAY_SAID = N_("[speech] the day of a date where it stands: {day}")
# What is said for an abbreviation after the year ("2026 г." → "… года"); "-": nothing.
YEAR_WORD = N_("[speech] word for the year after a date's year, or -")

# The patterns the bot writes dates in, the longest first: the four lengths, then the
# skeletons of its lists and buttons (locales.Translator.skeleton, a weekday asked for in
# full written in full: "Dienstag, 24. November"), and a day with its month alone, as a
# person types it too ("۲۶ نوامبر", "24. Nov.").
_LENGTHS = ("full", "long", "medium", "short")
_SKELETONS = ("MMMMEd", "MMMEd", "MMMMd", "MMMd", "Md")
_SHORT_WEEKDAY = re.compile(r"(?<![Ec])[Ec]{1,3}+(?![Ec])")
_SPACES = "[\\s\u202f\u00a0]"
_BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u061c"), None)


@dataclass(frozen=True)
class _Finder:
    """One of the locale's date patterns as a regular expression, and what each of its
    groups holds."""

    pattern: re.Pattern[str]
    fields: tuple[str, ...]  # "weekday", "day", "month", "year", "year2" per group


def _names(locale: Locale, kind: str, widths: tuple[str, ...]) -> dict[str, int]:
    """A locale's names of weekdays (0 = Monday) or months (1-12) in ``widths``, in the
    format and stand-alone forms, each to its number."""
    table = locale.days if kind == "days" else locale.months
    found: dict[str, int] = {}
    for context in ("format", "stand-alone"):
        for width in widths:
            for number, name in table.get(context, {}).get(width, {}).items():
                found.setdefault(str(name), number)
    return found


def _alternatives(names: dict[str, int]) -> str:
    return "(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + ")"


def _finder(locale: Locale, pattern: str) -> _Finder | None:
    parts: list[str] = []
    fields: list[str] = []
    for kind, value in _tokens(pattern):
        if kind == "chars":
            text = str(value).translate(_BIDI)
            parts.append("".join(_SPACES if c.isspace() else re.escape(c) for c in text))
            continue
        char, count = value
        if char in "Ec":
            widths = ("wide",) if count == 4 else ("abbreviated", "short")
            parts.append(_alternatives(_names(locale, "days", widths)))
            fields.append("weekday")
        elif char == "d":
            parts.append(r"(\d{1,2})")
            fields.append("day")
        elif char in "ML" and count <= 2:
            parts.append(r"(\d{1,2})")
            fields.append("month")
        elif char in "ML":
            widths = ("wide",) if count == 4 else ("abbreviated",)
            parts.append(_alternatives(_names(locale, "months", widths)))
            fields.append("month-name")
        elif char == "y":
            parts.append(r"(\d{2})" if count == 2 else r"(\d{4})")
            fields.append("year2" if count == 2 else "year")
        else:
            return None  # a field the bot never writes dates with
    regex = r"(?<![\w.,/])" + "".join(parts) + r"(?![\w/])"
    return _Finder(re.compile(regex), tuple(fields))


@cache
def _finders(lang: str) -> tuple[_Finder, ...]:
    locale = Locale.parse(lang)
    patterns = [str(locale.date_formats[length].pattern) for length in _LENGTHS]
    for skeleton in _SKELETONS:
        if skeleton in locale.datetime_skeletons:
            pattern = str(locale.datetime_skeletons[skeleton].pattern)
            patterns += [_SHORT_WEEKDAY.sub("EEEE", pattern), pattern]
    found = (_finder(locale, p) for p in dict.fromkeys(patterns))
    return tuple(f for f in found if f is not None)


@dataclass(frozen=True)
class WrittenDate:
    """What a written date said: always the day and month, the weekday and year if given."""

    day: int
    month: int
    year: int | None = None
    weekday: int | None = None  # 0 = Monday

    def valid(self) -> bool:
        try:
            date(self.year or 2000, self.month, self.day)  # 2000: a leap year
        except ValueError:
            return False
        return True


@cache
def _numbers_of_names(lang: str) -> tuple[dict[str, int], dict[str, int]]:
    """Each weekday name of the locale to its number (0 = Monday), each month name to its."""
    locale = Locale.parse(lang)
    days = _names(locale, "days", ("wide", "abbreviated", "short"))
    return days, _names(locale, "months", ("wide", "abbreviated"))


def _read(match: re.Match[str], finder: _Finder, lang: str) -> WrittenDate:
    values: dict[str, int] = {}
    days, months = _numbers_of_names(lang)
    for field, text in zip(finder.fields, match.groups(), strict=True):
        if field == "weekday":
            values["weekday"] = days[text]
        elif field == "month-name":
            values["month"] = months[text]
        elif field == "year2":
            values["year"] = 2000 + int(text)
        else:
            values[field] = int(text)
    return WrittenDate(**values)


def said(when: WrittenDate, t: Translator) -> str:
    """The date in words, arranged as the locale's full date; the year only where it was
    written and is not this year's."""
    year = when.year if when.year != datetime.now(TIMEZONE).year else None
    day_rule, year_rule = _rule(t, DAY_RULE), _rule(t, YEAR_RULE)
    out: list[str] = []
    tokens = _full_pattern(t.locale, year is not None, when.weekday is not None)
    for index, (kind, value) in enumerate(tokens):
        previous = tokens[index - 1] if index else ("chars", "")
        if kind == "chars":
            text = str(value)
            if previous[0] == "field" and previous[1][0] == "d" and day_rule:
                text = text.removeprefix(".")  # "24." is "vierundzwanzigster": no dot said
            if previous[0] == "field" and previous[1][0] == "y" and index == len(tokens) - 1:
                word = t.gettext(YEAR_WORD).strip()  # "2026 г." is "… года"
                text = "" if word in ("-", "", YEAR_WORD) else " " + word
            out.append(text)
            continue
        char = value[0]
        if char in "Ec":
            assert when.weekday is not None
            out.append(str(t.locale.days["format"]["wide"][when.weekday]))
        elif char == "d":
            out.append(t.gettext(DAY_SAID).format(day=_day(when.day, t)))
        elif char in "ML":
            month = str(t.locale.months["format"]["wide"][when.month])
            if index == len(tokens) - 1:
                month = month.removesuffix("\u0654")  # Persian's link to a year not said
            out.append(month)
        elif char == "y":
            assert year is not None
            out.append(rule_words(year, t.lang, year_rule) or number_words(year, t.lang))
    return "".join(out).translate(_BIDI).strip()


def _day(value: int, t: Translator) -> str:
    """The day of a date in words, by the rule the language's translators chose: an ICU
    rule set, "ordinal" for this package's own ordinals (ordinals.py), or the cardinal."""
    cardinal = number_words(value, t.lang)
    rule = t.gettext(DAY_RULE).strip()
    if rule == "ordinal":
        return ordinals.day(value, t.lang, cardinal) or cardinal
    return rule_words(value, t.lang, _rule(t, DAY_RULE)) or cardinal


def _rule(t: Translator, key: str) -> str:
    rule = t.gettext(key).strip()
    return rule if rule.startswith("%") else ""


def _tokens(pattern: str) -> list[tuple[str, Any]]:
    """A CLDR date pattern's fields and the text between them (joined into one piece)."""
    tokens: list[tuple[str, Any]] = []
    for kind, value in tokenize_pattern(pattern):
        if kind == "chars" and tokens and tokens[-1][0] == "chars":
            tokens[-1] = ("chars", tokens[-1][1] + value)
        else:
            tokens.append((kind, value))
    return tokens


def _full_pattern(locale: Locale, year: bool, weekday: bool) -> list[tuple[str, Any]]:
    """The tokens of the locale's full date, without the year or the weekday (and the
    text that joins each to the rest) where they are not said."""
    tokens = _tokens(str(locale.date_formats["full"].pattern))
    for char, wanted in (("y", year), ("E", weekday)):
        at = next((i for i, (k, v) in enumerate(tokens) if k == "field" and v[0] == char), None)
        if wanted or at is None:
            continue
        if at == 0:
            del tokens[0:2]  # "EEEE, " at the start
        elif at + 2 == len(tokens) and tokens[-1][0] == "chars":
            del tokens[at - 1 :]  # " y 'г'." at the end
        else:
            del tokens[at - 1 : at + 1]  # ", y" or " EEEE"
    return tokens


def date_patterns(lang: str) -> list[re.Pattern[str]]:
    """The patterns dates in ``lang`` are found by (bot/speech/script.py lists them all)."""
    return [finder.pattern for finder in _finders(lang)]


def dates_said(text: str, t: Translator) -> str:
    """``text`` with every date the locale writes said in words."""
    for finder in _finders(t.lang):

        def say(match: re.Match[str], finder: _Finder = finder) -> str:
            when = _read(match, finder, t.lang)
            return said(when, t) if when.valid() else match.group(0)

        text = finder.pattern.sub(say, text)
    return text
