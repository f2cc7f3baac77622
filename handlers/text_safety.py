"""Making text from users safe to show inside the bot's own messages.

User text can try to pass for the bot's text: a display name with a line break and
"✅ Published by Cora", a right-to-left override (U+202E) that reverses what follows it, a
request description padded with blank lines so that its last line looks like a line of
the bot's own. Zero-width characters hide an e-mail address or phone number from the
moderation warnings while people still read it.

- :func:`clean_name` for display names (one short line, nothing invisible),
- :func:`clean_text` for free text kept as written (request descriptions, relayed
  messages, reports, answers),
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

# Explicit bidi controls: embeddings, overrides, isolates and their closers, and the
# marks (LRM, RLM, ALM).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
BIDI_MARKS = frozenset("\u200e\u200f\u061c")
ZWJ = "\u200d"
ZWNJ = "\u200c"
# What str.splitlines treats as a line break; renderers may too.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
# Letters that look like nothing (Hangul fillers, Braille blank): a name of only these
# would be an invisible name.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
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


def _is_emoji(ch: str) -> bool:
    """Good enough for joining emoji: symbols, skin-tone modifiers, VS16."""
    return ch == "\ufe0f" or unicodedata.category(ch) in ("So", "Sk")


def _is_arabic_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L") and "ARABIC" in unicodedata.name(ch, "")


def clean_name(raw: str, limit: int = 64) -> str:
    """A display name safe to show anywhere: one line of at most ``limit`` characters.

    Control characters (category Cc, also line breaks and tabs) and line/paragraph
    separators become spaces; bidi controls and marks, zero-width and other format
    characters (category Cf) and lone surrogates are removed, except a zero-width joiner
    between two emoji ("👩‍💻") and a zero-width non-joiner between two Arabic-script letters
    (Persian spelling). Whitespace runs become one space; the result is stripped and cut.
    A name of nothing visible gives "".
    """
    out: list[str] = []
    for i, ch in enumerate(raw):
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Zl", "Zp") or ch in _BLANK_LETTERS:
            out.append(" ")
        elif cat in ("Cf", "Cs"):
            prev = out[-1] if out else ""
            nxt = raw[i + 1] if i + 1 < len(raw) else ""
            if not (prev and nxt):
                continue
            if (ch == ZWJ and _is_emoji(prev) and _is_emoji(nxt)) or (
                ch == ZWNJ and _is_arabic_letter(prev) and _is_arabic_letter(nxt)
            ):
                out.append(ch)
        else:
            out.append(ch)
    name = " ".join("".join(out).split())
    return name[:limit].rstrip(" " + ZWJ + ZWNJ)


def readable(text: str) -> bool:
    """Whether ``text`` has a letter or a digit, in any script: words every channel carries.
    Emoji and symbols alone are nothing a texted reader gets (a text leaves icons out,
    handlers/media/texted_form.py) nor anything read aloud says."""
    return any(ch.isalnum() for ch in text)


def clean_text(raw: str, max_blank_lines: int = 1) -> str:
    """Free text from a user (a request description, a relayed message, a report) safe
    to put into a multi-line bot message, otherwise as written.

    Line breaks of any kind become "\\n"; other control characters (Cc), explicit bidi
    embeddings, overrides and isolates, and lone surrogates are removed (bidi marks, ZWJ
    and ZWNJ stay: Arabic and Persian writing needs them). Trailing spaces are cut from
    every line, runs of blank lines are shortened to ``max_blank_lines`` and the whole is
    stripped.
    """
    text = _LINE_BREAK.sub("\n", raw)
    text = "".join(
        ch
        for ch in text
        if ch == "\n" or (ch not in BIDI_CONTROLS and unicodedata.category(ch) not in ("Cc", "Cs"))
    )
    lines: list[str] = []
    blank = 0
    for line in text.split("\n"):
        line = line.rstrip()
        blank = blank + 1 if not line else 0
        if blank <= max_blank_lines:
            lines.append(line)
    return "\n".join(lines).strip()


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
