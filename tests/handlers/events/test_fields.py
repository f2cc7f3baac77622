"""The start's refusal (handlers/events/fields.py START_PROBLEM) gives its example as one
value: a date and time a week ahead, written by Babel in the reader's locale and digits in
the form the start is read in, isolated in Arabic and Persian - written into the sentence,
"24.12.2026 17:00" was laid out "17:00 24.12.2026" there."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.events import fields
from handlers.refusals import Refusal
from locales import FSI, PDI, TIMEZONE, translator

NOW = datetime(2026, 12, 28, 22, 30, tzinfo=UTC)  # 23:30 in Berlin, the year's last week


def _refused(text: str) -> Refusal:
    with pytest.raises(Refusal) as refused:
        fields.start(text, NOW)
    return refused.value


@pytest.mark.parametrize(
    ("lang", "example"),
    [("ar", "04.01.2027 17:00"), ("fa", "۰۴.۰۱.۲۰۲۷ ۱۷:۰۰")],
)
def test_the_example_start_is_one_isolated_value_in_arabic_and_persian(lang, example):
    said = str(_refused("morgen").text(translator(lang)))
    assert FSI + example + PDI in said, said
    assert "24.12.2026" not in said and "۲۴.۱۲.۲۰۲۶" not in said


@pytest.mark.parametrize("lang", ["ar", "fa", "de", "en", "tr"])
def test_the_example_start_is_one_the_start_step_takes(lang):
    """Typed as shown (in the reader's digits), the example is a start in the future."""
    example = _refused("24.12.2025 17:00").reason.values["example"]
    shown = str(example.text(translator(lang)))
    assert fields.start(shown, NOW) == datetime(2027, 1, 4, 17, tzinfo=TIMEZONE)
    assert str(_refused("x")) == (
        "🗓 Please write a future date and time, for example: 04.01.2027 17:00"
    )
