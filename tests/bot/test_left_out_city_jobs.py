"""A further city left out while ``run`` starts - its chat service refused its account
(bot/cli/main.py ``_start_cities``) - runs no timed job that changes a request or queues a
message: it serves nobody, so a follow-up would expire requests and ask "still needed?"
into an outbox no worker sends, reminders would be marked given, the roundup posted to a
group nobody reads. Its retention goes on (what must be erased is erased); the others run
from the start that serves it again, as after any stop. The other city keeps all of its."""

from __future__ import annotations

import asyncio

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.cities import load_cities
from bot.city_service import CityBot
from bot.cli import main as cli_main
from bot.cluster import SingleProcess
from bot.config import load_config
from bot.transports.contract import AccountRefused
from db import Database
from locales import TIMEZONE
from tests.support.two_cities import write_cities


async def test_a_left_out_city_keeps_only_its_retention(
    db: Database, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    config = write_cities(tmp_path, str(tmp_path / "bot.sqlite3"))
    cities = load_cities(load_config(config, env={}), {})
    bots = [
        await CityBot.open(city, SingleProcess(), None, db=db if city.main else None, main=db)
        for city in cities
    ]
    dortmund, unna = bots

    async def started(cluster: object, stop: object) -> list[asyncio.Task[None]]:
        return []

    async def refused(cluster: object, stop: object) -> list[asyncio.Task[None]]:
        raise AccountRefused("telegram: the token was refused")

    monkeypatch.setattr(dortmund, "start", started)
    monkeypatch.setattr(unna, "start", refused)
    scheduler = AsyncIOScheduler(timezone=TIMEZONE)
    try:
        for bot in bots:
            bot.add_jobs(scheduler)
        every = {job.id for job in scheduler.get_jobs() if ":" not in job.id}
        assert {"follow-ups", "reminders", "roundup", "retention"} <= every
        await cli_main._start_cities(bots, SingleProcess(), asyncio.Event())
        jobs = {job.id for job in scheduler.get_jobs()}
        assert {job for job in jobs if job.startswith("unna:")} == {"unna:retention"}
        assert {job for job in jobs if ":" not in job} == every
    finally:
        await unna.close()
