"""An easy reader's dates name the weekday and write the month out, in every language:
easy language abbreviates nothing (docs/languages.md "Easy language")."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from babel import Locale

from locales import SUPPORTED_LANGUAGES, TIMEZONE, translator

SOON = datetime.now(TIMEZONE).replace(hour=15, minute=0) + timedelta(days=10)
FAR = SOON + timedelta(days=400)


def _names(lang: str, day: date) -> tuple[str, str]:
    """The weekday's and the month's full names for ``day`` in ``lang`` (as a date says
    them: the month in the format context, "ноября" in Russian)."""
    locale = Locale.parse(lang)
    weekday = locale.days["format"]["wide"][day.weekday()]
    month = locale.months["format"]["wide"][day.month]
    return weekday, month


def _abbreviated(lang: str, day: date) -> list[str]:
    locale = Locale.parse(lang)
    short = [locale.days["format"]["abbreviated"][day.weekday()]]
    short.append(locale.months["format"]["abbreviated"][day.month])
    wide = _names(lang, day)
    return [word for word in short if word not in wide]


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_easy_dates_name_the_weekday_and_the_month_in_full(lang: str) -> None:
    t = translator(lang, easy=True)
    day = SOON.date()
    weekday, month = _names(lang, day)
    for shown in (t.date(SOON), t.date(day), t.day_and_time(SOON), t.skeleton(SOON, "MMMd")):
        assert month.lower() in shown.lower(), (lang, shown)
        for word in _abbreviated(lang, day):
            assert not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", shown), (lang, shown)
    for shown in (t.date(SOON), t.date(day), t.day_and_time(SOON)):
        assert weekday.lower() in shown.lower(), (lang, shown)
    # The year is said only when the date is far.
    assert str(SOON.year) not in translator("de", easy=True).date(SOON)
    assert str(FAR.year) in translator("de", easy=True).date(FAR)


def test_readers_not_in_easy_language_keep_the_short_dates() -> None:
    assert translator("de").date(datetime(2026, 11, 25, 15, tzinfo=TIMEZONE)) == "25.11.2026"
    shown = translator("de").day_and_time(datetime(2026, 11, 25, 15, tzinfo=TIMEZONE))
    assert shown == "Mi., 25. Nov., 15:00"
