"""A part's number said as Arabic says it, an ordinal: "الجزء الثاني من خمسة عشر", never
the cardinal "الجزء اثنان" (issue 80, point 6) - the privacy notice said in parts on the
phone ("📋 Part 2 of 15.", handlers/privacy.py), its number after the word for part.

The ordinals are written with their vowels, as every word the phone says in Arabic
(bot/speech/arabic.py ``_VOCALISED``: eSpeak NG says an unvocalised word it does not know
as consonants); after the article a sun letter carries no shadda, eSpeak NG doubles it
itself. Masculine, as "الجزء" is; beyond twenty the number is said as it is written (a
notice has fewer parts).
"""

from __future__ import annotations

import re

# 1-20, masculine, with the article (pausal: no case ending).
_ORDINALS = (
    "الأَوَّل",
    "الثَانِي",
    "الثَالِث",
    "الرَابِع",
    "الخَامِس",
    "السَادِس",
    "السَابِع",
    "الثَامِن",
    "التَاسِع",
    "العَاشِر",
    "الحَادِي عَشَر",
    "الثَانِي عَشَر",
    "الثَالِث عَشَر",
    "الرَابِع عَشَر",
    "الخَامِس عَشَر",
    "السَادِس عَشَر",
    "السَابِع عَشَر",
    "الثَامِن عَشَر",
    "التَاسِع عَشَر",
    "العِشْرُون",
)
# The word for part, with or without its vowels (the catalogs may write them), and the
# number after it.
_VOWEL = "[\u064b-\u0652]*+"
_PART = re.compile("(" + _VOWEL.join("الجزء") + _VOWEL + r")\s++(\d++)(?!\d)")
_PART_SAID = "الجُزْء"


def ordinal(value: int) -> str | None:
    """``value`` as a masculine ordinal with its article, vocalised; None beyond 1-20."""
    return _ORDINALS[value - 1] if 0 < value <= len(_ORDINALS) else None


def parts_in_order(text: str) -> str:
    """``text`` with each part's number after the word for part said as an ordinal."""

    def said(match: re.Match[str]) -> str:
        words = ordinal(int(match.group(2)))
        return match.group(0) if words is None else f"{_PART_SAID} {words}"

    return _PART.sub(said, text)
