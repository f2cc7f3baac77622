"""A long wait reads in days (Translator.wait): "4 Tage", not "96,9 Stunden" - as Babel's
format_timedelta says it with threshold=2 (days from 48 hours on), in the reader's words and
digits; a wait under 48 hours reads as Translator.duration always wrote it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from babel.dates import format_timedelta

from locales import SUPPORTED_LANGUAGES, translator

FOUR_DAYS = round(96.9 * 60)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_a_wait_of_days_reads_in_days(lang):
    t = translator(lang)
    babel = format_timedelta(timedelta(minutes=FOUR_DAYS), threshold=2, locale=t.locale)
    assert t.wait(FOUR_DAYS) == t.digits(babel)
    assert t.digits("96") not in t.wait(FOUR_DAYS)
    # Two and a half days are not rounded to two or three: to a tenth, as hours are.
    assert t.number(2.5) in t.wait(60 * 60)
    assert t.wait(48 * 60) == t.digits(
        format_timedelta(timedelta(hours=48), threshold=2, locale=t.locale)
    )


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_short_waits_read_as_before(lang):
    t = translator(lang)
    for minutes in (1, 45, 60, 90, 150, 20 * 60, 47 * 60):
        assert t.wait(minutes) == t.duration(minutes)


@pytest.mark.parametrize("lang", ["ar", "fa"])
def test_a_wait_in_days_is_isolated_in_right_to_left_text(lang):
    t = translator(lang)
    said = str(t.t("{time} on average", time=t.wait(FOUR_DAYS)))
    assert re.search("\u2068[^\u2069]*" + t.digits("4") + "[^\u2069]*\u2069", said), said
