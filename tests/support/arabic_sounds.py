"""What eSpeak NG's Arabic phonemes say of a word's vowels: the speech tests' one rule
(tests/bot/speech/test_arabic_vowels.py, test_arabic_part_numbers.py and the caller's notice)
for a word said as a run of consonants - no Arabic syllable begins with two consonants, nor
has three in a row."""

from __future__ import annotations

import re
import unicodedata

_VOWELS = set("aeiouəɑɛɔæɪʊ")
# Signs that are no sound of their own: stress, length, syllable breaks, and what colours
# a consonant (emphatic "dˤ", palatal "ʲ").
_MARKS = re.compile("[ˈˌː.‿ˤʲʰʷ]")


def clusters(phonemes: str) -> list[str]:
    """The words of ``phonemes`` that begin with two consonants or hold three in a row (a
    doubled consonant counts once)."""
    wrong = []
    for word in phonemes.split():
        sounds = unicodedata.normalize("NFD", _MARKS.sub("", word.replace("dʒ", "j")))
        sounds = "".join(c for c in sounds if not unicodedata.combining(c) and c.isalpha())
        sounds = re.sub(r"(.)\1++", r"\1", sounds)
        kinds = "".join("v" if c in _VOWELS else "c" for c in sounds)
        if kinds.startswith("cc") or "ccc" in kinds:
            wrong.append(word)
    return wrong
