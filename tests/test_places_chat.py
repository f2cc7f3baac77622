""" "Find a place" in the chat: in-memory transport, fake Telegram server, console, CLI."""

from __future__ import annotations

import json
import subprocess

import pytest

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.model import Venue
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from locales import SUPPORTED_LANGUAGES, translator
from tests.cli import ROOT, run_bot
from tests.fake_telegram import FakeTelegram, check_html
from tests.memory_transport import MemoryTransport, button_data, messages, texts

SAMPLE = ROOT / "data" / "dortmund" / "places-sample.csv"
NORDMARKT = (51.5230, 7.4560)


@pytest.fixture
async def sample(db: Database) -> Database:
    report = await import_places(
        db, SAMPLE, load_gazetteer("data/dortmund"), default_source="sample"
    )
    assert not report.rejected
    return db


async def test_where_prompt_asks_for_a_location(chat: MemoryTransport, sample: Database):
    await chat.onboard("u1", "de")
    out = await chat.press("u1", "menu:places")
    [prompt] = messages(out)
    assert prompt.request_location
    assert "44137" in str(prompt.text)


async def test_district_name_with_typo_lists_nearest_places(
    chat: MemoryTransport, sample: Database
):
    await chat.onboard("u2", "en")
    await chat.press("u2", "menu:places")
    out = await chat.text("u2", "hoerde")
    text = texts(out)
    assert "Hörde" in text
    details = [d for d in button_data(out) if d.startswith("pl:d:")]
    assert len(details) == 5
    assert "pl:more" in button_data(out)
    assert text.count("📏") == 5
    # Page two continues the numbering and offers a way back.
    out = await chat.press("u2", "pl:more")
    assert "6. " in texts(out) and "pl:prev" in button_data(out)
    assert messages(out)[0].edit


async def test_location_search_and_details(chat: MemoryTransport, sample: Database):
    await chat.onboard("u3", "ar")
    await chat.press("u3", "menu:places")
    out = await chat.location("u3", *NORDMARKT)
    first = next(d for d in button_data(out) if d.startswith("pl:d:"))
    out = await chat.press("u3", first)
    venue = next(item for item in out if isinstance(item, Venue))
    assert venue.title
    detail = messages(out)[0]
    ar = translator("ar")
    assert "pl:list" in button_data(out)
    # Distances, hours and labels are in Arabic; the German place name is isolated.
    assert ar._("Find a place") != "Find a place"
    assert "\u2068" in str(detail.text)


async def test_filters_toggle_and_narrow_the_list(chat: MemoryTransport, sample: Database):
    await chat.onboard("u4", "en")
    await chat.press("u4", "menu:places")
    await chat.text("u4", "44145")
    out = await chat.press("u4", "pl:filters")
    assert "pl:wc" in button_data(out) and "pl:cat:library" in button_data(out)
    out = await chat.press("u4", "pl:wc")
    assert any(b.label.startswith("✅ ♿") for m in messages(out) for row in m.buttons for b in row)
    out = await chat.press("u4", "pl:cat:library")
    assert "Library" in texts(out)
    for line in texts(out).split("\n\n")[1:]:
        if "📏" in line:
            assert "Library" in line and "♿" in line
    out = await chat.press("u4", "pl:cat:*")
    assert "Filters" in texts(out)  # the wheelchair filter stays on


async def test_unknown_place_name_gets_suggestions(chat: MemoryTransport, sample: Database):
    await chat.onboard("u5", "en")
    await chat.press("u5", "menu:places")
    out = await chat.text("u5", "Xyzzyplatz")
    suggestions = [d for d in button_data(out) if d.startswith("pl:area:")]
    assert suggestions
    out = await chat.press("u5", suggestions[0])
    assert any(d.startswith("pl:d:") for d in button_data(out))


async def test_bad_input_changes_nothing(chat: MemoryTransport, sample: Database, db: Database):
    await chat.onboard("u6", "en")
    await chat.press("u6", "menu:places")
    out = await chat.location("u6", 52.52, 13.40)  # Berlin
    assert "outside Dortmund" in texts(out)
    out = await chat.media("u6", "voice")
    assert "postcode" in texts(out)
    # Stale and forged buttons: no list in the state, or a place that does not exist.
    out = await chat.press("u6", "pl:more")
    assert "no longer valid" in str(out)
    out = await chat.press("u6", "pl:d:999999")
    assert "no longer exists" in texts(out)
    out = await chat.press("u6", "pl:cat:swimming_pool")
    assert await db.places.count() >= 60


