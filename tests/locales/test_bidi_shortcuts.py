"""The bidi helpers' shortcuts (locales/__init__.py) answer as their definitions do.

``needs_isolation_in_ltr`` skips the per-character look-up for text below Hebrew's block,
``balance_bidi`` returns a line without controls as it is, ``isolate_lines`` joins its
pieces as plain text, ``_has_strong_letter`` cuts the isolated values out with a pattern
instead of counting depth character by character (bench/profiles/README.md, ninth pass).
Each is compared here with the character-by-character definition it replaced, on many
random lines made of the characters that matter: letters of both directions, digits,
neutrals, tags, references, every bidi control and the line breaks.
"""

from __future__ import annotations

import random
import unicodedata

from markupsafe import Markup, escape

import locales
from locales import (
    FIRST_REORDERING,
    FSI,
    PDI,
    balance_bidi,
    isolate_lines,
    needs_isolation_in_ltr,
)

ALPHABET = [
    *"aZß öüçşğ",  # Latin (L) and a space
    *"щЖ",  # Cyrillic (L)
    *"بعס",  # Arabic (AL) and Hebrew (R)
    *"٣۴",  # Arabic-Indic digits (AN, EN)
    *"12.,-:·📏🟢",  # numbers, neutrals, emoji
    "<b>",
    "</b>",
    "&amp;",
    "&#8206;",
    "\u2066",  # LRI
    "\u2067",  # RLI
    "\u2068",  # FSI
    "\u2069",  # PDI
    "\u202a",  # LRE
    "\u202b",  # RLE
    "\u202c",  # PDF
    "\u202d",  # LRO
    "\u202e",  # RLO
    "\u200e",  # LRM
    "\u200f",  # RLM
    "\n",
    "\r\n",
    "\u2028",
]


def lines(count: int, seed: int) -> list[str]:
    draw = random.Random(seed)
    return [
        "".join(draw.choice(ALPHABET) for _ in range(draw.randint(0, 14))) for _ in range(count)
    ]


def reordering(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in locales._REORDERING for ch in text)


def strong_by_depth(line: str) -> bool:
    depth = 0
    for ch in locales._NOT_SHOWN.sub("", line):
        if ch in "\u2066\u2067\u2068":
            depth += 1
        elif ch == PDI:
            depth = max(0, depth - 1)
        elif not depth and unicodedata.bidirectional(ch) in ("L", "R", "AL"):
            return True
    return False


def isolated_by_concatenation(text: str, always: bool) -> Markup:
    out = Markup()
    for i, part in enumerate(locales._PARAGRAPH_BREAK.split(text)):
        if i % 2:
            out += Markup(part)
        elif part and (always or reordering(part)):
            out += Markup(FSI) + escape(balance_bidi(part)) + Markup(PDI)
        elif part:
            out += escape(part)
    return out


def test_nothing_before_hebrew_reorders_a_line() -> None:
    below = [chr(c) for c in range(ord(FIRST_REORDERING))]
    assert not [ch for ch in below if unicodedata.bidirectional(ch) in locales._REORDERING]


def test_needs_isolation_answers_as_each_characters_class() -> None:
    for text in lines(3000, 1):
        assert needs_isolation_in_ltr(text) == reordering(text), repr(text)


def test_a_line_without_controls_is_balanced_as_it_is() -> None:
    for text in lines(3000, 2):
        if not any(ch in text for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"):
            assert balance_bidi(text) is text


def test_isolated_lines_are_the_concatenations_text() -> None:
    for text in lines(3000, 3):
        for always in (True, False):
            made = isolate_lines(text, always=always)
            assert isinstance(made, Markup)
            assert made == isolated_by_concatenation(text, always), repr(text)


def test_a_strong_letter_is_found_outside_the_isolates_as_by_depth() -> None:
    for text in lines(5000, 4):
        for line in locales._PARAGRAPH_BREAK.split(text)[::2]:
            assert locales._has_strong_letter(line) == strong_by_depth(line), repr(line)


def test_nested_and_unclosed_isolates() -> None:
    # A letter after the outer isolate closes counts; one inside an isolate never closed
    # does not; a closing mark without an opener hides nothing.
    assert locales._has_strong_letter("\u2068a\u2068b\u2069c\u2069 d")
    assert not locales._has_strong_letter("\u2068a\u2068b\u2069c")
    assert locales._has_strong_letter("\u2069 d")
    assert not locales._has_strong_letter("📏 \u2068370 m\u2069")
