"""What is said: a message as it was sent, turned into the words an engine reads aloud.

Icons, markup, quote bars and bidi marks are left out (a name is read as written; the
picture of a door code is said by its name); clock times, dates, money, distances,
durations and numbers are written out as words of the language, so that every engine
reads them alike and the way a person says them ("vierzehn Uhr dreißig", "zwölf Euro
fünfzig", "eine Stunde sechsunddreißig Minuten"); then the buttons are named in order
("Erster Knopf: Orte finden."), so that someone who cannot read them knows which one to
press.

Numbers become words by the CLDR spell-out rules of ICU (PyICU), the one library that
has them for all ten languages (num2words lacks Bulgarian); the sentences around them
("{hours} Uhr {n}", "Erster Knopf: {label}.") are the translators', in the catalogs.
Dates are found by the locale's own patterns and said whole (dates.py); Arabic numbers
take the gender of what they count (arabic.py).

Anyone can make the bot say a text (a relayed message, a request, a tap on 🔊), so saying
one costs time in proportion to its length, whatever it holds: the text is cut to
``MOST_WRITTEN`` characters before any pattern runs, and every pattern is linear by its
shape (``LINEAR``, checked by tests/bot/speech/test_long_texts.py): an unbounded repeat is
possessive, so it never gives back what it took, and a pattern that begins with a run of
digits or spaces may only begin where that run begins (a lookbehind), so that a run is
scanned once, not once from each of its characters. A number longer than ``MOST_DIGITS``
digits is said digit by digit: ICU's words for it would be nonsense, or an error.

A message may quote a person's text (handlers/text_safety.quoted: a relayed message, a
request): that text is said in the language it is written in, by that language's voice
and with its own number words ("2,50 €" in a German message is "zwei Euro fünfzig"), the
bot's own words in the reader's. So what is said is a sequence of :class:`Part`, each in
one voice (:func:`parts`). The quoted text's language is told by the one detector of
handlers/helping/text_language.py; where no voice speaks it, the reader's voice says it,
still with its own language's number words: a German "2,50" read by the reader's rules
would even be another number (two hundred and fifty in English), and the reader's number
words inside a German sentence make a sentence of no language at all.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from itertools import chain

from babel import Locale
from babel.numbers import NumberFormatError, parse_decimal
from markupsafe import Markup

from bot.speech import arabic, cases, ordinals
from bot.speech.arabic_parts import parts_in_order
from bot.speech.dates import WrittenDate, date_patterns, dates_said, said
from bot.speech.keys import key_of
from bot.speech.number_words import digit_words, number_words, rule_words
from handlers.helping.text_language import detect
from handlers.media.door_codes import door_codes_named
from handlers.parsing import ascii_digits
from handlers.reader import Medium
from handlers.text_safety import QUOTE_BAR, is_icon
from locales import (
    DEFAULT_LANGUAGE,
    FSI,
    N_,
    PDI,
    SUPPORTED_LANGUAGES,
    Translator,
    language_name,
    translator,
)

# Longest text said at once: a voice message of a few minutes at most.
MOST_CHARACTERS = 2000
# Of a message, what is read at most to find those words (markup and icons included); the
# rest is never looked at.
MOST_WRITTEN = 2 * MOST_CHARACTERS
# Buttons named at most (a page of choices; more would not be listened to).
MOST_BUTTONS = 40
# A longer number is said digit by digit.
MOST_DIGITS = 15

# The patterns this module runs, each linear by its shape (see the module's docstring).
LINEAR: list[re.Pattern[str]] = []


def _linear(pattern: str) -> re.Pattern[str]:
    compiled = re.compile(pattern)
    LINEAR.append(compiled)
    return compiled


_TAG = _linear(r"<[^<>]*+>")
_BIDI = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e"), None
)
# Quote bars before relayed text, list bullets, arrows: marks for the eye only.
_FOR_THE_EYE = dict.fromkeys(map(ord, "│•▶◀←→↔⬅➡"), " ") | {ord("·"): ", ", ord("|"): ", "}
# A middle dot between two letters splits a long compound for the eye (easy language:
# "Daten·schutz", DIN SPEC 33429); the word is said whole, in every engine. Between words
# (spaces around it) the dot separates a list and stays a pause (_FOR_THE_EYE).
_DOT_IN_A_WORD = _linear(r"(?<=\w)·(?=\w)")
# A time may end a clause before a colon ("until 18:00: this is the last ..."); a colon
# with a digit after it makes it part of something else (18:00:30).
_CLOCK = _linear(r"(?<![\d:])([01]?\d|2[0-3]):([0-5]\d)(?!\d|:\d)")
_DATE_DMY = _linear(r"(?<![\d.])(\d{1,2})[./](\d{1,2})[./](\d{4})(?![\d])")
_DATE_ISO = _linear(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
# Long digit strings and those with a leading zero (phone numbers, postcodes) digit by digit.
# Numbers the bot writes have their group signs ("12.500"): five digits and more without
# them are a postcode or a phone number, said digit by digit too.
_DIGITS_ONE_BY_ONE = _linear(r"(?<![\d.,])(0\d++|\d{5,}+)(?![\d])")
# Opening hours and the like: "10:00–19:00".
_CLOCK_RANGE = _linear(
    r"(?<![\d:])(([01]?\d|2[0-3]):[0-5]\d)\s*+[–-]\s*+(([01]?\d|2[0-3]):[0-5]\d)(?!\d|:\d)"
)
# A web address means nothing read out letter by letter: it is left out.
_WEB_ADDRESS = _linear(r"\b(?:https?://|www\.)\S++")
_REQUEST_NUMBER = _linear(r"#(\d++)")
_SPACES = _linear(r"(?<![ \t\u00a0\u202f])[ \t\u00a0\u202f]++")
_SPACE_BEFORE_MARK = _linear(r"(?<!\s)\s++([,.;:!?،؛؟])")
_WORD = _linear(r"(?<!\w)\w++")
# A line of a person's text as the bot quotes it (handlers/text_safety.quoted): after the
# quote bar, their words between an isolate and its end (their own bidi controls removed).
_QUOTED = _linear(re.escape(QUOTE_BAR.strip()) + " ?+" + FSI + "([^\u2066-\u2069\n]*+)" + PDI)


# The grammatical gender each language counts these in ("ein Euro", "едно евро", "ora
# două", "eine Stunde"), as its translators say: one of GENDERS, or an ICU rule set of the
# language (the Arabic hour of a clock, an ordinal), or "ordinal" for this package's own
# ordinals (the Ukrainian and Polish hour of a clock, "о десятій", "o osiemnastej":
# ordinals.py), or "cased" for a cardinal in the case the word before it asks for (the
# Russian hour, "до восемнадцати": ordinals.py); anything else
# (English, Turkish, Persian) counts with the plain number words. The hours and minutes
# of a clock are counted apart from those of a duration: "ein Uhr" but "eine Stunde",
# "الساعة العاشرة" but "ثلاث ساعات".
COUNTED = {
    "hours": N_("[speech] gender of hours: masculine, feminine, neuter or plain"),
    "euros": N_("[speech] gender of euros: masculine, feminine, neuter or plain"),
    "cents": N_("[speech] gender of cents: masculine, feminine, neuter or plain"),
    "minutes": N_("[speech] gender of minutes: masculine, feminine, neuter or plain"),
    "duration-hour": N_(
        "[speech] gender of hours in a duration: masculine, feminine, neuter or plain"
    ),
    "duration-minute": N_(
        "[speech] gender of minutes in a duration: masculine, feminine, neuter or plain"
    ),
    "duration-day": N_(
        "[speech] gender of days in a duration: masculine, feminine, neuter or plain"
    ),
}
GENDERS = ("masculine", "feminine", "neuter")


def counted_words(value: int, t: Translator, kind: str, before: str = "") -> str:
    """``value`` in words as the language counts a ``kind`` of thing: by its gender, or by
    an ICU rule set the translators name ("%spellout-ordinal-feminine": Arabic says the
    hour of a clock as an ordinal, "الساعة العاشرة"), or by this package's ordinals in the
    form the word ``before`` it asks for ("о десятій")."""
    gender = t.gettext(COUNTED[kind]).strip()
    if gender == "twelve-hour":
        return number_words(value % 12 or 12, t.lang)  # 18:00 is "six p.m." (_clock)
    words = _counted_words(value, t, gender, before)
    for wrong, right in _COUNTED_SAID_OTHERWISE.get((t.lang, kind), ()):
        words = wrong.sub(right, words)
    return words


# Where a language counts a kind otherwise than its gender's rule set: Romanian says the
# hour "ora unu", "ora douăzeci și unu" (feminine otherwise: "ora două").
_COUNTED_SAID_OTHERWISE: dict[tuple[str, str], tuple[tuple[re.Pattern[str], str], ...]] = {
    ("ro", "hours"): ((re.compile(r"(?<!\w)una$"), "unu"),),
}


def _counted_words(value: int, t: Translator, gender: str, before: str) -> str:
    if gender in ("ordinal", "cased"):
        return ordinals.hour(value, t.lang, before) or number_words(value, t.lang)
    if t.lang == "ar" and (words := arabic.counted(value, gender)) is not None:
        return words  # the gender of Arabic numbers, which ICU's rules lack (arabic.py)
    if gender.startswith("%"):
        if t.lang == "ar" and (words := arabic.ordinal(value, gender)) is not None:
            return words
        return rule_words(value, t.lang, gender) or number_words(value, t.lang)
    if gender in GENDERS:
        # No such rule set in this language: the plain words.
        return rule_words(value, t.lang, f"%spellout-cardinal-{gender}") or number_words(
            value, t.lang
        )
    return number_words(value, t.lang)


def _symbols(t: Translator) -> tuple[str, str]:
    """The locale's decimal and group signs with Latin digits (see :func:`_latin_numbers`)."""
    symbols = t.locale.number_symbols["latn"]
    return symbols["decimal"], symbols["group"]


