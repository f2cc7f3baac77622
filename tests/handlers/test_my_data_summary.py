"""/mydata's summary names what a person's data is about as they know it
(handlers/privacy.py ``export_summary``): an event followed every time is named by its
title, not by the day its series began - that day may be long past, and the person follows
every occurrence, not that one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db import Database
from db.events import Event
from locales import TIMEZONE, translator
from tests.support.memory_transport import MemoryTransport, texts

PERSON = "amira"


async def _weekly(db: Database, began: datetime) -> int:
    event_id, _, _ = await db.events.upsert(
        Event(
            uid="cafe",
            title="Sprachcafé",
            starts_local=began.strftime("%Y-%m-%dT17:00:00"),
            rrule="FREQ=WEEKLY",
            stadtbezirk="Innenstadt-Nord",
        )
    )
    return event_id


async def test_an_event_followed_every_time_is_named_without_the_day_its_series_began(
    story: MemoryTransport, db: Database
):
    began = datetime.now(UTC) - timedelta(days=400)
    event_id = await _weekly(db, began)
    await story.onboard(PERSON, "en")
    await story.press(PERSON, f"ev:ra:{event_id}")

    said = texts(await story.text(PERSON, "/mydata"))
    first = datetime.fromisoformat(began.strftime("%Y-%m-%dT17:00:00")).replace(tzinfo=TIMEZONE)
    assert "Sprachcafé" in said
    assert str(translator("en").day_and_time(first)) not in said, said