async def test_deep_link_opens_a_place(chat: MemoryTransport, sample: Database):
    [place] = (await sample.places.in_box(51.0, 52.0, 7.0, 8.0))[:1]
    await chat.onboard("u7", "en")
    out = await chat.text("u7", f"/start place_{place.id}")
    assert any(isinstance(item, Venue) for item in out)
    assert place.name in texts(out)


async def test_find_a_place_on_telegram(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport, sample: Database
):
    user = 7070
    fake_telegram.send_text(user, "/start", language_code="tr")
    picker = await fake_telegram.wait_for("sendMessage", chat_id=user)
    fake_telegram.press(user, "lang:tr", picker)
    notice = await fake_telegram.wait_for(
        "sendMessage", lambda c: "consent:yes" in str(c.params.get("reply_markup")), chat_id=user
    )
    mark = len(fake_telegram.calls)
    fake_telegram.press(user, "consent:yes", notice)
    menu = await fake_telegram.wait_for("sendMessage", after=mark, chat_id=user)
    mark = len(fake_telegram.calls)
    fake_telegram.press(user, menu.button_data("📍"), menu)
    prompt = await fake_telegram.wait_for("sendMessage", after=mark, chat_id=user)
    keyboard = prompt.params["reply_markup"]["keyboard"]
    assert keyboard[0][0]["request_location"] is True
    mark = len(fake_telegram.calls)
    fake_telegram.send_message(user, location={"latitude": NORDMARKT[0], "longitude": NORDMARKT[1]})
    results = await fake_telegram.wait_for("sendMessage", after=mark, chat_id=user)
    assert results.text.count("📏") == 5
    mark = len(fake_telegram.calls)
    fake_telegram.press(user, results.button_data("1. "), results)
    venue = await fake_telegram.wait_for("sendVenue", after=mark, chat_id=user)
    details = await fake_telegram.wait_for("sendMessage", after=mark, chat_id=user)
    assert float(venue.params["latitude"]) == pytest.approx(NORDMARKT[0], abs=0.02)
    assert "<b>" in details.text


def test_console_finds_places_in_turkish(tmp_path):
    database = tmp_path / "c.sqlite3"
    assert run_bot("places", "import", str(SAMPLE), database=database).returncode == 0
    result = run_bot(
        "console", "--lang", "tr", database=database, input="/start\n1\n1\n1\n:loc 51.5230,7.4560\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("📏") == 5
    assert ":loc LAT,LON" in result.stdout  # the location hint of the prompt
    assert translator("tr")._("Filters") in result.stdout


def test_cli_near_json_is_ordered_by_distance(tmp_path):
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run_bot("places", *args, database=tmp_path / "n.sqlite3")

    assert cli("import", str(SAMPLE)).returncode == 0
    result = cli("near", "Hoerde", "--limit", "8", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 8
    distances = [row["distance_m"] for row in rows]
    assert distances == sorted(distances)
    assert set(rows[0]) >= {
        "id",
        "name",
        "category",
        "lat",
        "lon",
        "distance_m",
        "address",
        "district",
        "wheelchair",
        "languages",
        "open_now",
    }
    wheel = json.loads(
        cli("near", "44145", "--wheelchair", "--category", "library", "--json").stdout
    )
    assert all(r["wheelchair"] == "yes" and r["category"] == "library" for r in wheel)
    missing = cli("near", "Xyzzyplatz")
    assert missing.returncode == 2
    assert "did you mean" in missing.stderr


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_results_and_details_render_in_every_language(
    lang, chat: MemoryTransport, sample: Database
):
    user = f"lang-{lang}"
    await chat.onboard(user, lang)
    await chat.press(user, "menu:places")
    out = await chat.text(user, "Nordmarkt")
    detail = next(d for d in button_data(out) if d.startswith("pl:d:"))
    out += await chat.press(user, detail)
    out += await chat.press(user, "pl:filters")
    for message in messages(out):
        error, visible = check_html(str(message.text))
        assert error is None, (lang, error)
        assert len(visible) < 4096
    if lang != "en":
        assert translator(lang)._("Filters") != "Filters"