@cache
def _native_signs(numbering: str, lang: str) -> tuple[re.Pattern[str], dict[str, str]] | None:
    if numbering == "latn":
        return None
    native, latin = (Locale.parse(lang).number_symbols[system] for system in (numbering, "latn"))
    signs = {native[name]: latin[name] for name in ("decimal", "group", "percentSign")}
    return re.compile("(?<=[0-9])(?:" + "|".join(map(re.escape, signs)) + ")"), signs


def _latin_numbers(text: str, t: Translator) -> str:
    """``text`` with its numbers in Latin digits and signs: a Persian "۱۲٫۵۰" or "۲۵٪" is
    said as "12.50" and "25%" are, whichever digits the bot (locales.numbering_system) or
    a person wrote."""
    text = ascii_digits(text)
    native = _native_signs(t.numbering, t.lang)
    if native is None:
        return text
    pattern, signs = native
    return pattern.sub(lambda m: signs[m.group(0)], text)


def _parse(text: str, t: Translator) -> Decimal | None:
    try:
        return parse_decimal(text, locale=t.locale, numbering_system="latn")
    except (NumberFormatError, InvalidOperation, ValueError):
        return None


# Half past the hour as the language says it: "التاسعة والنصف", "dokuz buçuk", "vierzehn
# Uhr dreißig".
HALF_PAST = N_("[speech] a clock time at half past the hour: {hours}")
# A clock time said with the half of the day, where the language counts hours to twelve
# (English, its hours' rule "twelve-hour": "six thirty p.m."); elsewhere the time alone.
BEFORE_NOON = N_("[speech] a clock time before noon: {time}")
AFTER_NOON = N_("[speech] a clock time from noon on: {time}")


