"""pytest fixtures of the events' chat tests, imported by the test modules that use them
(tests/handlers/events/test_events_chat.py, tests/handlers/test_typed_digits.py):

``town``: a place (the Dietrich-Keuning-Haus) with a weekly Sprachcafé there in two days,
and a Sommerfest in Hörde in three days; their ids as ``{"place", "cafe", "fest"}``.
``coordinator``: "cora" on the memory chat, onboarded in German, a coordinator; her chat id.
``soon(days, hour)``: a local start that many days from today (what ``town`` uses)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from db import Database
from db.events import Event
from db.places import Place
from locales import TIMEZONE
from tests.support.helping_people import found
from tests.support.memory_transport import MemoryTransport


def soon(days: int, hour: int = 17) -> str:
    """``hour``:00 (local time) ``days`` days from today, as an event's ``starts_local``."""
    day = (datetime.now(TIMEZONE) + timedelta(days=days)).date()
    return f"{day.isoformat()}T{hour:02d}:00"


@pytest.fixture
async def town(db: Database) -> dict[str, int]:
    """The Dietrich-Keuning-Haus with a weekly Sprachcafé there in two days, and a
    Sommerfest in Hörde in three days: ``{"place", "cafe", "fest"}``, their ids."""
    place_id = await db.places.upsert(
        Place(
            source="t",
            source_id="dkh",
            name="Dietrich-Keuning-Haus",
            category="citizens_centre",
            lat=51.5245,
            lon=7.4650,
            stadtbezirk="Innenstadt-Nord",
            wheelchair="yes",
        ),
        "test",
    )
    cafe, _, _ = await db.events.upsert(
        Event(
            uid="cafe",
            title="Sprachcafé",
            starts_local=soon(2),
            rrule="FREQ=WEEKLY",
            place_id=place_id,
            stadtbezirk="Innenstadt-Nord",
            category="Sprache",
            lat=51.5245,
            lon=7.4650,
        )
    )
    fest, _, _ = await db.events.upsert(
        Event(
            uid="fest",
            title="Sommerfest Hörde",
            starts_local=soon(3, 14),
            lat=51.4880,
            lon=7.5050,
            stadtbezirk="Hörde",
            address="Phoenix-See",
            category="Fest",
        )
    )
    return {"place": place_id, "cafe": cafe, "fest": fest}


@pytest.fixture
async def coordinator(chat: MemoryTransport, db: Database) -> str:
    """The chat id "cora": on the memory chat, onboarded in German, a coordinator."""
    await chat.onboard("cora", "de")
    user = await found(db, "memory", "cora")
    await db.users.grant_role(user.id, "coordinator")
    return "cora"
