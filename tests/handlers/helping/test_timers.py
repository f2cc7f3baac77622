"""Follow-ups of open requests happen once each, at the right time, through the outbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import HelpSection
from db import Database
from handlers.helping.timers import Timing, follow_up, roundup
from handlers.settings import HandlerSettings

SETTINGS = HandlerSettings(backchannels=frozenset({("memory", "group")}))
T0 = datetime.now(UTC)


async def _open_request(db: Database, name: str = "rita") -> int:
    user = await db.users.seen("memory", name, name, name.title())
    await db.users.set_language(user.id, "tr")
    request = await db.requests.create(
        user.id, user.id, category="company", stadtbezirk="Hörde", area_name="Hörde"
    )
    await db.requests.transition(request.id, "open", user.id)
    return request.id


async def _queued(db: Database) -> list[tuple[str, dict]]:
    rows = await db.fetch_all("SELECT chat_id, payload FROM outbox ORDER BY id")
    return [(row[0], json.loads(row[1])) for row in rows]


async def test_escalate_remind_expire_once_each(db: Database):
    request_id = await _open_request(db)
    timing = Timing(escalate_hours=24, remind_days=3, expire_days=7)
    assert await follow_up(db, SETTINGS, T0 + timedelta(hours=1), timing) == 0
    assert await follow_up(db, SETTINGS, T0 + timedelta(hours=25), timing) == 1
    assert await follow_up(db, SETTINGS, T0 + timedelta(hours=26), timing) == 0  # only once
    assert (await _queued(db))[-1][0] == "group"
    assert await follow_up(db, SETTINGS, T0 + timedelta(days=4), timing) == 1
    chat, reminder = (await _queued(db))[-1]
    assert chat == "rita" and f"hr:keep:{request_id}" in json.dumps(reminder)
    await follow_up(db, SETTINGS, T0 + timedelta(days=8), timing)
    assert (await db.requests.get(request_id)).state == "expired"
    assert any(chat == "rita" and "⌛" in payload["text"] for chat, payload in await _queued(db))


async def test_still_needed_postpones_expiry(db: Database):
    request_id = await _open_request(db)
    timing = Timing(escalate_hours=24, remind_days=3, expire_days=7)
    await follow_up(db, SETTINGS, T0 + timedelta(days=4), timing)
    # The requester answers "still needed" on day 4 (kept_at is now): expiry moves on.
    await db.requests.mark(request_id, "kept_at")
    await follow_up(db, SETTINGS, T0 + timedelta(days=6), timing)
    assert (await db.requests.get(request_id)).state == "open"


async def test_roundup_lists_open_requests_by_district(db: Database):
    assert await roundup(db, SETTINGS) == 0
    first = await _open_request(db, "rita")
    second = await _open_request(db, "rudi")
    assert await roundup(db, SETTINGS) == 1
    chat, payload = (await _queued(db))[-1]
    assert chat == "group" and "Hörde" in payload["text"]
    assert f"#{first}" in payload["text"] and f"#{second}" in payload["text"]


@pytest.mark.both_backends
async def test_by_default_the_coordinators_hear_after_8_hours_of_a_request_nobody_took(db):
    # Issue 81: 8 hours, not 24 - a city that sets nothing gets the alert while its
    # coordinators can still phone round that day (judged in the outcomes bench,
    # docs/help.md "The coordinators' alert"); the configuration's default is the same.
    await _open_request(db)
    opened = datetime.now(UTC)
    assert HelpSection().escalate_hours == Timing().escalate_hours == 8
    assert await follow_up(db, SETTINGS, opened + timedelta(hours=7, minutes=45)) == 0
    assert await follow_up(db, SETTINGS, opened + timedelta(hours=8, minutes=1)) == 1
    chat, alert = (await _queued(db))[-1]
    assert chat == "group" and "mod:re:" in json.dumps(alert)
