"""Languages, catalogs and locale-aware formatting.

The gettext catalogs live next to this file in ``<lang>/LC_MESSAGES/messages.po``;
``make`` compiles them to ``.mo``. Message ids are English.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from markupsafe import Markup, escape

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent
DOMAIN = "messages"

# Order is the order of the language picker: German first (the city's language), then by
# how many residents use it according to the sources in shared/CONTEXT.md.
SUPPORTED_LANGUAGES: tuple[str, ...] = ("de", "en", "ar", "tr", "uk", "ru", "ro", "bg", "pl", "fa")
DEFAULT_LANGUAGE = "de"
RTL_LANGUAGES = frozenset({"ar", "fa"})
TIMEZONE = ZoneInfo("Europe/Berlin")

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
# Everything that starts a new paragraph (and so ends all bidi levels) for Unicode
# renderers: the line breaks str.splitlines knows.
_PARAGRAPH_BREAK = re.compile(r"(\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029])")
# A left-to-right mark on both sides of a /command in right-to-left text keeps its slash in
# front ("/help", not "help/") while leaving it detectable as a command by the chat app.
LRM = "\u200e"
_COMMAND_IN_TEXT = re.compile(r"(?<![\w/<])(/[a-z][a-z0-9_]*)")

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


def _load_translations(lang: str) -> NullTranslations:
    lc_dir = LOCALES_DIR / lang / "LC_MESSAGES"
    mo_path = lc_dir / f"{DOMAIN}.mo"
    po_path = lc_dir / f"{DOMAIN}.po"
    if mo_path.exists() and (
        not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime
    ):
        with mo_path.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if po_path.exists():
        # A checkout without compiled catalogs (or with stale ones) still speaks every
        # language: compile in memory instead of silently falling back to English.
        log.warning("catalog %s is not compiled or out of date; compiling in memory", po_path)
        with po_path.open("rb") as fp:
            catalog = read_po(fp, locale=lang, domain=DOMAIN)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        return Translations(buf, domain=DOMAIN)
    log.error("no catalog for language %s", lang)
    return NullTranslations()


class Formatted(str):
    """A number, date or time the bot formatted itself (see :class:`Translator`).

    Left-to-right messages show it as is; every other plain string given to
    :meth:`Translator.format` counts as user text and is isolated.
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


def isolate_lines(text: str) -> Markup:
    """User text, HTML-escaped, with every line balanced and wrapped in FSI … PDI.

    Isolates end at a line break, so each line gets its own pair; empty lines stay empty.
    """
    out = Markup()
    for i, part in enumerate(_PARAGRAPH_BREAK.split(text)):
        if i % 2:  # a line break (the pattern's group)
            out += Markup(part)
        elif part:
            out += Markup(FSI) + escape(balance_bidi(part)) + Markup(PDI)
    return out


class Translator:
    """Everything language-dependent for one language: messages, plurals and formats."""

    def __init__(self, lang: str) -> None:
        if lang not in SUPPORTED_LANGUAGES:
            raise ValueError(f"unsupported language: {lang!r}")
        self.lang = lang
        self.locale = Locale.parse(lang)
        self.rtl = lang in RTL_LANGUAGES
        self._tr = _load_translations(lang)

    def _directional(self, text: str) -> str:
        return _COMMAND_IN_TEXT.sub(rf"{LRM}\1{LRM}", text) if self.rtl else text

    def gettext(self, message: str) -> str:
        return self._directional(self._tr.gettext(message))

    _ = gettext

    def ngettext(self, singular: str, plural: str, n: int) -> str:
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
        else:
            # Anything else may come from a user: isolated in every language.
            return isolate_lines(str(value))
        if self.rtl:
            return Markup(FSI) + safe + Markup(PDI)
        return safe

    def format(self, translated: str, **values: Any) -> Markup:
        """Fill ``{placeholders}`` in an already translated message.

        Values are HTML-escaped unless they are Markup, and numbers are formatted for the
        locale. Plain strings count as user text: in every language each of their lines is
        wrapped in bidi isolates (FSI … PDI) with its own bidi controls balanced, so a
        right-to-left override in a name cannot reorder the bot's text. Markup (text the
        bot built, whose values were isolated when it was formatted) and what
        :meth:`number`, :meth:`date`, :meth:`time`, :meth:`skeleton` and :meth:`datetime`
        return (:class:`Formatted`) are isolated only in right-to-left languages.
        """
        return Markup(translated).format(**{k: self._value(v) for k, v in values.items()})

    def t(self, message: str, **values: Any) -> Markup:
        return self.format(self.gettext(message), **values)

    def tn(self, singular: str, plural: str, n: int, **values: Any) -> Markup:
        return self.format(self.ngettext(singular, plural, n), n=n, **values)

    def number(self, value: float) -> Formatted:
        return Formatted(format_decimal(value, locale=self.locale, numbering_system="default"))

    def date(self, value: date | datetime, fmt: str = "medium") -> Formatted:
        if isinstance(value, datetime):
            value = value.astimezone(TIMEZONE)
        return Formatted(format_date(value, format=fmt, locale=self.locale))

    def time(self, value: datetime, fmt: str = "short") -> Formatted:
        return Formatted(format_time(value, format=fmt, tzinfo=TIMEZONE, locale=self.locale))

    def skeleton(self, value: datetime, skeleton: str) -> Formatted:
        """A date in the locale's own arrangement of the fields, e.g. "MMMEd" gives
        "Di., 3. Nov." in German and "Tue, Nov 3" in English."""
        return Formatted(format_skeleton(skeleton, value.astimezone(TIMEZONE), locale=self.locale))

    def datetime(self, value: datetime, fmt: str = "medium") -> Formatted:
        return Formatted(format_datetime(value, format=fmt, tzinfo=TIMEZONE, locale=self.locale))


@cache
def translator(lang: str) -> Translator:
    return Translator(lang)


def language_name(code: str) -> str:
    """The language's name in its own language and script, as shown in the picker."""
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (UnknownLocaleError, ValueError):
        return code
    return name[:1].upper() + name[1:]
