"""Issue 56, point 7: a request's day and part of the day are joined by the reader's
comma - never a Latin comma in an Arabic or Persian line (docs/speech.md)."""

from __future__ import annotations

import pytest

from handlers.helping.render import describe
from locales import translator


@pytest.mark.parametrize(("lang", "comma"), [("ar", "، "), ("fa", "، "), ("de", ", ")])
@pytest.mark.parametrize("easy", [False, True])
def test_the_day_and_its_part_are_joined_by_the_languages_comma(lang, comma, easy):
    t = translator(lang, easy=easy)
    draft = {"category": "shopping", "when_kind": "day", "when_text": "2026-11-26 afternoon"}
    line = next(x for x in str(describe(t, draft)).split("\n") if "🕓" in x)
    assert comma + t._("in the afternoon") in line, line
    if lang != "de":
        assert "," not in line, line