def _clock(match: re.Match[str], t: Translator, before: str) -> str:
    """A clock time in words; ``before``: the word before it (a preposition may ask for
    the hour's form, "о десятій", "до десятої")."""
    hours = int(match.group(1))
    time = _clock_words(hours, int(match.group(2)), t, before)
    return t.gettext(BEFORE_NOON if hours < 12 else AFTER_NOON).format(time=time)


def _clock_words(hours: int, minutes: int, t: Translator, before: str) -> str:
    words_h = counted_words(hours, t, "hours", before)
    if minutes == 0:
        return t.gettext(N_("{hours} o'clock")).format(hours=words_h)
    if minutes == 30:
        return t.gettext(HALF_PAST).format(hours=words_h)
    # Plural forms: where the template names the minutes ("و{n} دقيقة"), the noun follows
    # the number as the language counts (Arabic: دقيقة واحدة, دقيقتان, خمس دقائق).
    words_m = counted_words(minutes, t, "minutes")
    if minutes < 10:
        # "09:05" is "nine oh five", "девять ноль пять" where the language says the zero.
        words_m = t.gettext(N_("[speech] minutes under ten: {n}")).format(n=words_m)
    return t.ngettext("{hours} {n}", "{hours} {n}", minutes).format(hours=words_h, n=words_m)


_WORD_BEFORE = _linear(r"(?<!\w)(\w++)\s*+$")
_WORD_AFTER = _linear(r"^\s*+(\w++)")


def _hour_words(t: Translator) -> set[str]:
    """The language's word for the hour, as its "o'clock" says it ("часа", "Uhr")."""
    template = t.gettext(N_("{hours} o'clock")).replace("{hours}", "")
    return {w.casefold() for w in _WORD.findall(template) if len(w) >= 3}


def _said_already(found: re.Match[str], after: str, own: set[str], hour: set[str]) -> bool:
    """Whether the word after a clock time is one of the time's own words, or their
    abbreviation ("18:00 ч.": "осемнайсет часа", not "… часа ч."), or the abbreviation of
    the hour's word where the time is said without it ("9:30 ч.": "девет и половина", an
    abbreviation is never spoken - issue 80, point 6)."""
    word = found.group(1).casefold()
    if word in own:
        return True
    if after[found.end(1) : found.end(1) + 1] != ".":
        return False
    return any(w.startswith(word) for w in own) or any(
        w.startswith(word) and w != word for w in hour
    )


def _clocks(text: str, t: Translator) -> str:
    """Clock times in words. A word the language's template says itself ("Uhr", "saat",
    "الساعة") and the text already has right beside the time is said once, not twice
    ("öffnet um 14:30 Uhr": "vierzehn Uhr dreißig", not "… dreißig Uhr")."""
    said, rest = [], text
    while (match := _CLOCK.search(rest)) is not None:
        before, after = rest[: match.start()], rest[match.end() :]
        found = _WORD_BEFORE.search(before)
        spoken = _clock(match, t, found.group(1) if found else "")
        own = {w.casefold() for w in _WORD.findall(spoken) if len(w) >= 3}
        # (An abbreviation after it may be shorter: _said_already.)
        if found and found.group(1).casefold() in own:
            before = before[: found.start(1)]
        if (found := _WORD_AFTER.search(after)) and _said_already(
            found, after, own, _hour_words(t)
        ):
            after = after[found.end(1) :]
        said.append(before + spoken)
        rest = after
    return "".join(said) + rest


def _a_date(match: re.Match[str], t: Translator, *, day: int, month: int, year: int) -> str:
    when = WrittenDate(int(match.group(day)), int(match.group(month)), int(match.group(year)))
    return said(when, t) if when.valid() else match.group(0)


def _starts(t: Translator) -> str:
    """Where a number may begin: not inside another, nor after its group or decimal sign
    (a scan from inside a run of digits would scan the rest of it again)."""
    decimal, group = map(re.escape, _symbols(t))
    return rf"(?<!\d)(?<!\d{group})(?<!\d{decimal})"


def _too_long(written: str) -> bool:
    return sum(c.isdigit() for c in written) > MOST_DIGITS


