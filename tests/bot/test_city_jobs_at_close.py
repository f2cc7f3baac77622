"""A city's timed job under way when the city closes ends first; one the scheduler starts
after does nothing (bot/city_service.py ``CityBot.close``). Found as a flaky
test_operator_slips ``test_run_while_telegram_cannot_be_reached``: a failed start closed the
cities' databases while the scheduler was still running a job ("follow_ups"), which ended
in a traceback on the closed connection - one run in eight under load."""

from __future__ import annotations

import asyncio

from bot.cities import load_cities
from bot.city_service import CityBot
from bot.cluster import SingleProcess
from bot.config import load_config
from tests.support.two_cities import write_cities


async def test_close_waits_for_a_job_under_way_and_later_jobs_do_nothing(tmp_path):
    config = write_cities(tmp_path, str(tmp_path / "bot.sqlite3"))
    city = load_cities(load_config(config, env={}), {})[0]
    bot = await CityBot.open(city, SingleProcess(), None)
    begun, go_on = asyncio.Event(), asyncio.Event()
    written: list[str] = []

    async def work() -> None:
        begun.set()
        await go_on.wait()
        async with bot.db.transaction():
            await bot.db.transport_state.set("test.job", "done")
        written.append(await bot.db.transport_state.get("test.job") or "")

    job = asyncio.create_task(bot._job(work)())
    await begun.wait()
    closing = asyncio.create_task(bot.close())
    await asyncio.sleep(0)  # close has begun: it stops the transports, then waits
    go_on.set()
    await asyncio.gather(job, closing)
    assert written == ["done"]

    later: list[int] = []

    async def too_late() -> None:
        later.append(1)

    await bot._job(too_late)()
    assert later == []
