"""Days named relative to today ("morgen", "завтра", "yarın", "غدًا", "فردا"), read from a
text a person typed, in any of the bot's languages.

A word like "tomorrow" means a day only on the day it is written: kept as written, a
helper who reads the offer the next morning goes a day late, and a coordinator who reads
no Ukrainian sees "завтра" and no day at all. The words are CLDR's (Babel's locale data:
"yesterday" to "the day after tomorrow", as each language's calendar names them), so no
language's list is typed twice here.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any

from babel import localedata

from locales import SUPPORTED_LANGUAGES

# CLDR's widths of the day's field, each with its words for the days near today.
_WIDTHS = ("day", "day-short", "day-narrow")
# What a person may type around the word ("Morgen!", "завтра.", "فردا؟").
_EDGES = " \t\n.,;:!?¿¡،؛؟…\"'«»“”„()"


def _plain(text: str) -> str:
    """``text`` as a reader of these words compares it: case folded, without accents or
    Arabic vowel marks ("mâine" is "maine", "غدًا" is "غدا"), Turkish's dotless i as a dotted
    one (a keyboard without it types "yarin"), without spaces and the zero-width non-joiner
    ("پس‌فردا", "پس فردا" and "پسفردا" are one), and without the direction marks a phone
    puts into right-to-left text."""
    visible = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    folded = visible.strip(_EDGES).casefold().replace("ı", "i")  # "yarın", "yarin", "YARIN"
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) and not ch.isspace())


@cache
def _offsets() -> dict[str, int]:
    """Each language's word for a day near today, plain, with its distance in days; a word
    two languages give different days is left out (none does today)."""
    found: dict[str, set[int]] = {}
    for lang in SUPPORTED_LANGUAGES:
        data: dict[str | int | None, Any] = dict(localedata.load(lang).items())
        fields = localedata.LocaleDataDict(data)["date_fields"]  # its aliases resolved
        # The short forms add what people type too (Polish "dziś" beside "dzisiaj").
        for width in _WIDTHS:
            for offset, word in fields[width]["relative"].items():
                found.setdefault(_plain(word), set()).add(int(offset))
    return {word: days.pop() for word, days in found.items() if len(days) == 1}


def day_offset(text: str) -> int | None:
    """How many days from today the text names, when it is only such a word ("morgen":
    1, "вчера": -1), else None ("morgen Nachmittag", "Tuesday" are the reader's to read)."""
    return _offsets().get(_plain(text))
