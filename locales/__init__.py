"""Languages, catalogs and locale-aware formatting.

The gettext catalogs live next to this file in ``<lang>/LC_MESSAGES/messages.po``;
``make`` compiles them to ``.mo``. Message ids are English. Beside each, ``easy.po`` (the
domain ``easy``) holds the easy-language variants of some messages, under the same ids: a
translator for an easy reader looks there first (``translator(lang, easy=True)``).

A message may also have a variant for a medium (:data:`MEDIA`: the phone's spoken words, an
SMS): a message of its own, declared with :func:`medium_variant` by the feature that writes
the chat's, that a translator for a reader on that medium takes instead
(``translator(lang, medium="texted")``), easy or not - so that a caller never hears "share
your location" and an SMS never says "tap". Each is an ordinary message in every catalog.

Beside them, the region's conventions that the features and the transports both read:
its calendar of opening hours (:mod:`locales.hours`) and its phone numbers
(:mod:`locales.phone_numbers`: read, written, which may be dialled, the language they hint);
and what of a typed or imported text shows as written in every script
(:mod:`locales.plain_text`: a name on one clean line, free text without overrides).
"""

from __future__ import annotations

import _string
import io
import logging
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_skeleton, format_time, match_skeleton
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations
from babel.units import format_unit
from markupsafe import Markup, escape

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent
DOMAIN = "messages"
# The easy-language variants of the messages (docs/languages.md "Easy language").
EASY_DOMAIN = "easy"


class Medium(StrEnum):
    """How a reader takes what the bot sends, named once here (handlers/reader.py reads a
    person's from their platform's declaration): in a chat (buttons, files, voices), said
    (keys only: the phone line), or texted (plain text and typed numbers: SMS, or any
    transport of plain texts). A medium is a form, never a transport: what a transport
    promises on its wire (SMS's STOP, its paging by segments) is its own."""

    CHAT = "chat"
    SPOKEN = "spoken"
    TEXTED = "texted"


# The media that have variants of messages (every one but a chat).
MEDIA = tuple(medium.value for medium in Medium if medium is not Medium.CHAT)
# (medium, the chat's message id) -> the message id said or texted instead.
_VARIANTS: dict[tuple[str, str], str] = {}

# Order is the order of the language picker: German first (the city's language), then by
# how many residents use it according to the sources in shared/CONTEXT.md.
SUPPORTED_LANGUAGES: tuple[str, ...] = ("de", "en", "ar", "tr", "uk", "ru", "ro", "bg", "pl", "fa")
DEFAULT_LANGUAGE = "de"
RTL_LANGUAGES = frozenset({"ar", "fa"})
TIMEZONE = ZoneInfo("Europe/Berlin")
# Clock times: 24-hour without seconds in every language, as on Dortmund's signs,
# timetables and opening hours, which residents read them from.
CLOCK = "HH:mm"
# From this many hours on a wait reads in days: where Babel's format_timedelta switches with
# threshold=2 (its default 0.85 would call 21 hours "1 day", untrue at a glance).
WAIT_DAYS_FROM_HOURS = 48
# A weekday field shorter than in full, in a date pattern (see Translator.skeleton).
_SHORT_WEEKDAY = re.compile(r"(?<![Ec])[Ec]{1,3}(?![Ec])")
_SHORT_MONTH = re.compile(r"(?<!M)M{3}(?!M)")
# An easy reader's dates: weekday, day and month written out; the year only for a date more
# than half a year away (CLDR abbreviates the year's word in some languages: "2026 р.").
# A day, named for the signatures inside Translator, where ``date`` is its method.
_Day = date
EASY_DATE = "MMMMEEEEd"
EASY_DATE_WITH_YEAR = "yMMMMEEEEd"
NEAR_DAYS = 183


def _written_out(skeleton: str) -> str:
    """``skeleton`` with its weekday and month in full: "MMMEd" → "MMMMEEEEd"."""
    return _SHORT_MONTH.sub("MMMM", _SHORT_WEEKDAY.sub("EEEE", skeleton))


# The digits of each numbering system a supported language writes in (CLDR's names); Babel
# formats with a system's signs but always with Latin digits, so :meth:`Translator.digits`
# puts these in.
_ZEROS = {"latn": "0", "arab": "\u0660", "arabext": "\u06f0"}


