"""Which language a request's description is labelled with (``description_lang``).

The one rule, used where a requester writes it (``requests_flow``) and where a coordinator
edits it (``lifecycle.correct_text``): of the candidate languages, in order, the first one
whose alphabet the text is written in. The candidates are the label the text had before (an
edit that only removed a phone number keeps it) and the writer's chat language. A text in
no candidate's alphabet gets no label ("?") rather than a wrong one.

This tells alphabets apart (Latin, Arabic, Cyrillic …), not languages that share one: a
Turkish text written by someone chatting in German stays "German". The alphabet of each
language is read from its own name in CLDR (Babel), so a new language needs no entry here.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import cache

from babel import Locale


def _script(char: str) -> str:
    """The first word of a letter's Unicode name: LATIN, ARABIC, CYRILLIC …"""
    return unicodedata.name(char, "?").split(" ", 1)[0]


def script_of(text: str) -> str | None:
    """The alphabet most of the text's letters are in; None for a text without letters."""
    counts = Counter(_script(char) for char in text if char.isalpha())
    return counts.most_common(1)[0][0] if counts else None


@cache
def _language_script(code: str) -> str | None:
    return script_of(Locale.parse(code).get_display_name(code) or "")


def description_language(text: str, *candidates: str | None) -> str:
    """The label for ``text``: the first candidate language written in its alphabet, the
    first candidate for a text without letters, "" when none fits."""
    languages = [code for code in candidates if code]
    script = script_of(text)
    if script is None:
        return languages[0] if languages else ""
    return next((code for code in languages if _language_script(code) == script), "")
