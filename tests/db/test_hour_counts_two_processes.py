"""db/hour_counts.py under two processes at once (two Database handles on one database,
as two bot processes of an installation have): an hour's count against a cap is taken
atomically - counted, compared and given back past the cap in one transaction - so the
processes together never pass the cap, and the coordinators' notice of a level is claimed
by one of them alone (SMS code texts, bot/transports/sms/store.py)."""

from __future__ import annotations

import asyncio

import pytest

from bot.transports.sms.store import SmsStore
from db import Database
from db.hour_counts import HourCount

HOUR = "2026-11-28T13"
CAP = 25


@pytest.mark.both_backends
async def test_two_processes_never_pass_the_hours_cap_and_tell_it_once(database_url: str):
    first, second = await Database.open(database_url), await Database.open(database_url)
    try:
        stores = (SmsStore(first.transactions), SmsStore(second.transactions))

        async def takes(store: SmsStore) -> list[bool]:
            return [await store.take_code_text(HOUR, CAP) for _ in range(20)]

        taken = await asyncio.gather(*(takes(store) for store in stores))
        assert sum(sum(each) for each in taken) == CAP
        rows = await first.fetch_all("SELECT sent FROM sms_code_texts WHERE hour = ?", (HOUR,))
        assert [tuple(row) for row in rows] == [(CAP,)]

        claims = await asyncio.gather(
            *(store.claim_code_texts_out(HOUR, 1) for store in stores for _ in range(3))
        )
        assert sum(claims) == 1
    finally:
        await first.close()
        await second.close()


@pytest.mark.both_backends
async def test_a_process_still_in_the_last_hour_leaves_the_new_hours_count(db: Database):
    """At the hour's turn a process whose clock is a moment behind counts in the hour that
    ended: the new hour's count, which the other processes keep, stays (only earlier
    hours' rows go) - else each such count would start the new hour again from nought,
    and on PostgreSQL the two deletions could wait for each other."""
    texts = HourCount(db.transactions, "sms_code_texts", "sent")
    assert await texts.add("2026-11-28T14") == 1
    assert await texts.add("2026-11-28T13") == 1  # a clock a moment behind
    assert await texts.add("2026-11-28T14") == 2
    assert await texts.count("2026-11-28T13") == 0  # gone once a later hour counts