@cache
def numbering_system(lang: str) -> str:
    """The one numbering system of ``lang``, in chat, web, map and catalogs alike: CLDR's
    default for the language (Babel), which is Persian digits for Persian ("۱۲٫۵۰") and
    Latin digits for every other language of ours - also for Arabic: CLDR's "ar" writes
    Latin digits (some countries' locales, such as ar_SY, ar_IQ or ar_EG, Arabic-Indic ones;
    see docs/languages.md). Ids and codes stay ASCII (button data, addresses, /commands,
    house numbers and postcodes of the places data, door codes); what a person types is
    read in any digits (handlers.parsing.typed)."""
    return Locale.parse(lang).default_numbering_system


@cache
def _digit_table(lang: str) -> dict[int, int]:
    zero = ord(_ZEROS[numbering_system(lang)])
    return {} if zero == ord("0") else {ord("0") + i: zero + i for i in range(10)}


def digit_system(digit: str) -> str | None:
    """The numbering system (of those in :data:`_ZEROS`) a decimal digit belongs to."""
    for system, zero in _ZEROS.items():
        if 0 <= ord(digit) - ord(zero) <= 9:
            return system
    return None


def native_digits(text: str, lang: str) -> str:
    """``text`` with its ASCII digits written in ``lang``'s numbering system ("12" → "۱۲")."""
    table = _digit_table(lang)
    return text.translate(table) if table else text


