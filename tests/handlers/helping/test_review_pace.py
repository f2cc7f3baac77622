"""A review that keeps pace (handlers/helping/review/review_pace.py): the oldest wait in the
backchannel's /pending, /duty, and the reminder job - those on duty first, later all
coordinators - on a clock the test moves (tests/support/clock.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from db import Database
from db.clock import to_text
from handlers.helping.review import review_pace
from handlers.messages import Command
from handlers.settings import HandlerSettings
from tests.support.clock import Clock
from tests.support.help_story import GROUP, grant_role_to, post_request, press
from tests.support.memory_transport import MemoryTransport, texts

# The on-duty table and its ON CONFLICT, and the reminders' marks, on both backends.
pytestmark = pytest.mark.both_backends

SETTINGS = HandlerSettings(backchannels=frozenset({("memory", GROUP)}))


async def _coordinators(story: MemoryTransport, db: Database) -> None:
    for name in ("cora", "carl"):
        await story.onboard(name, "en")
        await grant_role_to(db, name, "coordinator")


async def test_reminders_go_to_those_on_duty_first_and_later_to_all(
    story: MemoryTransport, db: Database
):
    await _coordinators(story, db)
    await story.onboard("vera", "en")  # no coordinator: never reminded
    clock = Clock()
    request_id = await post_request(story)
    await db.execute(
        "UPDATE help_requests SET created_at = ? WHERE id = ?", (to_text(clock.now), request_id)
    )
    # Cora says in the group she is on duty (answered in her language, English); Vera, no
    # coordinator, may not.
    said = texts(await story.in_group("cora", Command("duty"), chat=GROUP))
    assert "You are on duty now" in said
    await story.in_group("vera", Command("duty"), chat=GROUP)
    assert [p.first_name for p in await db.users.on_duty()] == ["Cora"]
    await story.flush()
    story.inbox.clear()

    clock.pass_(minutes=29)
    assert await review_pace.remind(db, SETTINGS, clock.now, 30) == 0
    clock.pass_(minutes=2)
    assert await review_pace.remind(db, SETTINGS, clock.now, 30) == 1
    await story.flush()
    assert f"#{request_id}" in story.received("cora") and "31 min" in story.received("cora")
    assert "carl" not in story.inbox and "vera" not in story.inbox
    clock.pass_(minutes=10)
    assert await review_pace.remind(db, SETTINGS, clock.now, 30) == 0  # once
    clock.pass_(minutes=20)  # an hour and a minute: every coordinator
    assert await review_pace.remind(db, SETTINGS, clock.now, 30) == 2
    await story.flush()
    assert "1 hr 1 min" in story.received("carl") and "1 hr 1 min" in story.received("cora")
    assert "vera" not in story.inbox
    clock.pass_(hours=5)
    assert await review_pace.remind(db, SETTINGS, clock.now, 30) == 0
    # Off duty again with the same command.
    said = texts(await story.in_group("cora", Command("duty"), chat=GROUP))
    assert "You are off duty" in said
    assert await db.users.on_duty() == []


async def test_with_nobody_on_duty_the_first_reminder_goes_to_all(
    story: MemoryTransport, db: Database
):
    await _coordinators(story, db)
    clock = Clock()
    request_id = await post_request(story)
    await db.execute(
        "UPDATE help_requests SET created_at = ? WHERE id = ?", (to_text(clock.now), request_id)
    )
    await story.flush()
    story.inbox.clear()
    clock.pass_(minutes=31)
    assert await review_pace.remind(db, SETTINGS, clock.now, 30) == 2
    # A published request is not reminded of.
    clock.pass_(minutes=30)
    await story.in_group("cora", press(f"mod:ok:{request_id}"), chat=GROUP)
    assert (await db.requests.get(request_id)).state == "open"
    assert await review_pace.remind(db, SETTINGS, clock.now, 30) == 0


async def test_pending_in_the_backchannel_says_how_long_the_oldest_waited(
    story: MemoryTransport, db: Database
):
    await _coordinators(story, db)
    first = await post_request(story)
    await post_request(story, "rudi", "de", "Ich brauche Hilfe beim Einkaufen")
    now = Clock().now
    await db.execute(
        "UPDATE help_requests SET created_at = ? WHERE id = ?",
        (to_text(now - timedelta(minutes=130)), first),
    )
    said = texts(await story.in_group("cora", Command("pending"), chat=GROUP))
    # Cora is answered in her language; minutes may have passed on a busy machine.
    line = next(line for line in said.splitlines() if line.startswith("⏳"))
    assert f"#{first}" in line and re.search(r"2 hr 1\d min", line), line
