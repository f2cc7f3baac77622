""" "Find a place" in the chat: in-memory transport, fake Telegram server, console, CLI."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date, datetime, time, timedelta

import pytest
from babel.dates import format_date

from bot.transports.telegram import TelegramTransport
from db import Database
from db.places import Place
from handlers.messages import Venue
from handlers.places import render
from handlers.places.vocabulary import CATEGORIES
from locales import SUPPORTED_LANGUAGES, TIMEZONE, translator
from tests.support.cli import run_bot
from tests.support.fake_telegram import FakeTelegram, check_html
from tests.support.memory_transport import MemoryTransport, button_data, messages, readable, texts
from tests.support.places_sample import SAMPLE, import_sample

NORDMARKT = (51.5230, 7.4560)


@pytest.fixture
async def sample(db: Database) -> Database:
    return await import_sample(db)


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
    # The step's inline buttons (back to the menu) follow in a message of their own.
    aside = await fake_telegram.wait_for(
        "sendMessage", lambda c: bool(c.buttons), after=mark, chat_id=user
    )
    assert "menu:main" in str(aside.params)
    mark = len(fake_telegram.calls)
    fake_telegram.send_message(user, location={"latitude": NORDMARKT[0], "longitude": NORDMARKT[1]})
    results = await fake_telegram.wait_for("sendMessage", after=mark, chat_id=user)
    assert results.text.count("📏") == 5
    # The results' message takes the location keyboard away (a message sent with its
    # removal cannot be edited to carry buttons): their buttons follow under it.
    assert results.params["reply_markup"] == {"remove_keyboard": True}
    choices = await fake_telegram.wait_for(
        "sendMessage", lambda c: bool(c.buttons), after=mark, chat_id=user
    )
    assert str(user) not in fake_telegram.reply_keyboards
    mark = len(fake_telegram.calls)
    fake_telegram.press(user, choices.button_data("1. "), choices)
    venue = await fake_telegram.wait_for("sendVenue", after=mark, chat_id=user)
    details = await fake_telegram.wait_for("sendMessage", after=mark, chat_id=user)
    assert float(venue.params["latitude"]) == pytest.approx(NORDMARKT[0], abs=0.02)
    assert "<b>" in details.text


def test_console_finds_places_in_turkish(tmp_path):
    database = tmp_path / "c.sqlite3"
    assert run_bot("places", "import", str(SAMPLE), database=database).returncode == 0
    result = run_bot(
        "console",
        "--lang",
        "tr",
        database=database,
        input="/start\n1\n3\n1\n1\n:loc 51.5230,7.4560\n",
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
    # Found in a black-box pass: --limit 0 or -3 listed one place, as if asked for one.
    for limit in ("0", "-3", "many"):
        refused = cli("near", "Hoerde", "--limit", limit)
        assert refused.returncode == 2 and "--limit" in refused.stderr, (limit, refused)
        assert refused.stdout == ""


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


# -- short screens --------------------------------------------------------------------------


def _visible(out: list) -> str:
    """What the person reads: without the HTML tags and the invisible isolates."""
    return re.sub(r"<[^>]+>", "", texts(out))


def _entries(text: str) -> list[list[str]]:
    """The result list's places: the lines from a numbered line up to the next blank line."""
    return [
        block.splitlines()
        for block in text.split("\n\n")
        if block[:1].isdigit() and ". " in block.splitlines()[0]
    ]


async def _places_by_access(db: Database) -> dict[str, Place]:
    found: dict[str, Place] = {}
    for place in await db.places.in_box(51.0, 52.0, 7.0, 8.0):
        found.setdefault(place.wheelchair, place)
    return found


async def test_result_list_has_at_most_three_short_lines_per_place(
    chat: MemoryTransport, sample: Database
):
    await chat.onboard("s1", "ar")
    await chat.press("s1", "menu:places")
    out = await chat.text("s1", "Nordmarkt")
    entries = _entries(_visible(out))
    assert len(entries) == 5
    ar = translator("ar")
    names = {place.name for place in await sample.places.in_box(51.0, 52.0, 7.0, 8.0)}
    for lines in entries:
        assert len(lines) <= 3, lines
        # The name as on the sign (German), the kind in Arabic with the distance.
        assert lines[0].split(". ", 1)[1] in names
        assert "📏" in lines[1]
        assert any(ar._(label) in lines[1] for _icon, label in CATEGORIES.values())
        assert "🗣" not in "\n".join(lines)  # languages are in the details only
    # The buttons carry the German names too.
    labels = [b.label for m in messages(out) for row in m.buttons for b in row]
    assert any("Dietrich-Keuning-Haus" in label for label in labels)


def test_details_show_today_and_the_next_opening():
    t = translator("en")
    library = Place(
        source="t",
        source_id="slb",
        name="Stadt- und Landesbibliothek Dortmund",
        category="library",
        lat=51.5163,
        lon=7.4585,
        opening_hours="Tu-Fr 10:00-19:00; Sa 10:00-15:00; PH off",
    )
    tuesday = datetime(2026, 11, 24, 12, 0, tzinfo=TIMEZONE)

    def clock(day: datetime, hour: int) -> str:
        return t.time(day.replace(hour=hour, minute=0))

    text = readable(str(render.details(t, library, tuesday)))
    assert f"🕓 Today: {clock(tuesday, 10)}–{clock(tuesday, 19)}" in text
    assert f"➡️ Next: Wednesday, {clock(tuesday, 10)}–{clock(tuesday, 19)}" in text
    assert "Thursday" not in text  # the rest of the week is behind a button
    assert f"🟢 open now, closes at {clock(tuesday, 19)}" in text
    sunday = datetime(2026, 11, 22, 12, 0, tzinfo=TIMEZONE)
    text = readable(str(render.details(t, library, sunday)))
    assert "🕓 Today: closed" in text
    assert "🔴" not in text  # "closed, opens Tuesday" would only repeat the next line
    assert f"➡️ Next: Tuesday, {clock(sunday, 10)}–{clock(sunday, 19)}" in text
    week = readable(str(render.week(t, library, sunday))).splitlines()
    days = [line for line in week if ": " in line]
    assert [line.split(":")[0] for line in days] == [
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ]
    assert days[0] == "Sunday: closed" and days[6].endswith(f"{clock(sunday, 15)}")