# Unicode directional isolates (FSI … PDI): keep an embedded name or number from
# reordering the surrounding sentence, and keep bidi controls inside a value from
# reordering the bot's own text around it.
FSI = "\u2068"
PDI = "\u2069"
PDF = "\u202c"
# Explicit bidi controls that open a level: embeddings and overrides (closed by PDF) and
# isolates (closed by PDI, which also closes every embedding opened after its initiator).
_EMBEDDINGS = frozenset("\u202a\u202b\u202d\u202e")  # LRE, RLE, LRO, RLO
_ISOLATES = frozenset("\u2066\u2067\u2068")  # LRI, RLI, FSI
# Any explicit bidi control balance_bidi looks at.
_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Bidi classes that can move a left-to-right line's text around: right-to-left letters and
# marks (R, AL), Arabic-Indic digits (AN) and every explicit control.
_REORDERING = frozenset(
    {"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
)
# No character before Hebrew's block is of those classes (tests/locales/test_bidi_shortcuts.py).
FIRST_REORDERING = "\u0590"
# Everything that starts a new paragraph (and so ends all bidi levels) for Unicode
# renderers: the line breaks str.splitlines knows.
_PARAGRAPH_BREAK = re.compile(r"(\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029])")
# A left-to-right mark on both sides of a /command in right-to-left text keeps its slash in
# front ("/help", not "help/") while leaving it detectable as a command by the chat app.
LRM = "\u200e"
# A right-to-left mark in front of a line of an ar/fa message that has no strong letter of
# its own outside the isolated values (e.g. "🗣 {languages}"): without it the chat app
# takes the line for left-to-right and lays it out from the left.
RLM = "\u200f"
# What :meth:`Translator.format` skips when looking for a line's first strong letter:
# HTML tags and character references (their letters are not shown).
_NOT_SHOWN = re.compile(r"<[^>]*>|&#?\w+;")
# An isolate with nothing isolated inside it; an isolate opened and not closed, to the end.
_ISOLATED = re.compile("[\u2066-\u2068][^\u2066-\u2069]*\u2069")
_OPEN_TO_THE_END = re.compile("[\u2066-\u2068].*", re.DOTALL)
_STRONG = frozenset({"L", "R", "AL"})
_COMMAND_IN_TEXT = re.compile(r"(?<![\w/<])(/[a-z][a-z0-9_]*)")

# Lists joined as a native reader writes them where CLDR's pattern reads wrong to them:
# Persian "آلمانی، روسی و ترکی" (CLDR puts a comma before "و" and a mark after the first).
_LIST_JOINS = {"fa": {"standard": ("، ", " و "), "or": ("، ", " یا ")}}
# The comma between two parts of a line ("Thursday, 26 November, in the afternoon"): the
# Arabic comma in the languages written in Arabic script (docs/speech.md: never a Latin
# comma in a Persian or Arabic line). CLDR's Arabic list patterns join with "و" only.
_COMMAS = {"ar": "، ", "fa": _LIST_JOINS["fa"]["standard"][0]}

# Language tags that mean one of our languages under another code.
_ALIASES = {"prs": "fa", "pes": "fa", "mo": "ro", "ua": "uk"}


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (translated at use)."""
    return message


def negotiate(hint: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Pick the supported language for a platform hint such as ``de-DE``, ``ar`` or ``uk``."""
    if not hint:
        return default
    primary = hint.replace("_", "-").split("-", 1)[0].strip().lower()
    primary = _ALIASES.get(primary, primary)
    return primary if primary in SUPPORTED_LANGUAGES else default


def _load_translations(lang: str, domain: str = DOMAIN) -> NullTranslations:
    lc_dir = LOCALES_DIR / lang / "LC_MESSAGES"
    mo_path = lc_dir / f"{domain}.mo"
    po_path = lc_dir / f"{domain}.po"
    if mo_path.exists() and (
        not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime
    ):
        with mo_path.open("rb") as fp:
            return Translations(fp, domain=domain)
    if po_path.exists():
        # A checkout without compiled catalogs (or with stale ones) still speaks every
        # language: compile in memory instead of silently falling back to English.
        log.warning("catalog %s is not compiled or out of date; compiling in memory", po_path)
        with po_path.open("rb") as fp:
            catalog = read_po(fp, locale=lang, domain=domain)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        return Translations(buf, domain=domain)
    if domain == DOMAIN:
        log.error("no catalog for language %s", lang)
    return NullTranslations()


def _load_easy(lang: str) -> NullTranslations:
    """The easy texts of ``lang``, falling back to its normal catalog for every message
    without an easy variant."""
    easy = _load_translations(lang, EASY_DOMAIN)
    easy.add_fallback(_load_translations(lang))
    return easy


class Formatted(str):
    """A number, date or time the bot formatted itself (see :class:`Translator`).

    Left-to-right messages show it as is unless it holds something right-to-left; every
    other plain string given to :meth:`Translator.format` counts as user text and is
    isolated where it needs to be.
    """

    __slots__ = ()


def isolate(text: str) -> str:
    return f"{FSI}{text}{PDI}"


def balance_bidi(text: str) -> str:
    """``text`` (one line) with its explicit bidi controls balanced.

    A closing control without an opener is dropped (a bare PDI would otherwise close the
    isolate around the value and let what follows leak out), and openers left open are
    closed at the end, innermost first. Embeddings inside an isolate are closed before its
    PDI, as UAX #9 does implicitly, so renderers without isolate support agree.
    """
    if not _CONTROL.search(text):
        return text  # nothing to balance (almost every line)
    stack: list[str] = []  # the closer each open control needs
    out: list[str] = []
    for ch in text:
        if ch in _EMBEDDINGS:
            stack.append(PDF)
        elif ch in _ISOLATES:
            stack.append(PDI)
        elif ch == PDF:
            if not stack or stack[-1] != PDF:
                continue  # nothing to close, or it would reach past an isolate
            stack.pop()
        elif ch == PDI:
            if PDI not in stack:
                continue
            while stack[-1] == PDF:
                out.append(stack.pop())
            stack.pop()
        out.append(ch)
    out.extend(reversed(stack))
    return "".join(out)


def needs_isolation_in_ltr(text: str) -> bool:
    """Whether ``text`` could reorder a left-to-right line around it: it holds a
    right-to-left letter or mark, an Arabic-Indic digit, or an explicit bidi control."""
    if not text or max(text) < FIRST_REORDERING:
        # Latin, Greek, Cyrillic and the signs between them (a German place name, a
        # number, "370 m"): answered without asking each character's class.
        return False
    return any(unicodedata.bidirectional(ch) in _REORDERING for ch in text)


def isolate_lines(text: str, *, always: bool = True) -> Markup:
    """User text, HTML-escaped, with every line balanced and wrapped in FSI … PDI.

    Isolates end at a line break, so each line gets its own pair; empty lines stay empty.
    With ``always=False`` (a left-to-right reader) a line is isolated only when it
    :func:`needs_isolation_in_ltr`: elsewhere the marks do nothing, and where they are not
    understood (a console, a window title) they print as boxes.
    """
    if not always and not needs_isolation_in_ltr(text):
        return escape(text)  # no line isolated: the same text, its line breaks as they are
    # Joined as plain text once: the marks and line breaks need no escaping, and Markup's
    # own + escapes each operand again in Python.
    out: list[str] = []
    for i, part in enumerate(_PARAGRAPH_BREAK.split(text)):
        if i % 2:  # a line break (the pattern's group)
            out.append(part)
        elif part and (always or needs_isolation_in_ltr(part)):
            out += (FSI, escape(balance_bidi(part)), PDI)
        elif part:
            out.append(escape(part))
    return Markup("".join(out))


def _has_strong_letter(line: str) -> bool:
    """Whether a line shows a strong (left-to-right or right-to-left) character of its own,
    outside bidi isolates, HTML tags and character references."""
    shown = _NOT_SHOWN.sub("", line)
    # The isolated values out, innermost first (their letters are not the line's), then
    # whatever an isolate never closed hides; a PDI without an opener hides nothing.
    while True:
        outside = _ISOLATED.sub("", shown)
        if outside == shown:
            break
        shown = outside
    shown = _OPEN_TO_THE_END.sub("", shown)
    return any(unicodedata.bidirectional(ch) in _STRONG for ch in shown)


def start_right_to_left(text: str) -> Markup:
    """``text`` (markup) with a right-to-left mark in front of every line that has no strong
    letter of its own, such as "🗣 ⁨Almanca⁩" or "📏 ⁨370 متر⁩".

    A chat app sets each line's direction by its first strong letter and skips isolated
    values, so such a line would start on the left in an Arabic or Persian message.
    Lines with letters of their own keep their direction (also an untranslated English
    line, which a leading mark would turn around).
    """
    parts = _PARAGRAPH_BREAK.split(text)
    for i in range(0, len(parts), 2):  # odd indexes are the line breaks themselves
        if parts[i] and not _has_strong_letter(parts[i]):
            parts[i] = RLM + parts[i]
    return Markup("".join(parts))


def _tenths(value: float) -> float:
    """``value`` to a tenth, a whole number kept whole: "1 Stunde", never "1.0 saat"."""
    rounded = round(value, 1)
    return int(rounded) if rounded.is_integer() else rounded


class Translator:
    """Everything language-dependent for one language: messages, plurals and formats.

    Each format has one owner here: :meth:`number`, :meth:`percent`, :meth:`money`,
    :meth:`duration`, :meth:`distance`, :meth:`list_of`, :meth:`language`, :meth:`date`,
    :meth:`time`, :meth:`skeleton`, :meth:`datetime` and :meth:`day_and_time`, all through
    Babel in the reader's locale and in the language's digits (:func:`numbering_system`).
    """

    def __init__(self, lang: str, easy: bool = False, medium: str = "") -> None:
        if lang not in SUPPORTED_LANGUAGES:
            raise ValueError(f"unsupported language: {lang!r}")
        self.lang = lang
        # Easy language: each message's easy variant where the easy catalog has one.
        self.easy = easy
        # The reader's medium ("" a chat): each message's variant for it, where it has one.
        self.medium = medium
        self.locale = Locale.parse(lang)
        self.rtl = lang in RTL_LANGUAGES
        self.numbering = numbering_system(lang)
        self._tr = _load_easy(lang) if easy else _load_translations(lang)
        # A chat's messages as translated (gettext) and, without values, as shown (t): the
        # same for every update that shows them (bench/profiles/README.md, eighth pass).
        # Keyed by message ids of the code, bounded all the same; a medium's translator
        # keeps none, as a medium's variants may be declared after its first message.
        self._translated: dict[str, str] = {}
        self._shown: dict[str, Markup] = {}

    def digits(self, text: str) -> Formatted:
        """``text`` (a number, date or time the bot wrote) in the language's digits:
        "22" → "۲۲" in Persian."""
        return Formatted(native_digits(text, self.lang))

    def identifier(self, value: int) -> Formatted:
        """A row's number (request #1287, volunteer 1287) in the language's digits, never
        grouped: it is no quantity, and people type it back as shown ("/verify 1287"),
        which "1.287" (de) or "1,287" (en) would not be."""
        return self.digits(str(value))

    def _directional(self, text: str) -> str:
        return _COMMAND_IN_TEXT.sub(rf"{LRM}\1{LRM}", text) if self.rtl else text

    def gettext(self, message: str) -> str:
        if self.medium:
            message = _VARIANTS.get((self.medium, message), message)
            return self._directional(self._tr.gettext(message))
        translated = self._translated.get(message)
        if translated is None:
            translated = self._directional(self._tr.gettext(message))
            if len(self._translated) < MESSAGES_KEPT:
                self._translated[message] = translated
        return translated

    _ = gettext

    def pgettext(self, context: str, message: str) -> str:
        """``message`` as translated where it stands in ``context`` (its ``msgctxt``): the
        same English words that another language writes otherwise there - a Polish
        genitive inside a sentence, a nominative alone in a list."""
        return self._directional(str(self._tr.pgettext(context, message)))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if self.medium and (self.medium, singular) in _VARIANTS:
            singular = _VARIANTS[(self.medium, singular)]
            plural = _VARIANTS[(self.medium, plural)]
        return self._directional(self._tr.ngettext(singular, plural, n))

    def _value(self, value: Any) -> Markup:
        if isinstance(value, bool):
            value = Formatted(value)
        elif isinstance(value, int | float):
            value = self.number(value)
        if isinstance(value, Markup):
            safe = value
        elif isinstance(value, Formatted):
            safe = escape(value)
            if not self.rtl and needs_isolation_in_ltr(value):
                # E.g. a list of Arabic names in a German line.
                return Markup("".join((FSI, escape(balance_bidi(value)), PDI)))
        else:
            # Anything else may come from a user: in ar/fa always isolated (a Latin name
            # or a number would turn the line around), in ltr languages where it holds
            # something right-to-left or a bidi control.
            return isolate_lines(str(value), always=self.rtl)
        if self.rtl:
            return Markup("".join((FSI, safe, PDI)))  # the marks need no escaping
        return safe

    def format(self, translated: str, **values: Any) -> Markup:
        """Fill ``{placeholders}`` in an already translated message.

        Values are HTML-escaped unless they are Markup, and numbers are formatted for the
        locale. Plain strings count as user text: each of their lines is wrapped in bidi
        isolates (FSI … PDI) with its own bidi controls balanced, so a right-to-left
        override in a name cannot reorder the bot's text - in ar/fa every line, in
        left-to-right languages only a line that holds something right-to-left or a bidi
        control ("You are cora" needs no marks, and a console shows them). Markup (text
        the bot built, whose values were isolated when it was formatted) and what the
        format methods return (:class:`Formatted`) are isolated in right-to-left languages,
        where a line left without a letter of its own starts with a right-to-left mark
        (:func:`start_right_to_left`); in left-to-right ones a Formatted value only when it
        holds something right-to-left (a list of Arabic names).
        """
        for key, value in values.items():
            if isinstance(value, Formatted) and value.endswith("."):
                # "27 лист. 2026 р." ending a sentence: one period, not "р..".
                translated = translated.replace(f"{{{key}}}.", f"{{{key}}}")
        filled = {k: self._value(self._identified(k, v)) for k, v in values.items()}
        if _names_only(translated):
            # Every value is Markup now (_value), which markupsafe's formatter would only
            # pass through: str.format (C) puts in the same text - a third of the time.
            text = Markup(str.format(translated, **filled))
        else:
            text = Markup(translated).format(**filled)
        return start_right_to_left(text) if self.rtl else text

    def _identified(self, key: str, value: Any) -> Any:
        """A placeholder named ``id`` or ``…_id`` holds a row's number: :meth:`identifier`."""
        is_id = key == "id" or key.endswith("_id")
        if is_id and isinstance(value, int) and not isinstance(value, bool):
            return self.identifier(value)
        return value

    def t(self, message: str, **values: Any) -> Markup:
        if values or self.medium:
            return self.format(self.gettext(message), **values)
        shown = self._shown.get(message)
        if shown is None:
            shown = self.format(self.gettext(message))
            if len(self._shown) < MESSAGES_KEPT:
                self._shown[message] = shown
        return shown

    def tn(self, singular: str, plural: str, n: int, **values: Any) -> Markup:
        return self.format(self.ngettext(singular, plural, n), n=n, **values)

    def number(self, value: float) -> Formatted:
        """A number in the language's digits and signs: "12.345,5" (de), "۱۲٬۳۴۵٫۵" (fa)."""
        return self.digits(self._decimal(value))

    def _decimal(self, value: float) -> str:
        return _decimal_text(self.locale, self.numbering, value)

    def percent(self, share: float) -> Formatted:
        """A share (0.25) as the locale writes it: "25 %" (de), "25%" (en), "۲۵٪" (fa)."""
        text = format_percent(share, locale=self.locale, numbering_system=self.numbering)
        if self.numbering != "latn":
            # Babel keeps the pattern's Latin "%" whatever the numbering system.
            text = text.replace("%", self.locale.number_symbols[self.numbering]["percentSign"])
        return self.digits(text)

    def money(self, cents: int) -> Formatted:
        """Euros with two decimals, the sign where the locale puts it: "12,50 €" (de),
        "€12.50" (en). Always the € sign, also where CLDR writes "EUR" (uk, ro): it is
        what every price tag in the city shows."""
        pattern = self.locale.currency_formats["standard"].pattern.replace("¤", "'€'")
        text = format_currency(
            Decimal(cents) / 100,
            "EUR",
            format=pattern,
            locale=self.locale,
            numbering_system=self.numbering,
        )
        return self.digits(text)

    def duration(self, minutes: int) -> Formatted:
        """Minutes under an hour ("45 Minuten"), hours to a tenth from an hour on
        ("1 Stunde", "2,5 Stunden"), written out in the locale's words."""
        if minutes < 60:
            return self._unit(minutes, "duration-minute", "long")
        return self._unit(_tenths(minutes / 60), "duration-hour", "long")

    def wait(self, minutes: int) -> Formatted:
        """How long someone waited (for a helper, a review): as :meth:`duration` under
        ``WAIT_DAYS_FROM_HOURS`` hours, so the short waits read as they did, then in days to a
        tenth ("4 Tage", not "96,9 Stunden"; "2,5 Tage"), in the locale's words. Not for time
        given: a volunteer's 120 hours are hours of work, not five days."""
        if minutes < WAIT_DAYS_FROM_HOURS * 60:
            return self.duration(minutes)
        return self._unit(_tenths(minutes / (24 * 60)), "duration-day", "long")

    def distance(self, meters: float) -> Formatted:
        """Metres rounded to ten under a kilometre, then kilometres to a tenth up to ten,
        whole kilometres beyond: "370 m", "1,5 km", "12 km"."""
        if meters < 1000:
            return self._unit(max(10, round(meters, -1)), "length-meter", "short")
        value = round(meters / 1000, 1) if meters < 10_000 else round(meters / 1000)
        return self._unit(value, "length-kilometer", "short")

    def _unit(self, value: float, unit: str, length: Literal["short", "long"]) -> Formatted:
        return self.digits(_unit_text(self.locale, self.numbering, value, unit, length))

    def list_of(
        self, items: Iterable[str], style: Literal["standard", "or"] = "standard"
    ) -> Formatted:
        """Plain strings joined the locale's way: "Türkisch, Arabisch und Polnisch",
        "ترکی، عربی و لهستانی" (``style="or"``: "Türkisch oder Arabisch"). In ar/fa every
        item is isolated, so a Latin name in the list cannot turn the list's order around."""
        parts = [balance_bidi(str(item)) for item in items]
        if self.rtl:
            parts = [isolate(part) for part in parts]
        if self.lang in _LIST_JOINS and len(parts) > 1:
            comma, last = _LIST_JOINS[self.lang][style]
            return Formatted(comma.join(parts[:-1]) + last + parts[-1])
        return Formatted(format_list(parts, style=style, locale=self.locale) if parts else "")

    @property
    def comma(self) -> str:
        """The language's comma and space, to join parts of a line that are no list."""
        return _COMMAS.get(self.lang, ", ")

    def arrow(self, towards: Literal["back", "on"], *, emoji: bool = True) -> str:
        """The arrow for going back or on (more, next) the way the reader reads: in
        right-to-left languages back points right and on points left. ``emoji``: the
        chat's ◀️/▶️, else the web's plain ←/→."""
        back = (towards == "back") != self.rtl
        if emoji:
            return "◀️" if back else "▶️"
        return "←" if back else "→"

    def language(self, code: str) -> str:
        """A language's name in the reader's language ("Almanca" for de to a Turkish
        reader); the language picker uses :func:`language_name` instead."""
        return self.locale.languages.get(code, code)

    def date(self, value: date | datetime, fmt: str = "medium") -> Formatted:
        """A date in the ``fmt`` length; for an easy reader always with the weekday and the
        month written out ("Mittwoch, 25. November"), the year only when it is far: easy
        language abbreviates nothing and names the weekday of every date."""
        if isinstance(value, datetime):
            value = value.astimezone(TIMEZONE).date()
        if self.easy:
            near = abs((value - datetime.now(TIMEZONE).date()).days) <= NEAR_DAYS
            return self.skeleton(value, EASY_DATE if near else EASY_DATE_WITH_YEAR)
        return self.digits(format_date(value, format=fmt, locale=self.locale))

    def time(self, value: datetime) -> Formatted:
        """A clock time, 24-hour and without seconds in every language: "09:05", "۰۹:۰۵"."""
        return self.digits(_clock_text(self.locale, value))

    def skeleton(self, value: _Day | datetime, skeleton: str) -> Formatted:
        """A date in the locale's own arrangement of the fields, e.g. "MMMEd" gives
        "Di., 3. Nov." in German and "Tue, Nov 3" in English. A weekday asked for in full
        ("EEEE") is written in full, as ICU widens the matched pattern's fields: CLDR has
        only "d MMMM E" for Turkish, and "24 Kasım Sal" reads clipped ("24 Kasım Salı").
        For an easy reader the weekday and the month are written out wherever the skeleton
        names them ("Mittwoch, 25. November", not "Mi., 25. Nov.")."""
        local = value.astimezone(TIMEZONE) if isinstance(value, datetime) else value
        if self.easy:
            skeleton = _written_out(skeleton)
        patterns = self.locale.datetime_skeletons
        key = skeleton if skeleton in patterns else match_skeleton(skeleton, patterns)
        full_weekday, full_month = "EEEE" in skeleton, "MMMM" in skeleton
        if not (full_weekday or full_month) or key is None:
            return self.digits(format_skeleton(skeleton, local, locale=self.locale))
        parts = re.split(r"('[^']*')", patterns[key].pattern)  # odd parts: quoted literals
        for i in range(0, len(parts), 2):
            if full_weekday:
                parts[i] = _SHORT_WEEKDAY.sub("EEEE", parts[i])
            if full_month:
                parts[i] = _SHORT_MONTH.sub("MMMM", parts[i])
        return self.digits(format_datetime(local, "".join(parts), locale=self.locale))

    def day_and_time(self, value: datetime, skeleton: str = "MMMEd") -> Formatted:
        """A date in the arrangement of :meth:`skeleton` with the clock time, joined the
        locale's way: "Mo., 24. Nov., 18:00", "دوشنبه ۲۴ نوامبر، ۱۸:۰۰" - never a Latin
        comma in a Persian or Arabic line. CLDR joins by the month's width: the long
        pattern for a month written out, the medium one for an abbreviated month, the
        short one for a month in digits."""
        local = value.astimezone(TIMEZONE)
        fmt = "long" if "MMMM" in skeleton else "medium" if "MMM" in skeleton else "short"
        return self._joined(fmt, self.skeleton(local, skeleton), local)

    def _joined(self, fmt: str, day: str, local: datetime) -> Formatted:
        joined = str(self.locale.datetime_formats[fmt])
        return Formatted(joined.replace("{1}", day).replace("{0}", self.time(local)))

    def datetime(self, value: datetime, fmt: str = "medium") -> Formatted:
        """A date in the ``fmt`` length with the clock time of :meth:`time`, joined the
        locale's way ("03.11.2025, 18:00")."""
        local = value.astimezone(TIMEZONE)
        return self._joined(fmt, self.date(local, fmt), local)


# Babel takes 5-13 µs to format one number, distance or clock time, and a list of places or
# events formats the same ones again and again (a tenth of a place search's time in the handler
# mix's profile). Each depends on nothing but the locale and the value; bounded, as the values
# come from outside.
FORMATS_KEPT = 4096


@lru_cache(maxsize=FORMATS_KEPT)
def _names_only(translated: str) -> bool:
    """Whether each placeholder of ``translated`` is a bare name ("{name}"): no conversion,
    format spec, attribute or index, which markupsafe's formatter treats otherwise than
    str.format (it escapes what they make, and refuses a spec on Markup)."""
    try:
        fields = [
            field
            for _, field, spec, conversion in _string.formatter_parser(translated)
            if field is not None and (spec or conversion or not field.isidentifier())
        ]
    except ValueError:  # a stray brace: markupsafe's formatter says so as it always did
        return False
    return not fields


# How many messages a translator keeps translated (Translator.gettext, Translator.t): more
# than the catalogs hold.
MESSAGES_KEPT = 8192


@lru_cache(maxsize=FORMATS_KEPT, typed=True)
def _decimal_text(locale: Locale, numbering: str, value: float) -> str:
    return format_decimal(value, locale=locale, numbering_system=numbering)


@lru_cache(maxsize=FORMATS_KEPT, typed=True)
def _unit_text(
    locale: Locale, numbering: str, value: float, unit: str, length: Literal["short", "long"]
) -> str:
    # Where the locale's data has no words of this length (Persian has no long
    # durations), Babel would print the unit's id: take the short words instead.
    if not locale._data["unit_patterns"].get(unit, {}).get(length):
        length = "short"
    text = format_unit(value, unit, length=length, locale=locale, numbering_system=numbering)
    # A number never touches its word: CLDR's Persian short metre is "{0}متر".
    number = _decimal_text(locale, numbering, value)
    if text.startswith(number) and text[len(number) : len(number) + 1].isalpha():
        text = f"{number} {text[len(number) :]}"
    return text


@lru_cache(maxsize=FORMATS_KEPT)
def _clock_text(locale: Locale, value: datetime) -> str:
    return format_time(value, format=CLOCK, tzinfo=TIMEZONE, locale=locale)


def translator(lang: str, easy: bool = False, medium: str = "") -> Translator:
    """The translator of ``lang``; ``easy``: in easy language where a message has an easy
    variant, else as normal; ``medium`` (one of :data:`MEDIA`, "" a chat): a message's
    variant for it where it has one. One object per language, register and medium."""
    return _translator(lang, bool(easy), medium if medium in MEDIA else "")


@cache
def _translator(lang: str, easy: bool, medium: str) -> Translator:
    return Translator(lang, easy, medium)


def medium_variant(medium: str, chat: str, instead: str) -> str:
    """Declare ``instead`` (a message id, marked for the catalogs) as what a reader on
    ``medium`` gets for the chat's message ``chat``; returns ``instead``. A plural's two
    forms are declared one by one."""
    if medium not in MEDIA:
        raise ValueError(f"unknown medium: {medium!r}")
    _VARIANTS[(medium, chat)] = instead
    return instead


def medium_variants() -> dict[tuple[str, str], str]:
    """Every declared variant (for the checks of tests/locales)."""
    return dict(_VARIANTS)


def language_name(code: str) -> str:
    """The language's name in its own language and script, as shown in the picker."""
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (UnknownLocaleError, ValueError):
        return code
    return first_upper(name)


def first_upper(text: str) -> str:
    """``text`` with only its first letter upper-cased, for a name that starts a line or a
    sentence ("українська" -> "Українська"); unlike ``str.capitalize`` the rest is left as
    it is, and a script without case (Arabic, Persian) is unchanged."""
    return text[:1].upper() + text[1:]
