"""Arabic numbers as the thing counted needs them (bot/speech/arabic.py)."""

from __future__ import annotations

import pytest

from bot.speech.arabic import counted


@pytest.mark.parametrize(
    ("value", "masculine", "feminine"),
    [
        (1, "واحد", "واحدة"),
        (2, "اثنان", "اثنتان"),
        (3, "ثلاثة", "ثلاث"),
        (8, "ثمانية", "ثماني"),
        (10, "عشرة", "عشر"),
        (11, "أحد عشر", "إحدى عشرة"),
        (12, "اثنا عشر", "اثنتا عشرة"),
        (17, "سبعة عشر", "سبع عشرة"),
        (20, "عشرون", "عشرون"),
        (21, "واحد وعشرون", "إحدى وعشرون"),
        (32, "اثنان وثلاثون", "اثنتان وثلاثون"),
        (99, "تسعة وتسعون", "تسع وتسعون"),
    ],
)
def test_the_number_takes_the_form_its_thing_needs(value, masculine, feminine):
    assert counted(value, "masculine") == masculine
    assert counted(value, "feminine") == feminine


@pytest.mark.parametrize(("value", "gender"), [(0, "feminine"), (100, "masculine"), (5, "plain")])
def test_outside_its_range_it_leaves_the_words_to_icu(value, gender):
    assert counted(value, gender) is None