@cache
def _money_pattern(lang: str) -> re.Pattern[str]:
    t = translator(lang)
    decimal, group = map(re.escape, _symbols(t))
    # With group signs ("1.234,50") or without ("12,50", "1234").
    amount = (
        rf"\d{{1,3}}(?:{group}\d{{3}})++(?!\d)(?:{decimal}\d{{2}})?+|\d++(?:{decimal}\d{{2}})?+"
    )
    return re.compile(rf"€\s?+({amount})|{_starts(t)}({amount})\s?+€")


def _money(text: str, t: Translator) -> str:
    def said(match: re.Match[str]) -> str:
        written = match.group(1) or match.group(2)
        value = None if _too_long(written) else _parse(written, t)
        if value is None:
            return match.group(0)
        euros, cents = int(value), int((value - int(value)) * 100)
        words = t.ngettext("{n} euro", "{n} euros", euros).format(
            n=counted_words(euros, t, "euros")
        )
        if not cents:
            return words
        if not euros:
            return t.ngettext("{n} cent", "{n} cents", cents).format(
                n=counted_words(cents, t, "cents")
            )
        # As a price is said: "zwei Euro fünfzig", "اثنان يورو وخمسون سنتًا".
        return t.ngettext(
            "[speech] euros and cents: {euros} {n} cent",
            "[speech] euros and cents: {euros} {n} cents",
            cents,
        ).format(euros=words, n=counted_words(cents, t, "cents"))

    return _money_pattern(t.lang).sub(said, text)


# The units the bot writes (locales.Translator.distance and .duration), in the lengths it
# writes them in; a person may write a duration short ("1,6 Std.").
_UNITS = {
    "length-kilometer": ("short",),
    "length-meter": ("short",),
    "duration-hour": ("long", "short"),
    "duration-minute": ("long", "short"),
    "duration-day": ("long", "short"),
}
# Abbreviations the catalogs write that CLDR's locale does not: CLDR's Bulgarian writes the
# metre and kilometre in Latin letters ("500 m"), the Bulgarian catalog as Bulgarians do
# ("500 м"), which eSpeak NG said as the letter. No abbreviation reaches the voice.
_WRITTEN_UNITS = {"bg": {"{0} м": "length-meter", "{0} км": "length-kilometer"}}


@cache
def _unit_patterns(lang: str) -> list[tuple[re.Pattern[str], str]]:
    """The locale's kilometre, metre, hour and minute in each plural form ("1,5 km", "7
    metri", "370 متر", "1,6 Stunden") as patterns, with the unit they stand for; the longest
    words first, so that "Min." is not taken for "m"."""
    t = translator(lang)
    decimal = re.escape(_symbols(t)[0])
    number = rf"{_starts(t)}\d++(?:{decimal}\d++)?+"
    shapes: dict[str, str] = {}
    for unit, lengths in _UNITS.items():
        for length in lengths:
            forms = t.locale._data["unit_patterns"][unit].get(length) or {}
            for key, form in forms.items():
                if key != "per" and "{0}" in str(form):
                    shapes.setdefault(str(form), unit)
    for shape, unit in _WRITTEN_UNITS.get(lang, {}).items():
        shapes.setdefault(shape, unit)
    patterns = []
    for shape in sorted(shapes, key=lambda s: len(s.replace("{0}", "").strip()), reverse=True):
        before, _, after = (part.strip() for part in shape.partition("{0}"))
        text = (rf"{re.escape(before)}\s?+" if before else "") + rf"({number})"
        text += rf"\s?+{re.escape(after)}" if after else ""
        patterns.append((re.compile(text + r"(?!\w)"), shapes[shape]))
    return patterns


def _unit_words(
    amount: int | float, unit: str, t: Translator, number: str = "", case: str | None = None
) -> str:
    """ "1,5 Kilometer" with the number in words: the locale's long words for the amount's
    plural form, its short ones where it has no long (Persian); ``number``: the number's
    words in the ``case`` a preposition before it asked for, the unit then in the plural
    that case takes ("около пятисот метров")."""
    patterns = t.locale._data["unit_patterns"][unit]
    category = t.locale.plural_form(amount)
    if isinstance(amount, int) and (form := cases.unit_form(amount, case)) is not None:
        category = form
    for length in ("long", "short"):
        forms = patterns.get(length) or {}
        shape = forms.get(category) or forms.get("other")
        if shape and "{0}" in str(shape):
            return str(shape).replace("{0}", number or number_words(amount, t.lang))
    return number or number_words(amount, t.lang)


# A whole number right after a word (a preposition may ask for its case): not a postcode or
# a phone number (said digit by digit), not a part of a larger or decimal number.
_NUMBER_AFTER_WORD = _linear(r"(?<!\w)(\w++)(\s++)(?!0\d)(\d{1,4}+)(?![\d])(?![.,]\d)")


