"""A city's timed jobs and when they run: reminders, request follow-ups, the offer waves,
the review's reminders, the held requests (posting limits), the requests published
unreviewed after the city's wait (off: the job finds nothing), the morning roundup, the
coordinators' weekly digest (Monday, after the roundup), the reminder horizon and
retention. One list for ``python -m bot run`` (bot/city_service.py, a job id per city) and
the console demo (bot/cli/main.py): what the demo promises at a time - a held request
going on at 02:19, the next wave of offers, a reminder - comes at that time there too.
Each job wakes the outbox worker where it queued messages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import apply_retention
from bot.cities import City
from db import Database
from handlers.dispatcher import Dispatcher
from handlers.events.reminders import deliver_due, sync_all
from handlers.helping import held_requests, unreviewed
from handlers.helping.matching import waves
from handlers.helping.review import review_pace
from handlers.helping.timers import Timing, follow_up, roundup
from handlers.statistics.this_week import digest

Job = Callable[[], Awaitable[None]]


def job_times(city: City) -> dict[str, dict[str, Any]]:
    """When each job runs (apscheduler's trigger arguments); the frequent ones at once too."""
    soon = {"trigger": "interval", "next_run_time": datetime.now(UTC)}
    config = city.config
    return {
        "reminders": {**soon, "seconds": config.events.reminder_round_seconds},
        "follow-ups": {**soon, "minutes": 15},
        "offer-waves": {**soon, "minutes": 5},
        "review-reminders": {**soon, "minutes": 5},
        "held-requests": {**soon, "minutes": 1},
        "unreviewed": {**soon, "minutes": 1},
        "roundup": {"trigger": "cron", "hour": config.help.roundup_hour, "minute": 0},
        "weekly-digest": {
            "trigger": "cron",
            "day_of_week": "mon",
            "hour": config.help.roundup_hour,
            "minute": 5,
        },
        "reminder-horizon": {"trigger": "cron", "hour": 3, "minute": 30},
        "retention": {"trigger": "interval", "hours": 24},
    }


def city_jobs(
    city: City,
    db: Database,
    dispatcher: Dispatcher,
    wake: Callable[[], None],
    on_retention_failure: Callable[..., Any] | None = None,
) -> dict[str, Job]:
    """What each timed job does; ``wake``: the outbox worker, where a job queued messages."""
    config = city.config
    grace = timedelta(minutes=config.events.reminder_grace_minutes)

    async def due_reminders() -> None:
        if (await deliver_due(db, datetime.now(UTC), grace))[0]:
            wake()

    async def extend_reminders() -> None:
        await sync_all(db, datetime.now(UTC))

    async def retention() -> None:
        await apply_retention(
            db, config, on_failure=on_retention_failure, database=city.location[0]
        )

    return {
        "reminders": due_reminders,
        **_help_jobs(city, db, dispatcher, wake),
        "reminder-horizon": extend_reminders,
        "retention": retention,
    }


def _help_jobs(
    city: City, db: Database, dispatcher: Dispatcher, wake: Callable[[], None]
) -> dict[str, Job]:
    """The jobs of the help requests: each ``tick`` with the settings as they are then."""
    config = city.config
    timing = Timing(config.help.escalate_hours, config.help.remind_days, config.help.expire_days)

    async def follow_ups() -> None:
        if await follow_up(db, dispatcher.settings, datetime.now(UTC), timing):
            wake()

    async def review_reminders() -> None:
        minutes = config.help.review_remind_minutes
        if await review_pace.remind(db, dispatcher.settings, datetime.now(UTC), minutes):
            wake()

    async def morning_roundup() -> None:
        if await roundup(db, dispatcher.settings):
            wake()

    def ticking(tick: Callable[[Database, Any, datetime], Awaitable[object]]) -> Job:
        async def run() -> None:
            if await tick(db, dispatcher.settings, datetime.now(UTC)):
                wake()

        return run

    return {
        "follow-ups": follow_ups,
        "offer-waves": ticking(waves.tick),
        "review-reminders": review_reminders,
        "held-requests": ticking(held_requests.tick),
        "unreviewed": ticking(unreviewed.tick),
        "roundup": morning_roundup,
        "weekly-digest": ticking(digest),
    }


def add_city_jobs(
    scheduler: AsyncIOScheduler,
    jobs: dict[str, Job],
    city: City,
    job_id: Callable[[str], str] = str,
    wrap: Callable[[Job], Job] = lambda job: job,
) -> None:
    """``jobs`` on ``scheduler`` at their times (:func:`job_times`), each ``wrap``ped (run as
    the city) under ``job_id(name)``."""
    when = job_times(city)
    for name, work in jobs.items():
        scheduler.add_job(wrap(work), id=job_id(name), **when[name])
