"""The /stats picture's panel titles wrap where a reader expects: after the "…:" head, and
never between a number and its unit, in every catalog's wording."""

from __future__ import annotations

import re

import pytest

from handlers.statistics.picture import LANGUAGES_COUNTS, LANGUAGES_SHARE, TITLE_WIDTH, _wrapped
from locales import SUPPORTED_LANGUAGES, translator


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("msgid", [LANGUAGES_SHARE, LANGUAGES_COUNTS])
def test_a_long_title_breaks_after_its_head_and_keeps_numbers_with_their_words(lang, msgid):
    title = translator(lang).gettext(msgid)
    lines = _wrapped(title).split("\n")
    assert lines[0].endswith(":"), lines
    assert all(not re.search(r"\d$", line) for line in lines), lines
    assert all(len(line) <= TITLE_WIDTH for line in lines), lines
    # Nothing of the title is lost: the same words, in the same order.
    assert _wrapped(title).replace("\u00a0", " ").split() == title.split()


def test_a_short_title_is_left_whole():
    assert _wrapped("Requests by month") == "Requests by month"