def _cased_numbers(text: str, t: Translator) -> str:
    """A number after a preposition in the case it asks for, with the unit after it in
    that case's plural ("около 500 м": "около пятисот метров"; "po 7 dniach": "po siedmiu
    dniach"; "Часть 1 из 5": "Часть первая из пяти"): bot/speech/cases.py."""
    if t.lang not in cases.LANGUAGES:
        return text
    said, done = [], 0
    for match in _NUMBER_AFTER_WORD.finditer(text):
        if match.start() < done:
            continue  # inside a unit already said
        value = int(match.group(3))
        words = cases.cased(value, t.lang, match.group(1))
        if words is None:
            continue
        end = match.end()
        for pattern, unit in _unit_patterns(t.lang):
            if (written := pattern.match(text, match.start(3))) is not None:
                case = cases.case_after(t.lang, match.group(1))
                words, end = _unit_words(value, unit, t, words, case), written.end()
                break
        said += [text[done : match.start(3)], words]
        done = end
    return "".join(said) + text[done:]


# A duration of hours and minutes said whole ("eine Stunde sechsunddreißig Minuten"), as
# the hours the bot writes to a tenth ("1,6 Stunden") are never said ("one comma six").
HOURS_AND_MINUTES = N_("[speech] a duration of hours and minutes: {hours} {minutes}")


def _counted_unit(value: int, unit: str, t: Translator) -> str:
    """ "eine Stunde", "ثلاث ساعات", "două zile": the translators' words for so many days,
    hours or minutes, the number counted as they count it (a bare "2 zile" would be said
    "doi zile", the plain number's gender)."""
    if unit == "duration-day":
        template = t.ngettext("[speech] {n} day", "[speech] {n} days", value)
    elif unit == "duration-hour":
        template = t.ngettext("[speech] {n} hour", "[speech] {n} hours", value)
    else:
        template = t.ngettext("[speech] {n} minute", "[speech] {n} minutes", value)
    return template.format(n=counted_words(value, t, unit))


def _duration_words(value: Decimal, unit: str, t: Translator) -> str:
    """A duration in whole hours and minutes: "1,6 Stunden" is "eine Stunde
    sechsunddreißig Minuten", "45 Minuten" "fünfundvierzig Minuten"."""
    if unit == "duration-minute" and value != int(value):
        return _unit_words(float(value), unit, t)  # "1,5 Minuten": rare, said as written
    hours, minutes = divmod(round(value * 60 if unit == "duration-hour" else value), 60)
    if unit == "duration-minute" or not hours:
        return _counted_unit(hours * 60 + minutes, "duration-minute", t)
    said_hours = _counted_unit(hours, "duration-hour", t)
    if not minutes:
        return said_hours
    return t.gettext(HOURS_AND_MINUTES).format(
        hours=said_hours, minutes=_counted_unit(minutes, "duration-minute", t)
    )


def _units(text: str, t: Translator) -> str:
    """Distances and durations in words."""
    for pattern, unit in _unit_patterns(t.lang):

        def said(match: re.Match[str], unit: str = unit) -> str:
            value = None if _too_long(match.group(1)) else _parse(match.group(1), t)
            if value is None:
                return match.group(0)
            if unit == "duration-day" and value == int(value):
                return _counted_unit(int(value), unit, t)
            if unit in ("duration-hour", "duration-minute"):
                return _duration_words(value, unit, t)
            return _unit_words(int(value) if value == int(value) else float(value), unit, t)

        text = pattern.sub(said, text)
    return text


@cache
def _number_pattern(lang: str) -> re.Pattern[str]:
    """A number as the locale writes it. It matches wherever a run of digits begins (and
    a match never ends before a digit), so its lookbehind leaves no digit unsaid."""
    decimal, group = map(re.escape, _symbols(translator(lang)))
    return re.compile(
        rf"(?<!\d)(?:\d{{1,3}}(?:{group}\d{{3}})++(?!\d)(?:{decimal}\d++)?+"
        rf"|\d++(?:{decimal}\d++)?+)"
    )


def _numbers(text: str, t: Translator) -> str:
    text = _DIGITS_ONE_BY_ONE.sub(lambda m: digit_words(m.group(1), t.lang), text)

    def said(match: re.Match[str]) -> str:
        if _too_long(match.group(0)):
            return digit_words(match.group(0), t.lang)
        value = _parse(match.group(0), t)
        if value is None:
            return match.group(0)
        return number_words(int(value) if value == int(value) else value, t.lang)

    return _number_pattern(t.lang).sub(said, text)


def patterns(lang: str) -> list[re.Pattern[str]]:
    """Every pattern a text in ``lang`` goes through (for the test of their shapes)."""
    return [
        *LINEAR,
        _money_pattern(lang),
        *(pattern for pattern, _unit in _unit_patterns(lang)),
        _number_pattern(lang),
        *date_patterns(lang),
    ]


def _without_icons(text: str) -> str:
    kept = []
    for char in text:
        # Icons by the one rule (handlers/text_safety.py), and modifier, surrogate and
        # private-use characters, which no voice has a word for.
        if is_icon(char) or unicodedata.category(char) in ("Sk", "Cs", "Co"):
            kept.append(" ")
        else:
            kept.append(char)
    return "".join(kept)


# Icons that carry meaning inside a sentence ("tap 🔊"), said there by their name, in the
# form the catalogs' sentences put them (the object of "tap"). At the start of a line or a
# button an icon only decorates, and is left out like every other icon.
SAID_ICONS = {"🔊": N_("the loudspeaker")}
_LEADING = " \t\u200e\u200f\u2066\u2067\u2068\u2069\u061c"


