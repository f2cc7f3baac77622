"""The coordinates a place's location is asked and refused with (handlers/places/fields.py
LOCATION_HINT, the chat's location step) give their example as one value, isolated in
Arabic and Persian - written into the sentence, "51.5136, 7.4653" was laid out
"7.4653 ,51.5136" there - in the reader's digits, and typed as shown it is read."""

from __future__ import annotations

import pytest

from handlers.places import editing, fields
from locales import FSI, PDI, translator


@pytest.mark.parametrize(
    ("lang", "example"), [("ar", "51.5136، 7.4653"), ("fa", "۵۱٫۵۱۳۶، ۷٫۴۶۵۳")]
)
def test_the_example_point_is_one_isolated_value_in_arabic_and_persian(lang, example):
    t = translator(lang)
    with pytest.raises(fields.FieldProblem) as refused:
        fields.coordinates("beim Markt")
    asked = str(editing.FORM.steps["location"].asked(t))
    for shown in (str(refused.value.text(t)), asked):
        assert FSI + example + PDI in shown, shown
    assert fields.coordinates(example) == (51.5136, 7.4653)