def test_hours_through_midnight_and_all_day():
    from locales.hours import day_intervals

    friday = date(2026, 11, 27)
    [(_, evening), (_, saturday)] = day_intervals("Fr 20:00-02:00", friday, 2)
    assert evening == [(time(20), time(2))] and saturday == []
    # The library gives "24/7" as one interval; each day shows it.
    assert all(spans == [(time(0), time(0))] for _, spans in day_intervals("24/7", friday, 3))
    t = translator("en")
    assert render.spans(t, friday, [(time(0), time(0))]) == t._("open all day")


async def test_whole_week_button_shows_the_week(chat: MemoryTransport, sample: Database):
    await chat.onboard("s2", "en")
    await chat.press("s2", "menu:places")
    out = await chat.text("s2", "Nordmarkt")
    first = next(d for d in button_data(out) if d.startswith("pl:d:"))
    out = await chat.press("s2", first)
    text = texts(out)
    assert "🕓 Today: " in text and "➡️ Next: " in text
    place_id = first.rsplit(":", 1)[1]
    assert f"pl:week:{place_id}" in button_data(out)
    out = await chat.press("s2", f"pl:week:{place_id}")
    week = texts(out)
    today = datetime.now(TIMEZONE).date()
    for offset in range(7):
        weekday = format_date(today + timedelta(days=offset), "EEEE", locale="en")
        assert f"\n{weekday}: " in week
    assert "pl:list" in button_data(out)  # and back to the list
    # A place without opening hours has no week to show.
    [no_hours] = [
        p for p in await sample.places.in_box(51.0, 52.0, 7.0, 8.0) if not p.opening_hours
    ][:1]
    out = await chat.press("s2", f"pl:d:{no_hours.id}")
    assert not any(d.startswith("pl:week:") for d in button_data(out))
    out = await chat.press("s2", f"pl:week:{no_hours.id}")
    assert "no longer valid" in str(out)


async def test_wheelchair_access_has_three_looks(chat: MemoryTransport, sample: Database):
    places = await _places_by_access(sample)
    await chat.onboard("s3", "en")
    looks = {}
    for access in ("yes", "limited", "no"):
        out = await chat.text("s3", f"/start place_{places[access].id}")
        looks[access] = next(
            line for line in texts(out).splitlines() if "wheelchair accessible" in line
        )
    assert looks["yes"] == "♿ wheelchair accessible"
    assert looks["limited"] == "🚧 partly wheelchair accessible"
    assert looks["no"] == "🚫 not wheelchair accessible"
    # In a result list, partial access is marked in words and never with ♿.
    limited = places["limited"]
    await chat.press("s3", "menu:places")
    out = await chat.location("s3", limited.lat, limited.lon)
    [entry] = [e for e in _entries(_visible(out)) if e[0].endswith(limited.name)]
    assert "🚧 partly accessible" in entry[-1] and "♿" not in "\n".join(entry)


async def test_names_as_on_the_sign_and_german_descriptions_marked(
    chat: MemoryTransport, sample: Database
):
    [library] = [
        p
        for p in await sample.places.in_box(51.0, 52.0, 7.0, 8.0)
        if p.name == "Stadt- und Landesbibliothek Dortmund"
    ]
    await chat.onboard("s4", "tr")
    out = await chat.text("s4", f"/start place_{library.id}")
    tr = translator("tr")
    [details] = [m for m in messages(out) if "📚" in str(m.text)]
    text = readable(str(details.text))
    lines = text.splitlines()
    assert lines[0] == "<b>Stadt- und Landesbibliothek Dortmund</b>"  # the German name
    assert tr._("Library") in lines[1]
    assert "🔤 Dortmund Şehir ve Eyalet Kütüphanesi" in text  # short enough to add
    # No Turkish description: the German one is marked as German, in Turkish (quoted:
    # a description is someone else's words).
    assert f"<i>\u200e│ {library.description}</i> (Almanca)" in text
    venue = next(item for item in out if isinstance(item, Venue))
    assert venue.title == library.name
    # An English reader gets the English description, unmarked.
    await chat.onboard("s5", "en")
    text = texts(await chat.text("s5", f"/start place_{library.id}"))
    assert "(German)" not in text and library.description not in text


@pytest.mark.parametrize(("lang", "back", "on"), [("de", "◀️", "▶️"), ("ar", "▶️", "◀️")])
async def test_paging_arrows_point_the_readers_way(
    chat: MemoryTransport, sample: Database, lang: str, back: str, on: str
):
    """In Arabic "more" points left and "back" right, as the text runs."""
    await chat.onboard("u9", lang)
    await chat.press("u9", "menu:places")
    await chat.text("u9", "hoerde")
    out = await chat.press("u9", "pl:more")
    labels = {
        button.data: button.label for m in messages(out) for row in m.buttons for button in row
    }
    assert labels["pl:prev"].startswith(back) and labels["pl:more"].endswith(on)