def _icons_named(line: str, t: Translator) -> str:
    start = len(line) - len(line.lstrip(_LEADING))
    for icon, name in SAID_ICONS.items():
        if icon in line[start + 1 :]:
            said = f" {t.gettext(name)} "
            line = line[: start + 1] + line[start + 1 :].replace(icon, said)
    # The picture of a door code said by its name, "Fuchs fünfunddreißig".
    return door_codes_named(line, t)


def plain(text: str, comma: str = ", ") -> str:
    """The text a person reads, without markup, bidi marks or icons; a dot or bar between
    words a pause, said as the language's ``comma`` (never a Latin one in an Arabic or a
    Persian line: "مترًا، مغلق", not "مترًا, مغلق")."""
    text = _DOT_IN_A_WORD.sub("", html.unescape(_TAG.sub("", text)).translate(_BIDI))
    text = text.translate(_FOR_THE_EYE)
    if comma != ", ":
        text = text.replace(", ", comma)  # and a Latin comma the line was written with
    return _without_icons(text)


# "PIN" as the language says it: eSpeak spells a word in capitals letter by letter ("P I
# N"), where people say "Pin", "пин", "پین".
PIN_SAID = N_("[speech] PIN, as the word is said")
_PIN = _linear(r"(?<!\w)PIN(?!\w)")


def words(text: str, t: Translator) -> str:
    """One line of text with its times, dates, money, distances, durations and numbers in
    words."""
    text = _latin_numbers(text, t)
    text = _PIN.sub(lambda _m: t.gettext(PIN_SAID), text)
    text = _WEB_ADDRESS.sub("", text)
    # The two times in the language's words around them, then said with the rest: a word
    # before each may ask for its form ("з десятої до тринадцятої").
    text = _CLOCK_RANGE.sub(
        lambda m: t.gettext(N_("[speech] a range of clock times: {start} to {end}")).format(
            start=m.group(1), end=m.group(3)
        ),
        text,
    )
    text = _clocks(text, t)
    text = dates_said(text, t)
    # Dates someone typed the German or the ISO way, in whatever language the text is.
    text = _DATE_DMY.sub(lambda m: _a_date(m, t, day=1, month=2, year=3), text)
    text = _DATE_ISO.sub(lambda m: _a_date(m, t, day=3, month=2, year=1), text)
    text = _money(text, t)
    text = _cased_numbers(text, t)
    text = _units(text, t)
    text = _REQUEST_NUMBER.sub(lambda m: _request_number(m, t), text)
    if t.lang == "ar":
        text = parts_in_order(text)
    return _numbers(text, t)


NUMBER_SAID = N_("number {n}")


def _request_number(match: re.Match[str], t: Translator) -> str:
    """A request's "#12" with the language's word for number ("numara 12"), but where the
    text has that word right after it ("#12 numaralı talep": "12 numaralı talep"), said
    once; Turkish said "#12" as the bare number (issue 80, point 6)."""
    template = t.gettext(NUMBER_SAID)
    own = [w.casefold() for w in _WORD.findall(template.replace("{n}", "")) if len(w) >= 3]
    after = _WORD_AFTER.search(match.string[match.end() :])
    if after and any(after.group(1).casefold().startswith(word) for word in own):
        return match.group(1)
    return template.format(n=match.group(1))


# The buttons named in order, as a person counts them ("first button: find a place"); from
# the eleventh on by number ("Button 11: …").
ORDINAL_BUTTONS = (
    N_("First button: {label}."),
    N_("Second button: {label}."),
    N_("Third button: {label}."),
    N_("Fourth button: {label}."),
    N_("Fifth button: {label}."),
    N_("Sixth button: {label}."),
    N_("Seventh button: {label}."),
    N_("Eighth button: {label}."),
    N_("Ninth button: {label}."),
    N_("Tenth button: {label}."),
)
# How the phone names a choice ({n} is said as a word): a caller presses keys, not buttons.
PRESS = N_("{label}: press {n}.")
# A language's line in the phone's language list, in that language's words and voice, as
# short as a line can be ("Deutsch: eins."): ten of them come before anything else.
LANGUAGE_LINE = N_("[phone] a language and its key: {label}: {n}.")


def language_named(label: str) -> str | None:
    """The language whose own name ``label`` is (after any icon: "✅ Deutsch"), or None."""
    for code in SUPPORTED_LANGUAGES:
        if label == language_name(code) or label.endswith(" " + language_name(code)):
            return code
    return None


@dataclass(frozen=True)
class Part:
    """Words said in one voice: the voice's language and what it says."""

    lang: str
    words: str


@dataclass(frozen=True)
class _Piece:
    """A stretch of a line: the bot's own words, or a quoted person's (``quoted``), and
    the language its words are made in and the voice that says them."""

    written: str
    quoted: bool
    language: str = ""
    voice: str = ""


def _pieces(lines: list[str]) -> list[list[_Piece]]:
    """Each line cut where a quoted text begins and ends."""
    cut = []
    for line in lines:
        pieces, at = [], 0
        for match in _QUOTED.finditer(line):
            pieces += [_Piece(line[at : match.start()], False), _Piece(match.group(1), True)]
            at = match.end()
        cut.append([*pieces, _Piece(line[at:], False)])
    return cut


