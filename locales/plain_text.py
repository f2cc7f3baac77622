"""What of a text typed or imported shows as written, in every script: one clean line
for a name, free text kept as written but for what would pass for another line or turn
round what follows it.

The one rule for text from people and files, at the lowest layer so that every layer keeps
it: the features check what is typed and imported by it (handlers/text_safety.py, which
holds the rest of making user text safe to show), and the stores' data migration cleans
what was saved before they did (db/data_steps.py).

- :func:`clean_name` for names, titles and addresses (one short line, nothing invisible),
- :func:`clean_text` for free text kept as written (descriptions, relayed messages).
"""

from __future__ import annotations

import re
import unicodedata

# Explicit bidi controls: embeddings, overrides, isolates and their closers.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


ZWJ = "\u200d"
ZWNJ = "\u200c"


# What str.splitlines treats as a line break; renderers may too.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


# Letters that look like nothing (Hangul fillers, Braille blank): a name of only these
# would be an invisible name.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


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
