"""A date's day as an ordinal where ICU has none (bot/speech/ordinals.py)."""

from __future__ import annotations

import pytest

from bot.speech.ordinals import day
from bot.speech.script import number_words


@pytest.mark.parametrize(
    ("lang", "value", "said"),
    [
        ("uk", 1, "перше"),
        ("uk", 3, "третє"),
        ("uk", 11, "одинадцяте"),
        ("uk", 20, "двадцяте"),
        ("uk", 24, "двадцять четверте"),
        ("uk", 31, "тридцять перше"),
        ("pl", 1, "pierwszego"),
        ("pl", 12, "dwunastego"),
        ("pl", 30, "trzydziestego"),
        ("pl", 22, "dwudziestego drugiego"),
        ("fa", 1, "یکم"),
        ("fa", 3, "سوم"),
        ("fa", 23, "بیست و سوم"),
        ("fa", 30, "سی‌ام"),
        ("fa", 31, "سی و یکم"),
        ("ro", 1, "întâi"),
        ("ro", 2, "doi"),
    ],
)
def test_the_day_as_its_language_says_a_date(lang, value, said):
    assert day(value, lang, number_words(value, lang)) == said


def test_nothing_to_say_outside_a_month_or_for_other_languages():
    assert day(0, "uk", "нуль") is None and day(32, "pl", "x") is None
    assert day(5, "de", "fünf") is None
