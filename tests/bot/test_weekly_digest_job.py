"""Each city's scheduler holds the coordinators' weekly digest (handlers/statistics/this_week.py
``digest``): on Mondays, five minutes after the city's own morning roundup, on Berlin's
clock (summer time or not), under the city's job id."""

from __future__ import annotations

from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.cities import load_cities
from bot.city_service import CityBot
from bot.cluster import SingleProcess
from bot.config import load_config
from db import Database
from locales import TIMEZONE
from tests.support.two_cities import write_cities


async def test_each_city_sends_its_digest_on_monday_after_its_roundup(db: Database, tmp_path):
    config = write_cities(
        tmp_path,
        str(tmp_path / "bot.sqlite3"),
        dortmund="[help]\nroundup_hour = 7\n",
        unna="[help]\nroundup_hour = 9\n",
    )
    cities = load_cities(load_config(config, env={}), {})
    bots = [
        await CityBot.open(city, SingleProcess(), None, db=db if city.main else None, main=db)
        for city in cities
    ]
    # As the bot's process builds it (bot/cli/main.py): cron times on Berlin's clock.
    scheduler = AsyncIOScheduler(timezone=TIMEZONE)
    try:
        for bot in bots:
            bot.add_jobs(scheduler)
        jobs = {job.id: job for job in scheduler.get_jobs()}
        dortmund, unna = jobs["weekly-digest"], jobs["unna:weekly-digest"]
        wednesday = datetime(2026, 11, 25, 12, 0, tzinfo=TIMEZONE)
        assert dortmund.trigger.get_next_fire_time(None, wednesday) == datetime(
            2026, 11, 30, 7, 5, tzinfo=TIMEZONE
        )
        assert unna.trigger.get_next_fire_time(None, wednesday) == datetime(
            2026, 11, 30, 9, 5, tzinfo=TIMEZONE
        )
        # Across the change to summer time (Sunday 28 March 2027) still 07:05 in Berlin.
        friday = datetime(2027, 3, 26, 12, 0, tzinfo=TIMEZONE)
        spring = dortmund.trigger.get_next_fire_time(None, friday)
        assert spring.astimezone(TIMEZONE).replace(tzinfo=None) == datetime(2027, 3, 29, 7, 5)
        # A Monday after the digest's time: the next Monday's.
        monday = datetime(2026, 11, 30, 7, 6, tzinfo=TIMEZONE)
        assert dortmund.trigger.get_next_fire_time(None, monday) == datetime(
            2026, 12, 7, 7, 5, tzinfo=TIMEZONE
        )
    finally:
        for bot in reversed(bots):
            if bot.db is not db:
                await bot.close()
