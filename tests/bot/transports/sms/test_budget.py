"""The month's budget of text messages: spends from several processes at once never go past
it, and the coordinators are told once at 80 % and once when it is used up."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from bot.transports.sms.budget import Budget, month_of
from db import Database
from handlers.messages import decode

BACKCHANNEL = ("console", "coordinators")


async def _notices(db: Database) -> list[str]:
    rows = await db.transactions.fetch_all(
        "SELECT payload FROM outbox WHERE chat_id = ? ORDER BY id", (BACKCHANNEL[1],)
    )
    return [str(decode(json.loads(row[0])).text) for row in rows]  # type: ignore[union-attr]


@pytest.mark.both_backends
async def test_concurrent_spends_never_overshoot_and_each_share_is_told_once(
    db: Database, database_url: str
):
    other = await Database.open(database_url)  # a second process on the same database
    try:
        budgets = [Budget(one, 100, [BACKCHANNEL]) for one in (db, other)]
        taken = await asyncio.gather(*(budgets[n % 2].take(3) for n in range(60)))
    finally:
        await other.close()
    assert taken.count(True) == 33
    month = month_of(datetime.now(UTC))
    assert await budgets[0].store.spent(month) == 99
    notices = await _notices(db)
    # In the city's language (German). Once each: the 80 % notice (unless the stop was
    # told first, which says more) and the stop.
    assert sum("aufgebraucht" in notice for notice in notices) == 1
    assert sum("80" in notice for notice in notices) <= 1
    assert len(notices) <= 2


async def test_a_text_that_does_not_fit_is_refused_and_the_stop_told(db: Database):
    budget = Budget(db, 10, [BACKCHANNEL])
    assert await budget.take(7)
    assert await _notices(db) == []
    assert await budget.take(2)  # 9 of 10: past 80 %
    assert len(await _notices(db)) == 1
    assert not await budget.take(2)  # would be 11
    assert await budget.take(1)  # one still fits
    assert not await budget.take(1)
    notices = await _notices(db)
    assert len(notices) == 2 and "aufgebraucht" in notices[1]


async def test_a_new_month_has_the_whole_budget_again(db: Database):
    moment = [datetime(2026, 11, 30, 22, 0, tzinfo=UTC)]  # 23:00 in Berlin: still November
    budget = Budget(db, 5, [BACKCHANNEL], clock=lambda: moment[0])
    assert await budget.take(5)
    assert not await budget.take(1)
    moment[0] = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 December in Berlin
    assert await budget.take(5)
