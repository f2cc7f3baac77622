"""The places answer by SMS (issue 64, point 5), through real Kannel and fakesmsc: a
texter who sends a postcode gets the list first, one number a place ("1 Seniorenbüro
…", never "1 1. Seniorenbüro …"; in Arabic never "1 ١. …"), and no place's details nor
"More: send 0" before it."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.transports.sms.paging import more_line
from db import Database
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from locales import translator
from tests.support.sms.city import City, Resident

ROOT = Path(__file__).resolve().parents[4]
SAMPLE_PLACES = ROOT / "data" / "dortmund" / "places-sample.csv"
GRETA = "+4917622222222"
AMIRA = "+4917611111111"


@pytest.mark.parametrize(
    "lang,greeting,language,number",
    [("de", "Hallo", "Deutsch", GRETA), ("ar", "مرحبا", "العربية", AMIRA)],
    ids=["de", "ar"],
)
async def test_the_places_answer_numbers_each_place_once_and_lists_them_first(
    make_city: Callable[..., object],
    db: Database,
    lang: str,
    greeting: str,
    language: str,
    number: str,
) -> None:
    await import_places(db, SAMPLE_PLACES, load_gazetteer("data/dortmund"), default_source="s")
    city: City = await make_city()  # type: ignore[misc]
    greta = Resident(city, number)
    await greta.say(greeting)
    await greta.choose(language)
    await greta.choose(translator(lang)._("I agree"))

    found = await greta.say("44137")
    answer = "\n".join(t.text for t in found)
    with SAMPLE_PLACES.open(encoding="utf-8") as sample:
        near = [row["name"] for row in csv.DictReader(sample) if row["postcode"] == "44137"]
    lines = answer.splitlines()
    # Where each place is named: its first line names it after one number only.
    named = [n for n, line in enumerate(lines) if any(name in line for name in near)]
    assert named, answer
    for line in (lines[n] for n in named):
        assert not re.match(r"^\d+\.? \d+\.", line), line
    # The list comes first: no place's details (its address, its hours) and no "more"
    # line before the first place's number.
    first = named[0]
    assert re.match(r"^\d+ ", lines[first]), answer
    more = more_line(translator(lang))
    assert more not in "\n".join(lines[:first]), answer