# What stands between two lines of one quoted text: the line break, the bar and the marks
# of direction and isolation. Anything else (markup such as the blockquote of an original
# below its translation, or words) ends the text.
_BETWEEN_QUOTED_LINES = " \t\n│\u200e\u200f\u061c\u2066\u2067\u2068\u2069"


def _quotes(cut: list[list[_Piece]]) -> list[list[tuple[int, int]]]:
    """Where each quoted text is (line and piece of each of its lines): quoted lines with
    nothing but line breaks, bars and direction marks between them are one text, whose
    language is told from all of it."""
    texts: list[list[tuple[int, int]]] = []
    joined = False
    for row, pieces in enumerate(cut):
        for index, piece in enumerate(pieces):
            if piece.quoted:
                if not joined:
                    texts.append([])
                texts[-1].append((row, index))
                joined = True
            elif piece.written.strip(_BETWEEN_QUOTED_LINES):
                joined = False
    return texts


def _languages(cut: list[list[_Piece]], t: Translator, voices: frozenset[str]) -> None:
    """Each piece with its language and voice: the bot's in the reader's; a quoted text in
    its own, said by its voice, or by the reader's where no voice speaks it."""
    for row, pieces in enumerate(cut):
        cut[row] = [_Piece(p.written, p.quoted, t.lang, t.lang) for p in pieces]
    for places in _quotes(cut):
        text = "\n".join(plain(cut[row][index].written) for row, index in places)
        language = detect(text, t.lang, DEFAULT_LANGUAGE) or t.lang
        voice = language if language in voices else t.lang
        for row, index in places:
            cut[row][index] = _Piece(cut[row][index].written, True, language, voice)


# The languages not written in Latin letters. Their eSpeak NG voices say a word in Latin
# letters in English ("Dortmund" inside a Russian sentence: "dˈɔːtmʌnd"), and such a word
# in the bot's sentence is a name of the city (the city, a place, a street, a person),
# which residents hear said the city's way: it is said by the city's voice, the rest of
# the sentence by the sentence's own.
NOT_LATIN = frozenset({"ar", "fa", "ru", "uk", "bg"})
# A name's words, and what the name has in parentheses ("Stadtteilbibliothek (Hörde)",
# "Volkshochschule (VHS)"): one name, said in one voice at one go - cut at the brackets, it
# was said in pieces, by turns in two voices (issue 80, point 6).
_LATIN_WORDS = r"[A-Za-z\u00c0-\u024f]++(?:[-'\u2019. ]++[A-Za-z\u00c0-\u024f]++)*+"
_LATIN_NAME = _linear(
    rf"(?<![A-Za-z\u00c0-\u024f]){_LATIN_WORDS}(?:\s*+\(\s*+{_LATIN_WORDS}\s*+\))*+"
)


_OPEN_PARENTHESIS = _linear(r"(?<!\s)\s*+\(\s*+")
_CLOSED_PARENTHESIS = _linear(r"(?<!\s)\s*+\)\s++(?=\w)")


def _stretches(voice: str, line: str) -> list[tuple[str, str]]:
    """``line`` in stretches: its names in Latin letters by the city's voice, the rest by
    ``voice``."""
    stretches: list[tuple[str, str]] = []
    at = 0
    for match in _LATIN_NAME.finditer(line):
        stretches += [(voice, line[at : match.start()]), (DEFAULT_LANGUAGE, match.group(0))]
        at = match.end()
    stretches.append((voice, line[at:]))
    return stretches


def _names_apart(voice: str, line: str, voices: frozenset[str]) -> Iterable[tuple[str, str]]:
    """``line`` said by ``voice``, but for the names in Latin letters inside it, said by
    the city's voice where ``voice`` would say them in English (:data:`NOT_LATIN`). Only
    the last stretch ends with a stop."""
    if voice not in NOT_LATIN or DEFAULT_LANGUAGE not in voices:
        yield voice, _sentence(line)
        return
    stretches = _stretches(voice, line)
    if any(words.count("(") != words.count(")") for _, words in stretches):
        # A parenthesis the voices would split ("DeepL (DeepL SE, Кёльн, Германия)": ")"
        # without its "(", the voice changing inside) is said as a pause: the sentence
        # written without it for the voice.
        comma = translator(voice).comma
        line = _CLOSED_PARENTHESIS.sub(comma, _OPEN_PARENTHESIS.sub(comma, line))
        stretches = _stretches(voice, line.replace(")", ""))
    # (A stretch after a name begins without the name's colon: "…: press one".)
    kept = [
        (v, w.lstrip(" :,;\u060c").rstrip()) for v, w in stretches if any(c.isalnum() for c in w)
    ]
    for index, (said_by, words) in enumerate(kept):
        yield said_by, _sentence(words) if index == len(kept) - 1 else words


def _sentences(cut: list[list[_Piece]], voices: frozenset[str]) -> Iterable[tuple[str, str]]:
    """Each line's sentences in their voices: the pieces of a line in one language and
    voice are said together, as one sentence (the names in it apart: :func:`_names_apart`)."""
    for pieces in cut:
        runs: list[_Piece] = []
        for piece in pieces:
            if runs and (runs[-1].language, runs[-1].voice) == (piece.language, piece.voice):
                runs[-1] = _Piece(
                    runs[-1].written + piece.written, False, piece.language, piece.voice
                )
            else:
                runs.append(piece)
        for run in runs:
            t = translator(run.language)
            line = _tidy(words(plain(_icons_named(run.written, t), t.comma), t))
            if any(c.isalnum() for c in line):
                yield from _names_apart(run.voice, line, voices)


