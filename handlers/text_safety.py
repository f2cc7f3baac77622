"""Making text from users safe to show inside the bot's own messages.

User text can try to pass for the bot's text: a display name with a line break and
"✅ Published by Cora", a right-to-left override (U+202E) that reverses what follows it, a
request description padded with blank lines so that its last line looks like a line of
the bot's own. Zero-width characters hide an e-mail address or phone number from the
moderation warnings while people still read it.

- :func:`clean_name` for display names (one short line, nothing invisible),
- :func:`clean_text` for free text kept as written (request descriptions, relayed
  messages, reports, answers) - these two are locales/plain_text.py's, where the stores'
  data migration reaches them too,
- :func:`quoted` to show free text in a message: every line behind a quote bar, so it can
  never stand as a bare line of the bot's,
- :func:`visible` for the moderation checks: what a reader sees, without the invisible
  characters that would break up a phone number or e-mail address,
- :func:`invisible`, which characters those are (also what a texted form drops, but
  :data:`LETTER_JOINERS`),
- :func:`without_bidi`, a text without its direction marks (a command copied from an
  Arabic or Farsi text, a list item's key).

Values given to ``Translator.format`` / ``t.t`` are escaped and wrapped in bidi isolates
(see :mod:`locales`); these functions handle what isolates cannot: line breaks, invisible
characters and blank-line padding.
"""

from __future__ import annotations

import re
import unicodedata

import regex
from markupsafe import Markup, escape

from locales import FSI, PDI, Translator
from locales.plain_text import BIDI_CONTROLS, ZWJ, ZWNJ, clean_text
from locales.plain_text import clean_name as clean_name  # the features' name for it too

# The bidi marks (LRM, RLM, ALM).
BIDI_MARKS = frozenset("\u200e\u200f\u061c")
# Invisible characters that are not of category Cf (combining grapheme joiner, variation
# selectors, Mongolian free variation selectors, Hangul fillers).
_IGNORABLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]"
)

# What shapes letters in Arabic and Persian writing: kept wherever invisible marks go.
LETTER_JOINERS = frozenset((ZWJ, ZWNJ))

QUOTE_BAR = "│ "
LRM = "\u200e"
RLM = "\u200f"


# What :func:`without_bidi` drops.
_NO_BIDI = str.maketrans(dict.fromkeys(BIDI_CONTROLS | BIDI_MARKS, ""))


def without_bidi(text: str) -> str:
    """``text`` without explicit bidi controls and marks: what right-to-left text puts
    around a command, a number or a list item's key, and whoever copies them copies it."""
    return text.translate(_NO_BIDI)


def invisible(ch: str) -> bool:
    """Whether ``ch`` shows as nothing: a format character (category Cf: zero-width space
    and joiners, bidi controls and marks, soft hyphen, byte-order mark, word joiner, …) or
    one of the invisible characters of other categories (combining grapheme joiner,
    variation selectors, Hangul fillers). The one list: :func:`visible` and the texted form
    (handlers/media/texted_form.py) drop what it names."""
    return unicodedata.category(ch) == "Cf" or _IGNORABLE.fullmatch(ch) is not None


# Invisible parts of an icon: variation selectors, the joiner, the keycap's ring.
_ICON_PARTS = frozenset("\ufe0e\ufe0f\u200d\u20e3")
# Unicode's own list of what shows as a picture (UTS #51: Extended_Pictographic), which
# names the pictures that are letters or punctuation by category ("ℹ" is a small letter,
# "‼" punctuation), and the skin tones and the regional letters of flags.
_PICTURE = regex.compile(r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}]")


def is_icon(ch: str) -> bool:
    """An icon or a part of one, nothing a word needs: the one rule of what neither the
    voice (bot/speech/script.py) nor a text message (handlers/media/texted_form.py) gets.
    Pictures by Unicode's list, symbols "other" (✅, ☎) and arrows (↔️ leads a label as an
    icon, though Unicode calls it a mathematical symbol)."""
    return (
        ch in _ICON_PARTS
        or unicodedata.category(ch) == "So"
        or 0x2190 <= ord(ch) <= 0x21FF
        or _PICTURE.match(ch) is not None
    )


def readable(text: str) -> bool:
    """Whether ``text`` has a letter or a digit, in any script: words every channel carries.
    Emoji and symbols alone are nothing a texted reader gets (a text leaves icons out,
    handlers/media/texted_form.py) nor anything read aloud says."""
    return any(ch.isalnum() for ch in text)


def visible(raw: str) -> str:
    """The text as a reader sees it, for the moderation checks (phone numbers, e-mail
    addresses, links, street addresses, similar requests) to run on.

    Removes every format character (category Cf: zero-width space and joiners, bidi
    controls and marks, soft hyphen, BOM, word joiner, …) and the other invisible ones
    (variation selectors, combining grapheme joiner, Hangul fillers), then applies NFKC
    (full-width "＠" and "０" become "@" and "0"). Combining marks put on ASCII
    characters ("0̶1̶7̶1̶") are removed too. Not for display: it changes the text.
    """
    text = unicodedata.normalize("NFKC", "".join(ch for ch in raw if not invisible(ch)))
    out: list[str] = []
    base = ""
    for ch in text:
        if unicodedata.category(ch) in ("Mn", "Me"):
            if base.isascii():
                continue
        else:
            base = ch
        out.append(ch)
    return "".join(out)


def quote_prefix(t: Translator) -> str:
    """What every line of :func:`quoted` starts with: a direction mark for the
    message's language (so the bar stands where that language's lines start) and the bar.
    """
    return (RLM if t.rtl else LRM) + QUOTE_BAR


def quoted(t: Translator, text: str) -> Markup:
    """User free text shown so that it cannot pass for the bot's own lines.

    The text goes through :func:`clean_text`; every line is HTML-escaped, wrapped in
    bidi isolates and put behind :func:`quote_prefix` ("│ "), blank lines too. Empty text
    gives one bare prefix. No HTML tags are added; wrap it if needed, e.g.
    ``t.format("<i>{text}</i>", text=quoted(t, text))``. A description ending in
    "\\n\\n✅ Published by Cora." thus shows as "│ ✅ Published by Cora.", inside the quote.
    """
    prefix = Markup(quote_prefix(t))
    lines = clean_text(text).split("\n")
    return Markup("\n").join(
        prefix + (Markup(FSI) + escape(line) + Markup(PDI) if line else Markup()) for line in lines
    )
