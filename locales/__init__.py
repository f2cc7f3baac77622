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
# reordering the surrounding right-to-left sentence.
FSI = "\u2068"
PDI = "\u2069"
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


def isolate(text: str) -> str:
    return f"{FSI}{text}{PDI}"


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
            value = str(value)
        elif isinstance(value, int | float):
            value = self.number(value)
        safe = value if isinstance(value, Markup) else escape(str(value))
        if self.rtl:
            return Markup(FSI) + safe + Markup(PDI)
        return safe

    def format(self, translated: str, **values: Any) -> Markup:
        """Fill ``{placeholders}`` in an already translated message.

        Values are HTML-escaped unless they are Markup, numbers are formatted for the
        locale, and in right-to-left languages every value is wrapped in bidi isolates.
        """
        return Markup(translated).format(**{k: self._value(v) for k, v in values.items()})

    def t(self, message: str, **values: Any) -> Markup:
        return self.format(self.gettext(message), **values)

    def tn(self, singular: str, plural: str, n: int, **values: Any) -> Markup:
        return self.format(self.ngettext(singular, plural, n), n=n, **values)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale, numbering_system="default")

    def date(self, value: date | datetime, fmt: str = "medium") -> str:
        if isinstance(value, datetime):
            value = value.astimezone(TIMEZONE)
        return format_date(value, format=fmt, locale=self.locale)

    def time(self, value: datetime, fmt: str = "short") -> str:
        return format_time(value, format=fmt, tzinfo=TIMEZONE, locale=self.locale)

    def skeleton(self, value: datetime, skeleton: str) -> str:
        """A date in the locale's own arrangement of the fields, e.g. "MMMEd" gives
        "Di., 3. Nov." in German and "Tue, Nov 3" in English."""
        return format_skeleton(skeleton, value.astimezone(TIMEZONE), locale=self.locale)

    def datetime(self, value: datetime, fmt: str = "medium") -> str:
        return format_datetime(value, format=fmt, tzinfo=TIMEZONE, locale=self.locale)


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
