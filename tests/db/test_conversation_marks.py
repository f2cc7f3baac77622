"""db/conversation_marks.py: a mark a conversation leaves between two updates holds for
every process of a city (two Database handles on one database, as two bot processes have),
lapses, goes with its person's erasure, is in her export, and retention removes it once
lapsed. The processes' own test: tests/system/test_conversation_across_processes.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.data_rights import Limits
from db.personal_data import MAP

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


async def _nothing() -> None:
    return None


@pytest.mark.both_backends
async def test_a_mark_is_claimed_once_by_all_processes_and_lapses(database_url: str):
    first, second = await Database.open(database_url), await Database.open(database_url)
    try:
        until = NOW + timedelta(minutes=10)
        claims = await asyncio.gather(
            *(
                db.marks.claim("telegram", "-100", "unnamed:group", NOW, until)
                for db in (first, second, first, second)
            )
        )
        assert sorted(claims) == [False, False, False, True]
        assert await second.marks.holds("telegram", "-100", "unnamed:group", NOW)
        # Lapsed: none, and the next claim is the first again.
        assert not await first.marks.holds("telegram", "-100", "unnamed:group", until)
        later = until + timedelta(minutes=10)
        assert await second.marks.claim("telegram", "-100", "unnamed:group", until, later)

        await first.marks.put("telegram", "5101", "keyboard", until)
        assert await second.marks.holds("telegram", "5101", "keyboard", NOW)
        await second.marks.drop("telegram", "5101", "keyboard")
        assert not await first.marks.holds("telegram", "5101", "keyboard", NOW)
    finally:
        await first.close()
        await second.close()


@pytest.mark.both_backends
async def test_a_persons_marks_go_with_her_and_lapsed_ones_with_retention(database_url: str):
    db = await Database.open(database_url)
    try:
        amira = await db.users.seen("telegram", "5101", "5101", "Amira")
        paul = await db.users.seen("telegram", "5102", "5102", "Paul")
        await db.marks.put("telegram", "5101", "keyboard", NOW + timedelta(days=30))
        await db.marks.put("telegram", "5102", "keyboard", NOW + timedelta(days=30))
        await db.marks.put("telegram", "5102", "album:1", NOW + timedelta(hours=1))
        exported = await db.data_rights.export(amira)
        assert [row["mark"] for row in exported["conversation_marks"]] == ["keyboard"]
        async with db.transaction():
            await db.data_rights.erase(amira, _nothing)
        assert not await db.marks.holds("telegram", "5101", "keyboard", NOW)
        assert await db.marks.holds("telegram", "5102", "keyboard", NOW)

        step = next(r for t in MAP if t.name == "conversation_marks" for r in t.retention)
        # The album's mark lapsed an hour later; a day after that retention removes it.
        assert await db.data_rights.retain(step, Limits(), NOW + timedelta(hours=2)) == 0
        assert await db.data_rights.retain(step, Limits(), NOW + timedelta(days=2)) == 1
        rows = await db.fetch_all("SELECT chat_id, mark FROM conversation_marks")
        assert [tuple(row) for row in rows] == [("5102", "keyboard")]
        assert paul is not None
    finally:
        await db.close()


@pytest.mark.both_backends
async def test_an_arrival_reads_the_marks_its_chat_carries(db: Database):
    # The Telegram transport learns whether the chat shows the location keyboard from the
    # update's arrival, in its one statement (issue 104: a statement before each answer).
    now = datetime.now(UTC)
    await db.marks.put("telegram", "7", "keyboard", now + timedelta(days=1))
    await db.marks.put("telegram", "7", "album:1", now - timedelta(seconds=1))  # lapsed
    await db.marks.put("telegram", "8", "other", now + timedelta(days=1))  # another chat's
    asked = ("keyboard", "album:1", "other")
    arrival = await db.users.arrive("telegram", "7", "7", "Ada", update_id="1", marks=asked)
    assert arrival.marks == {"keyboard"}
    await db.marks.drop("telegram", "7", "keyboard")
    arrival = await db.users.arrive("telegram", "7", "7", "Ada", update_id="2", marks=asked)
    assert arrival.marks == frozenset()
    assert (await db.users.arrive("telegram", "7", "7", "Ada", update_id="3")).marks == set()
