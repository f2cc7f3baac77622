"""Event buttons and dates as a reader of each language sees them (issue 41, point 9): titles
shortened at a word with "…", tags in the reader's language, one date form in a list and its
buttons, dates and times joined with the locale's own comma."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from db import Database
from db.events import Event
from db.places import Place
from handlers import ui
from handlers.privacy import _what
from locales import SUPPORTED_LANGUAGES, TIMEZONE, translator
from tests.support.memory_transport import MemoryTransport, messages, readable

LONG_TITLE = "Offener Nachbarschaftstreff mit Kaffee und Kuchen (Beispiel)"


def soon(days: int, hour: int = 17) -> str:
    day = (datetime.now(TIMEZONE) + timedelta(days=days)).date()
    return f"{day.isoformat()}T{hour:02d}:00"


def labels(out) -> dict[str, str]:
    """Each button's data with its label as shown."""
    return {b.data: readable(b.label) for m in messages(out) for row in m.buttons for b in row}


@pytest.fixture
async def town(db: Database) -> dict[str, int]:
    place_id = await db.places.upsert(
        Place(
            source="t",
            source_id="dkh",
            name="Dietrich-Keuning-Haus",
            category="citizens_centre",
            lat=51.5245,
            lon=7.4650,
            stadtbezirk="Innenstadt-Nord",
        ),
        "test",
    )
    treff, _, _ = await db.events.upsert(
        Event(
            uid="treff",
            title=LONG_TITLE,
            starts_local=soon(2),
            place_id=place_id,
            stadtbezirk="Innenstadt-Nord",
            category="Beratung",
        )
    )
    fest, _, _ = await db.events.upsert(
        Event(uid="fest", title="Sommerfest", starts_local=soon(3, 14), category="Fest")
    )
    return {"place": place_id, "treff": treff, "fest": fest}


@pytest.mark.parametrize(
    ("label", "limit", "shown"),
    [
        ("24.11. " + LONG_TITLE, 40, "24.11. Offener Nachbarschaftstreff mit…"),
        (
            "Sprachcafé: Deutsch üben bei Kaffee (Beispiel)",
            40,
            "Sprachcafé: Deutsch üben bei Kaffee…",
        ),
        ("Sprachcafé: Deutsch üben", 14, "Sprachcafé…"),
        ("Kurz", 40, "Kurz"),
        # One long word is cut inside it, never between a letter and its combining mark.
        ("Donaudampfschifffahrtsgesellschaft", 12, "Donaudampfs…"),
        ("Cafe\u0301-Treffen-Nordstadt", 5, "Caf…"),
    ],
)
def test_labels_are_shortened_at_a_word(label, limit, shown):
    assert ui.shortened(label, limit) == shown
    assert len(ui.shortened(label, limit)) <= limit


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_event_buttons_cut_at_a_word_with_one_date_form(
    chat: MemoryTransport, town, lang: str
):
    t = translator(lang)
    await chat.onboard("ela", lang)
    out = await chat.press("ela", "ev:week")
    [label] = [
        text for data, text in labels(out).items() if data.startswith(f"ev:d:{town['treff']}:")
    ]
    start = datetime.fromisoformat(soon(2)).replace(tzinfo=TIMEZONE)
    day = readable(t.skeleton(start, "MMMd"))
    # The button's date in the form of the list's line ("24 نوامبر", never "11/24").
    assert label.startswith(day + " "), label
    assert day in readable(str(messages(out)[0].text))
    assert label.endswith("…") and len(label) <= ui.LABEL
    # Whole words only: what is left of the title is where a word of it ends.
    kept = label[len(day) + 1 : -1]
    assert LONG_TITLE.startswith(kept) and LONG_TITLE[len(kept)] == " ", label


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_tag_buttons_in_the_readers_language(chat: MemoryTransport, town, lang: str):
    t = translator(lang)
    await chat.onboard("ela", lang)
    out = await chat.press("ela", "ev:week")
    tags = {text for data, text in labels(out).items() if data.startswith("ev:cat:")}
    # Sorted by the tag as it came: "Beratung" before "Fest"; an unknown tag stays as it is.
    assert tags == {t._("Advice"), "Fest"}
    if lang != "de":
        assert "Beratung" not in tags


@pytest.mark.parametrize("lang", ["fa", "ar"])
async def test_day_and_time_joined_without_a_latin_comma(chat: MemoryTransport, town, lang: str):
    await chat.onboard("ela", lang)
    out = await chat.press("ela", "ev:week")
    lines = [line for line in readable(str(messages(out)[0].text)).splitlines() if "🗓" in line]
    assert len(lines) == 2
    for line in lines:
        assert "," not in line and "،" in line, line
    out = await chat.press("ela", f"pl:d:{town['place']}")
    lines = [line for line in readable(str(messages(out)[0].text)).splitlines() if "🗓" in line]
    assert lines and all("," not in line and "،" in line for line in lines), lines


@pytest.mark.parametrize("lang", ["fa", "ar"])
def test_data_summary_names_an_event_without_a_latin_comma(lang: str):
    t = translator(lang)
    what = _what(t, {"event": "Sprachcafé", "occurrence_local": "2025-11-24T18:00"})
    assert what.startswith("Sprachcafé") and t.digits("18:00") in what
    assert "," not in what and "،" in what, what


def test_day_and_time_is_joined_the_locales_way():
    at = datetime(2025, 11, 24, 18, 0, tzinfo=TIMEZONE)
    assert translator("de").day_and_time(at) == "Mo., 24. Nov., 18:00"
    assert translator("tr").day_and_time(at) == "24 Kas Pzt 18:00"
    assert translator("fa").day_and_time(at) == "دوشنبه ۲۴ نوامبر،\u200f ۱۸:۰۰"
