"""A shared location is coarsened when it arrives and not kept beyond the step that used it:
place search, event search and a volunteer's radius, read back from the raw database rows."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

import pytest

from db import Database
from db.events import Event
from handlers.places.coarse import AREA, SEARCH, Grid, coarsen
from handlers.places.gazetteer import distance_m, load_gazetteer
from locales import TIMEZONE
from tests.support.memory_transport import MemoryTransport, button_data, texts
from tests.support.places_sample import import_sample

# A point in the city centre, given to more digits than any rule keeps.
POINT = (51.512345, 7.467891)
EXACT = ("51.512345", "7.467891", "51.5123", "7.4678")


@pytest.fixture
async def sample(db: Database) -> Database:
    return await import_sample(db)


async def conversation(db: Database, name: str) -> tuple[str, str] | None:
    """The raw ``conversations`` row (state, data as stored) of a memory user."""
    user = await db.users.find("memory", name)
    row = await db.fetch_one("SELECT state, data FROM conversations WHERE user_id = ?", (user.id,))
    return None if row is None else (row["state"], row["data"])


async def everything(db: Database) -> str:
    """Every value of every table except the places themselves (public coordinates)."""
    tables = {t for t, _ in await db.data_rights.live_columns() if not t.startswith("place")}
    values = []
    for table in sorted(tables):
        rows = await db.fetch_all(f"SELECT * FROM {table}")
        values += [str(value) for row in rows for value in tuple(row)]
    return "\n".join(values)


async def assert_nowhere(db: Database) -> None:
    stored = await everything(db)
    for text in EXACT:
        assert text not in stored


def points(data: Any) -> list[tuple[float, float]]:
    """Every (lat, lon) pair anywhere in a JSON value."""
    found = []
    if isinstance(data, dict):
        if isinstance(data.get("lat"), float | int) and isinstance(data.get("lon"), float | int):
            found.append((float(data["lat"]), float(data["lon"])))
        for value in data.values():
            found += points(value)
    elif isinstance(data, list):
        for value in data:
            found += points(value)
    return found


def on_grid(lat: float, lon: float, grid: Grid) -> bool:
    return (
        abs(lat / grid.lat_step - round(lat / grid.lat_step)) < 1e-6
        and abs(lon / grid.lon_step - round(lon / grid.lon_step)) < 1e-6
    )


def assert_coarse(raw: str, grid: Grid) -> None:
    for text in EXACT:
        assert text not in raw
    found = points(json.loads(raw))
    assert found, "the search point is kept for paging"
    for lat, lon in found:
        assert on_grid(lat, lon, grid), (lat, lon)


# -- the rule --------------------------------------------------------------------------------


def test_coarsening_is_one_rule_and_stays_near():
    rng = random.Random(13)
    for _ in range(2000):
        lat, lon = rng.uniform(51.41, 51.61), rng.uniform(7.30, 7.64)
        for grid, furthest in ((SEARCH, 71), (AREA, 355)):
            coarse = coarsen(lat, lon, grid)
            assert distance_m(lat, lon, *coarse) <= furthest
            assert coarsen(*coarse, grid) == coarse  # keeping it again changes nothing
        # Requests keep what they always kept (~500 m; 0.0045° by 0.007°).
        old = (round(round(lat / 0.0045) * 0.0045, 5), round(round(lon / 0.007) * 0.007, 5))
        assert coarsen(lat, lon, AREA) == old


# -- place search ----------------------------------------------------------------------------


async def test_place_search_keeps_only_a_coarse_point(chat: MemoryTransport, sample: Database):
    await chat.onboard("paula", "en")
    await chat.press("paula", "menu:places")
    out = await chat.location("paula", *POINT)
    # The results still list places with their distances.
    text = texts(out)
    assert "your location" in text
    assert text.count("📏") == 5
    details = [d for d in button_data(out) if d.startswith("pl:d:")]
    assert len(details) == 5
    state, raw = await conversation(sample, "paula")
    assert state == "places.results"
    assert_coarse(raw, SEARCH)
    [(lat, lon)] = points(json.loads(raw))
    assert distance_m(*POINT, lat, lon) <= 71

    # Paging, filters and details work from the coarse point and keep nothing finer.
    out = await chat.press("paula", "pl:more")
    assert "6. " in texts(out) and "📏" in texts(out)
    await chat.press("paula", "pl:filters")
    await chat.press("paula", "pl:wc")
    await chat.press("paula", "pl:list")
    out = await chat.press("paula", details[0])
    assert "📏" in texts(out)
    assert_coarse((await conversation(sample, "paula"))[1], SEARCH)
    await assert_nowhere(sample)

    # Leaving the results: the menu drops the point.
    await chat.text("paula", "/menu")
    assert await conversation(sample, "paula") is None


async def test_leaving_the_place_results_by_button_or_another_flow(
    chat: MemoryTransport, sample: Database
):
    await chat.onboard("pit", "de")
    await chat.press("pit", "menu:places")
    await chat.location("pit", *POINT)
    await chat.press("pit", "menu:main")
    assert await conversation(sample, "pit") is None

    await chat.press("pit", "menu:places")
    await chat.location("pit", *POINT)
    await chat.press("pit", "menu:help")  # another flow: its state replaces the search
    row = await conversation(sample, "pit")
    assert row is None or not points(json.loads(row[1]))

    await chat.press("pit", "menu:places")
    await chat.location("pit", *POINT)
    await chat.text("pit", "Hörde")  # a new search by name: the shared point is gone
    state, raw = await conversation(sample, "pit")
    assert state == "places.results" and '"label": "Hörde"' in raw
    hoerde = load_gazetteer("data/dortmund").resolve("Hörde").area
    assert hoerde is not None
    assert points(json.loads(raw)) == [(hoerde.lat, hoerde.lon)]


# -- event search ----------------------------------------------------------------------------


def soon(days: int, hour: int = 17) -> str:
    day = (datetime.now(TIMEZONE) + timedelta(days=days)).date()
    return f"{day.isoformat()}T{hour:02d}:00"


@pytest.fixture
async def cafe(db: Database) -> int:
    event_id, _, _ = await db.events.upsert(
        Event(
            uid="cafe",
            title="Sprachcafé",
            starts_local=soon(2),
            rrule="FREQ=WEEKLY",
            stadtbezirk="Innenstadt-West",
            lat=51.5140,
            lon=7.4650,
            address="Reinoldikirchplatz",
        )
    )
    return event_id


async def test_event_search_keeps_only_a_coarse_point(
    chat: MemoryTransport, db: Database, cafe: int
):
    await chat.onboard("ela", "en")
    await chat.press("ela", "menu:events")
    await chat.press("ela", "ev:where")
    out = await chat.location("ela", *POINT)
    # The list still shows the event with its distance.
    assert "Sprachcafé" in texts(out) and "📏" in texts(out)
    state, raw = await conversation(db, "ela")
    assert state == "events.list"
    assert_coarse(raw, SEARCH)
    await chat.press("ela", "ev:wc")
    assert_coarse((await conversation(db, "ela"))[1], SEARCH)
    await assert_nowhere(db)
    await chat.text("ela", "/menu")
    assert await conversation(db, "ela") is None

    # Another command that starts elsewhere drops it too.
    await chat.press("ela", "ev:where")
    await chat.location("ela", *POINT)
    await chat.text("ela", "/events")
    assert await conversation(db, "ela") is None


# -- a volunteer's radius --------------------------------------------------------------------


async def test_volunteer_radius_centre_is_kept_like_a_request(chat: MemoryTransport, db: Database):
    await chat.onboard("vera", "de")
    await chat.press("vera", "menu:volunteer")
    await chat.press("vera", "vo:reg")
    await chat.press("vera", "vo:around")
    out = await chat.location("vera", *POINT)
    assert any(d.startswith("vo:r:") for d in button_data(out))
    state, raw = await conversation(db, "vera")
    assert state == "vol.radius"
    assert_coarse(raw, AREA)
    for step in ("vo:r:2000", "vo:cat:shopping", "vo:cats-done", "vo:langs-done", "vo:max:2"):
        await chat.press("vera", step)
    user = await db.users.find("memory", "vera")
    row = await db.fetch_one(
        "SELECT lat, lon, radius_m FROM volunteers WHERE user_id = ?", (user.id,)
    )
    assert row is not None and row["radius_m"] == 2000
    assert (row["lat"], row["lon"]) == coarsen(*POINT, AREA)
    assert on_grid(row["lat"], row["lon"], AREA)
    assert distance_m(*POINT, row["lat"], row["lon"]) <= 355
    await assert_nowhere(db)
    assert await conversation(db, "vera") is None


@pytest.mark.parametrize("command", ["/help", "/start", "/privacy", "/settings", "/mydata"])
async def test_any_new_command_drops_the_point(
    chat: MemoryTransport, sample: Database, cafe: int, command: str
):
    """A command moves on from a shown list, whether or not it starts a conversation of
    its own: the point the list was searched around goes with it, and the list's buttons
    say it is no longer current."""
    await chat.onboard("hugo", "en")
    await chat.press("hugo", "menu:places")
    await chat.location("hugo", *POINT)
    assert points(json.loads((await conversation(sample, "hugo"))[1]))
    await chat.text("hugo", command)
    assert await conversation(sample, "hugo") is None
    out = await chat.press("hugo", "pl:more")
    assert any(getattr(o, "text", "") == "This button is no longer valid." for o in out), out
    assert await conversation(sample, "hugo") is None

    await chat.press("hugo", "ev:where")
    await chat.location("hugo", *POINT)
    assert (await conversation(sample, "hugo"))[0] == "events.list"
    await chat.text("hugo", command)
    assert await conversation(sample, "hugo") is None
    await assert_nowhere(sample)


async def test_a_command_keeps_a_form_half_filled(chat: MemoryTransport, db: Database):
    """Only lists end with a command: a help request half written survives /help."""
    await chat.onboard("rosa", "en")
    await chat.press("rosa", "hr:new")
    await chat.press("rosa", "hr:cat:shopping")
    await chat.text("rosa", "Bread and milk, please")
    await chat.text("rosa", "/help")
    state, raw = await conversation(db, "rosa")
    assert state.startswith("request.") and "Bread and milk" in raw