def _buttons(
    labels: list[str],
    t: Translator,
    voices: frozenset[str],
    keys: list[str] | None = None,
) -> Iterable[tuple[str, str]]:
    """The choices named in order, each in the voice that says it, the way the reader's
    medium presses them (the translator's): on the phone "{label}: press {n}." - a
    language's own name (the picker's "Türkçe") in that language's voice and words, so that
    each caller hears their language's line in their language -, elsewhere by their place
    ("first button: …"), as read aloud names the buttons of a chat. The key is the phone's
    (bot/speech/keys.py ``key_of``: the tenth of ten is 0), and a language's line is
    only its name and key (:data:`LANGUAGE_LINE`). ``keys``: the phone's key of each label
    where it is not its place (the main menu's person on "0")."""
    for index, label in enumerate(labels[:MOST_BUTTONS], start=1):
        if t.medium == Medium.SPOKEN:
            own = language_named(label)
            says = translator(own) if own is not None and own in voices else t
            template = LANGUAGE_LINE if own is not None else PRESS
            key = keys[index - 1] if keys else key_of(index, len(labels))
            said = _label_said(label[:MOST_WRITTEN], says)
            line = Markup(says.gettext(template)).format(label=said, n=key)
            named = _tidy(words(plain(_icons_named(line, says), says.comma), says))
            if any(c.isalnum() for c in named):
                yield from _names_apart(says.lang, named, voices)
            continue
        name = _tidy(words(plain(_icons_named(label[:MOST_WRITTEN], t), t.comma), t))
        name = name.rstrip(".")
        if not name:
            continue
        if index <= len(ORDINAL_BUTTONS):
            said = t.gettext(ORDINAL_BUTTONS[index - 1]).format(label=name)
        else:
            said = t.gettext(N_("Button {n}: {label}.")).format(
                n=number_words(index, t.lang), label=name
            )
        yield from _names_apart(t.lang, said.rstrip("."), voices)


# A stop after a word inside a choice's label, or at its end (easy language's "Nein.
# Behalten."): the label is one choice, said before its key without a pause of its own.
_STOP_IN_A_LABEL = _linear(r"(?<=[^\W\d])[.!?\u061f]++(?=\s)")
_STOP_AT_THE_END = _linear(r"(?<=[^\W\d])[.!?\u061f]++\s*+$")


def _label_said(label: str, t: Translator) -> str:
    """A choice's label as it is said before its key: its sentences joined by the language's
    comma, no stop at its end ("Nein. Behalten.: zwei" was said with both stops, issue 80
    point 6)."""
    return _STOP_AT_THE_END.sub("", _STOP_IN_A_LABEL.sub(t.comma.rstrip(), label.strip()))


def parts(
    text: str,
    labels: list[str],
    t: Translator,
    voices: Iterable[str] = SUPPORTED_LANGUAGES,
    keys: list[str] | None = None,
) -> tuple[Part, ...]:
    """What is said for a message, in the voices that say it (``voices``: the languages
    that have one): its lines, then its buttons in order (:func:`_buttons`, as the
    reader's medium presses them; ``keys``: a phone key for each, where not its place), in
    the reader's; at most
    ``MOST_CHARACTERS``, from at most ``MOST_WRITTEN`` characters of the message."""
    voices = frozenset(voices)
    cut = _pieces(str(text)[:MOST_WRITTEN].splitlines())
    _languages(cut, t, voices)
    # Made one by one, and only until enough is said: the rest is never looked at.
    coming = chain(_sentences(cut, voices), _buttons(labels, t, voices, keys))
    runs: list[tuple[str, list[str]]] = []
    length = 0
    while length < MOST_CHARACTERS and (sentence := next(coming, None)) is not None:
        voice, said = sentence
        if runs and runs[-1][0] == voice:
            runs[-1][1].append(said)
        else:
            runs.append((voice, [said]))
        length += len(said) + 1
    made: list[Part] = []
    left = MOST_CHARACTERS
    for voice, sentences in runs:
        # ICU writes the Ukrainian apostrophe as ʼ (U+02BC, "пʼять"), which eSpeak NG spells
        # out letter by letter; ’ (U+2019), the one the catalogs use, it reads as a letter.
        said = "\n".join(sentences)[: max(left, 0)].replace("\u02bc", "\u2019")
        left -= len(said) + 1
        if said:
            made.append(Part(voice, said))
    return tuple(made)


def script(
    text: str,
    labels: list[str],
    t: Translator,
    voices: Iterable[str] = SUPPORTED_LANGUAGES,
    keys: list[str] | None = None,
) -> str:
    """The words of :func:`parts`, whatever voice says them."""
    return "\n".join(part.words for part in parts(text, labels, t, voices, keys))


def _tidy(line: str) -> str:
    return _SPACE_BEFORE_MARK.sub(r"\1", _SPACES.sub(" ", line)).strip(" ,\u060c")


def _sentence(line: str) -> str:
    """A line ends with a stop, so that the engine pauses after it."""
    return line if line[-1] in ".!?:;…؟。" else line + "."
