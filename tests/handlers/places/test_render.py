"""Issue 41, point 8: "closed, opens Monday" said on a Monday evening reads as today; a day
a week or more away is named with its date."""

from __future__ import annotations

from datetime import datetime

import pytest

from db.places import Place
from handlers.places import render
from locales import SUPPORTED_LANGUAGES, TIMEZONE, translator
from tests.support.memory_transport import readable

# A fixed clock: Monday 23 November 2026, after the Monday opening has closed.
MONDAY_EVENING = datetime(2026, 11, 23, 19, 0, tzinfo=TIMEZONE)


def _place(hours: str) -> Place:
    return Place(
        source="t",
        source_id="x",
        name="Beratung am Montag",
        category="counselling",
        lat=51.51,
        lon=7.46,
        opening_hours=hours,
    )


def test_a_monday_evening_says_the_date_of_next_monday():
    t = translator("en")
    place = _place("Mo 10:00-17:00")
    status = render.hours_status(
        t, render.hours.status(place.opening_hours, MONDAY_EVENING), MONDAY_EVENING
    )
    assert readable(str(status)) == "🔴 closed, opens on Monday, November 30 at 10:00"
    text = readable(str(render.details(t, place, MONDAY_EVENING)))
    assert "➡️ Next: Monday, November 30, 10:00–17:00" in text


def test_a_day_within_the_week_keeps_its_weekday():
    t = translator("en")
    place = _place("Mo,Th 10:00-17:00")
    status = render.hours_status(
        t, render.hours.status(place.opening_hours, MONDAY_EVENING), MONDAY_EVENING
    )
    assert readable(str(status)) == "🔴 closed, opens on Thursday at 10:00"


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_next_week_has_the_date_in_every_language(lang):
    t = translator(lang)
    place = _place("Mo 10:00-17:00")
    status = readable(
        str(
            render.hours_status(
                t, render.hours.status(place.opening_hours, MONDAY_EVENING), MONDAY_EVENING
            )
        )
    )
    # The day of the month, 30, in the language's digits (Persian in fa, see locales).
    assert t.digits("30") in status


# Issue 80, point 6: the day a place opens with its preposition and in its case - Russian,
# Ukrainian and Bulgarian said "откроется: среда, 10:00" (CLDR's day alone, no "в").
OPENS_ON = {
    ("ru", False): ("🔴 закрыто, откроется в среду в 10:00", "во вторник"),
    ("ru", True): ("🔴 Сейчас закрыто. Откроется в среду в 10:00.", "во вторник"),
    ("uk", False): ("🔴 зачинено, відчиниться у середу о 10:00", "у вівторок"),
    ("uk", True): ("🔴 Зараз зачинено. Відчиниться у середу о 10:00.", "у вівторок"),
    ("bg", False): ("🔴 затворено, отваря в сряда в 10:00 ч.", "във вторник"),
    ("bg", True): ("🔴 Сега е затворено. Отваря в сряда в 10:00 ч.", "във вторник"),
}


@pytest.mark.parametrize("easy", [False, True], ids=["usual", "easy"])
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_day_it_opens_has_its_preposition(lang, easy):
    t = translator(lang, easy=easy)
    said = []
    for hours in ("We 10:00-17:00", "Tu 10:00-17:00"):
        place = _place(hours)
        said.append(
            readable(
                str(
                    render.hours_status(
                        t, render.hours.status(place.opening_hours, MONDAY_EVENING), MONDAY_EVENING
                    )
                )
            )
        )
    # The day as the language says "on Wednesday", whole, and the time after it.
    assert t._(render.ON_WEEKDAY[2]) in said[0] and t.digits("10:00") in said[0], said
    assert t._(render.ON_WEEKDAY[1]) in said[1], said
    if (lang, easy) in OPENS_ON:
        wednesday, tuesday = OPENS_ON[lang, easy]
        assert said[0] == wednesday and tuesday in said[1], said
