"""The month's budget of text messages: the installation's, shared by its cities; spends from
several processes and cities at once never go past it, and each city's coordinators are
told once at 80 % and once when it is used up."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from bot.cities import load_cities
from bot.city_service import CityBot
from bot.cluster import SingleProcess
from bot.config import load_config
from bot.transports.month_budget import MonthCounts
from bot.transports.sms.budget import SEGMENTS, Budget, month_of
from db import Database
from handlers.messages import decode
from tests.support.city_databases import open_city
from tests.support.two_cities import write_cities

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
    (notice,) = await _notices(db)
    assert "80\xa0% der 10 Segmente" in notice  # the share as German writes it (Babel)
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


def _shared(city: Database, main: Database, monthly: int) -> Budget:
    """A city's budget counted in the main city's database, as bot/city_service.py makes it."""
    budget = Budget(city, monthly, [BACKCHANNEL])
    budget.count_in(main)
    return budget


@pytest.mark.both_backends
async def test_two_cities_share_one_budget_and_each_city_is_told_once(
    db: Database, database_url: str
):
    """Dortmund (the main city, ``db``) and Unna, each with two processes, all sending at once:
    one month's budget for both, never overspent; each city's coordinators told once of each
    share, in their own outbox."""
    unna = await open_city(database_url, "unna")
    others = [await Database.open(database_url), await open_city(database_url, "unna")]
    try:
        cities = [db, unna, *others]
        budgets = [_shared(city, db, 100) for city in cities]
        taken = await asyncio.gather(*(budgets[n % 4].take(3) for n in range(60)))
        month = month_of(datetime.now(UTC))
        assert taken.count(True) == 33
        assert await budgets[1].store.spent(month) == 99
        assert (
            await MonthCounts(unna.transactions, SEGMENTS).spent(month) == 0
        )  # nothing counted in Unna's own database
        for city in (db, unna):
            notices = await _notices(city)
            assert sum("aufgebraucht" in notice for notice in notices) == 1, notices
            assert sum("80" in notice for notice in notices) <= 1
            assert len(notices) <= 2
    finally:
        for city in (unna, *others):
            await city.close()


@pytest.mark.both_backends
async def test_each_city_learns_of_the_shared_budget_when_it_next_sends(
    db: Database, database_url: str
):
    unna = await open_city(database_url, "unna")
    try:
        dortmund_budget, unna_budget = _shared(db, db, 10), _shared(unna, db, 10)
        assert await dortmund_budget.take(8)  # 80 % of the installation's month
        assert len(await _notices(db)) == 1 and await _notices(unna) == []
        assert await unna_budget.take(1)  # Unna sends its first: already past 80 %
        (told,) = await _notices(unna)
        assert "80" in told and "aufgebraucht" not in told
        assert not await unna_budget.take(2)  # 11 of 10: refused, for Unna too
        assert await dortmund_budget.take(1)  # the last one
        assert not await dortmund_budget.take(1)
        assert not await unna_budget.take(1)
        for city in (db, unna):
            notices = await _notices(city)
            assert len(notices) == 2 and "aufgebraucht" in notices[1], notices
    finally:
        await unna.close()


@pytest.mark.both_backends
async def test_a_further_citys_bot_counts_its_texts_in_the_main_citys_budget(
    db: Database, database_url: str, tmp_path
):
    """The whole wiring: [sms] monthly_segments of the main configuration is every city's,
    and CityBot counts each city's texts in the main city's database."""
    sms = '[sms]\nenabled = true\nurl = "http://127.0.0.1:9"\n'
    config = write_cities(
        tmp_path,
        database_url,
        dortmund=f"{sms}monthly_segments = 7\n",
        unna=f"{sms}port = 8095\n",
    )
    env = {
        "NACHBARBOT_SMS__INCOMING_SECRET": "main-secret",
        "NACHBARBOT_CITY_UNNA__SMS__INCOMING_SECRET": "unna-secret",
    }
    cities = load_cities(load_config(config, env=env), env)
    assert [city.config.sms.monthly_segments for city in cities] == [7, 7]
    bots = [
        await CityBot.open(city, SingleProcess(), None, db=db if city.main else None, main=db)
        for city in cities
    ]
    try:
        dortmund, unna = (
            next(t for t in bot.transports if t.platform == "sms").budget  # type: ignore[attr-defined]
            for bot in bots
        )
        assert await unna.take(5)
        assert await dortmund.take(2)
        assert not await unna.take(1)
        month = month_of(datetime.now(UTC))
        assert await MonthCounts(db.transactions, SEGMENTS).spent(month) == 7
    finally:
        for bot in reversed(bots):
            if bot.db is not db:
                await bot.close()
