"""Keep contact details and numbers away from a translation engine, and put them back after.

``mask(text)`` replaces links, e-mail addresses, phone numbers and every other number with
placeholder tokens; ``Masked.text`` is all an engine may see. ``Masked.restore(translation)``
puts the originals back, or returns None when the engine lost, doubled or changed a token (the
caller then shows the original text untranslated, never a translation with a wrong number).

Why tokens like ``XQ1Z``: an engine has to copy them unchanged, and what engines copy is
what looks like a code or a proper noun. Numbers in brackets ("[1]") read as footnote or
list numbers, which engines renumber, localise ("[١]") or drop; XML-like tags ("<x1>") are
words to a plain-text engine and get translated, spaced out or closed. A short run of capital
Latin letters around a number is copied by subword models as one unknown piece. Restoring
forgives what engines still do to such a piece: spaces inside or around it ("XQ 1 Z"), a
change of case, and the number in another script's digits (Arabic-Indic, Persian). The letters
are chosen so that the user's own text cannot contain a lookalike.
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers

from handlers.parsing import compatible

# Links first: a phone number or a number inside a URL belongs to the URL.
_LINK = re.compile(r"(?:https?://|www\.|t\.me/)[^\s<>\"]+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Phone numbers phonenumbers does not accept as valid ("0231/98765-4", short extensions ...):
# a run of at least seven digits with the separators people type between them.
_DIGIT_RUN = re.compile(r"\+?\d(?:[\s/().-]{0,2}\d){6,}")
# Any other number, with the separators that make one number of "10:30", "3,50", "12.05.2025".
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
# What a URL's end usually is not: the sentence's punctuation after it.
_TRAILING = ".,;:!?)]}»\"'"


@dataclass(frozen=True)
class Masked:
    """``text`` may go to an engine; ``restore`` turns its translation back into a text."""

    text: str
    originals: tuple[str, ...]
    pattern: re.Pattern[str] | None

    def restore(self, translated: str) -> str | None:
        """The translation with every token replaced by its original, or None when a token
        is missing, repeated or unknown."""
        if self.pattern is None:
            return translated
        seen: set[int] = set()
        failed = False

        def put_back(match: re.Match[str]) -> str:
            nonlocal failed
            index = int(match.group(1)) - 1  # int() also reads Arabic-Indic digits
            if index in seen or not 0 <= index < len(self.originals):
                failed = True
                return ""
            seen.add(index)
            return self.originals[index]

        restored = self.pattern.sub(put_back, translated)
        if failed or len(seen) != len(self.originals):
            return None
        return restored


def mask(text: str) -> Masked:
    """Replace links, e-mail addresses, phone numbers and numbers in ``text`` by tokens.
    What to mask is found in the text's NFKC form, so that a phone number in superscript
    or circled digits, or an address with a full-width "＠", is masked like the plain one;
    the rest of the text goes to the engine as written."""
    spans = _spans_in_original(text)
    if not spans:
        return Masked(text, (), None)
    prefix, suffix, pattern = _free_token(text)
    parts: list[str] = []
    originals: list[str] = []
    end = 0
    for start, stop in spans:
        parts.append(text[end:start])
        originals.append(text[start:stop])
        parts.append(f"{prefix}{len(originals)}{suffix}")
        end = stop
    parts.append(text[end:])
    return Masked("".join(parts), tuple(originals), pattern)


def _spans_in_original(text: str) -> list[tuple[int, int]]:
    """:func:`_spans` of the text's compatible form, as positions in ``text`` itself."""
    if text.isascii():
        return _spans(text)
    view: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        plain = compatible(char)
        view.append(plain)
        origin.extend([index] * len(plain))
    merged: list[tuple[int, int]] = []
    for start, stop in _spans("".join(view)):
        first, last = origin[start], origin[stop - 1] + 1
        if merged and first < merged[-1][1]:  # two spans within one expanded character
            merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
        else:
            merged.append((first, last))
    return merged


def _spans(text: str) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) of everything to mask, in order; earlier kinds win."""
    taken: list[tuple[int, int]] = []

    def add(start: int, stop: int) -> None:
        if stop > start and all(stop <= a or start >= b for a, b in taken):
            taken.append((start, stop))

    for match in _LINK.finditer(text):
        add(match.start(), match.end() - _trailing_length(match.group()))
    for match in _EMAIL.finditer(text):
        add(match.start(), match.end())
    for found in phonenumbers.PhoneNumberMatcher(text, "DE"):
        add(found.start, found.end)
    for match in _DIGIT_RUN.finditer(text):
        add(match.start(), match.end())
    for match in _NUMBER.finditer(text):
        add(match.start(), match.end())
    # A number the earlier kinds only partly covered: its digits outside them, so that no
    # digit at all reaches the engine.
    for match in re.finditer(r"\d+", text):
        free = [i for i in range(match.start(), match.end()) if not _inside(i, taken)]
        for _, run in itertools.groupby(enumerate(free), lambda pair: pair[1] - pair[0]):
            positions = [i for _, i in run]
            add(positions[0], positions[-1] + 1)
    return sorted(taken)


def _inside(index: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= index < stop for start, stop in spans)


def _trailing_length(link: str) -> int:
    stripped = link.rstrip(_TRAILING)
    # Keep a closing bracket that closes one opened inside the link (Wikipedia-style URLs).
    if link[len(stripped) : len(stripped) + 1] == ")" and stripped.count("(") > stripped.count(")"):
        stripped += ")"
    return len(link) - len(stripped)


def _free_token(text: str) -> tuple[str, str, re.Pattern[str]]:
    """Letters around the token number that the text itself never shows in that shape."""
    for prefix, suffix in _candidates():
        spaced = r"\s*".join(re.escape(letter) for letter in prefix)
        pattern = re.compile(rf"{spaced}\s*(\d+)\s*{re.escape(suffix)}", re.IGNORECASE)
        if pattern.search(text) is None:
            return prefix, suffix, pattern
    raise AssertionError("unreachable: the candidates never run out")


def _candidates() -> Iterator[tuple[str, str]]:
    yield "XQ", "Z"
    # Only a text built to collide gets here; longer prefixes cannot all occur in it.
    letters = string.ascii_uppercase
    for length in itertools.count(2):
        for prefix in itertools.product("XQJ", *([letters] * (length - 1))):
            yield "".join(prefix), "Z"
