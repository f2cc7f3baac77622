"""Whole sentences in every text, the ones "0" brings too (QA of the texts), through real
Kannel with fakesmsc (tests/support/sms/city.py): a Ukrainian texter asking for help got the
explanation in texts of two UCS-2 segments (134 characters), and its first sentence, 137
characters long, was cut between words - "… бланками, смартфоном, а також" in one text,
"складають компанію." in the next. A text now takes a segment more where a sentence is
longer than two (bot/transports/sms/paging.py ``page``).

A text that goes on in the next begins its rest with a new line or a new sentence: in
Ukrainian and Russian, a capital letter (a cut between words began the next text with a
small one).

A German day's dot is no sentence's end: a week's events by text ended "So., 29." and the
next text began "Nov., 15:00 - Handysprechstunde …", a line cut at the date
(paging.py ``_ends_sentence``); and the events' choices keep their day ("1 29. Nov. …",
not "1 Nov. …": handlers/media/texted_form.py)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.transports.sms.paging import more_line
from db import Database
from handlers.events.ical import import_events
from locales import TIMEZONE, language_name, translator
from tests.support.calendar_file import write_calendar
from tests.support.sms.city import City, Resident, onboarded

NUMBER = "+4917655556666"


@pytest.mark.parametrize("lang", ["uk", "ru"])
async def test_the_help_explanation_comes_in_whole_sentences(
    make_city: Callable[..., object], db: Database, lang: str
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    texter = Resident(city, NUMBER)
    t = translator(lang)
    await texter.say("Привіт")
    await texter.choose(language_name(lang))
    await texter.choose(t._("I agree"))
    await texter.choose(t._("Ask for help"))
    more = more_line(t)
    texts = [texter.new[-1].text]
    while more in texts[-1]:
        (answer,) = await texter.say("0")
        texts.append(answer.text)

    assert len(texts) > 1, texts
    for before, after in itertools.pairwise(texts):
        assert after[:1].isupper(), f"cut in a sentence: {before!r} | {after!r}"
    assert all(answer.parts <= 3 for answer in texter.texts)


TITLES = (
    "Sprachcafé im Stadtteilzentrum Hörde mit Kaffee und Kuchen",
    "Sommerfest Hörde mit Musik und Flohmarkt im Hof der Bibliothek",
    "Repair-Café: Fahrräder, Toaster und Lampen gemeinsam reparieren",
    "Spieleabend für Jung und Alt im Nachbarschaftstreff Nordstadt",
    "Offener Mittagstisch für Seniorinnen und Senioren in Eving",
    "Handysprechstunde: Fragen zum Smartphone in der Bibliothek",
)
# An event's line of the week in German: "So., 29. Nov., 10:00 - Sprachcafé …".
_EVENT_LINE = re.compile(r"^\w+\., \d+\. \w+\.?, \d+:\d+ - (.+)$")
# An event's choice: its number, its day and month, its title ("1 29. Nov. Sprachcafé …").
_DAY_CHOICE = re.compile(r"^\d+ \d+\. \w+\.? \w")


def _week(path: Path) -> Path:
    """The events of :data:`TITLES`, one to three a day in the coming days."""
    today = datetime.now(TIMEZONE).replace(hour=10, minute=0, second=0, microsecond=0)
    events = []
    for n, title in enumerate(TITLES):
        start = (today + timedelta(days=1 + n % 4)).replace(hour=10 + n).astimezone(UTC)
        events.append((f"week{n}@test", title, start, start + timedelta(hours=1)))
    return write_calendar(path, events)


async def test_the_weeks_events_are_not_cut_at_a_days_dot(
    make_city: Callable[..., object], tmp_path: Path
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    report = await import_events(city.db, _week(tmp_path / "week.ics"))
    assert report.created == len(TITLES), report.rejected
    t = translator("de")
    texter, _ = await onboarded(city, "+4915112345677")
    await texter.say("/menu")
    await texter.choose(t._("Events"))
    texts = [answer.text for answer in await texter.choose(t._("This week"))]
    # Each event's choice names its day ("1 29. Nov. Sprachcafé …"): a label's "29." is no
    # number of its own to drop (handlers/media/texted_form.py).
    days = [line for line in texts[0].splitlines() if _DAY_CHOICE.match(line)]
    assert len(days) == len(TITLES), texts[0]
    more = more_line(t)
    while more in texts[-1]:
        texts += [answer.text for answer in await texter.say("0")]
    assert len(texts) > 1, texts  # the week is longer than a text: it is paged
    # Every line of the week is whole in one text: its date, its time and its title.
    shown = [line for text in texts for line in text.split(more)[0].splitlines()]
    events = [line for line in shown[1:] if line]  # after the heading
    titles = [found.group(1) if (found := _EVENT_LINE.match(line)) else line for line in events]
    assert sorted(titles) == sorted(TITLES), texts
