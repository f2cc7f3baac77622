"""One city's bot inside the running process: its database, dispatcher, chat transports,
outbox worker and timed jobs.

``python -m bot run`` starts one :class:`CityBot` per city (bot/cities.py) in one event
loop. Nothing of one city reaches another's people: each city has its own database (a file
on SQLite, a schema on PostgreSQL, see ``db.database.city_location``), its own bot accounts
(a python-telegram-bot ``Application`` and a Matrix client of its own), its own outbox
worker keeping its own bot's pace, its own jobs, and its own web map and desk when it
has a web port of its own (the main city's is ``web.port``).

With several processes on PostgreSQL (bot/cluster.py) a city's polling and Matrix sync are
roles of their own (``polling@unna``; the main city keeps the plain names), so one process
may poll for one city while another polls for the next. The timed jobs of all cities are
one role, ``scheduler``. Everything a city's tasks log names the city (bot/log_city.py).

Each transport is handed the city's ports (handlers/channels.py ``Ports``), as Synapse's
HomeServer hands each caller the handler it needs: its way in for updates
(``Ports.updates``, which the city's dispatcher routes) and what it asks besides - its
people's words, who is calling, where a person stands. No transport is handed the
dispatcher itself (tests/bot/transports/test_ports.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import (
    apply_retention,
    bot_username,
    build_dispatcher,
    open_city_database,
    start_web,
)
from bot.cities import City
from bot.cluster import Cluster, SingleProcess, city_role
from bot.delivery import OutboxWorker, Speaker
from bot.log_city import in_city
from bot.metrics import CityMetrics, Metrics
from bot.speech.engines import speaker_from_config
from bot.timed_jobs import add_city_jobs, city_jobs
from bot.translation.service import TranslationService, service_from_config
from bot.transports.contract import ChatService
from bot.transports.registry import Attachment, attach, chat_services
from db import Database
from db.bans import SharedBanList
from handlers.dispatcher import Dispatcher
from handlers.events.reminders import sync_all
from handlers.settings import HandlerSettings

log = logging.getLogger(__name__)

# The timed jobs of a city left out of ``run`` that go on (CityBot.leave_out): retention,
# which sends nothing and erases what is due.
WHILE_LEFT_OUT = frozenset({"retention"})


class CityBot:
    """A city's bot: built by :meth:`open`, run by :meth:`start`, ended by :meth:`close`."""

    def __init__(
        self,
        city: City,
        db: Database,
        dispatcher: Dispatcher,
        transports: list[ChatService],
        worker: OutboxWorker,
        translations: TranslationService,
        metrics: CityMetrics | None,
    ) -> None:
        self.city = city
        self.db = db
        self.dispatcher = dispatcher
        self.transports = transports
        self.worker = worker
        self.translations = translations
        self.metrics = metrics
        self.started: list[ChatService] = []
        self.web: Any = None
        # Where its timed jobs were put, and their names (add_jobs): a city left out
        # stops them (leave_out).
        self._scheduler: AsyncIOScheduler | None = None
        self._jobs: list[str] = []
        # The timed jobs running now, and whether the city is closing: a job the scheduler
        # starts then does nothing, and close waits for those under way before the
        # database goes (a failed start closes the cities while the scheduler still runs).
        self._jobs_running: set[asyncio.Task[Any]] = set()
        self._closing = False

    @classmethod
    async def open(
        cls,
        city: City,
        cluster: Cluster | SingleProcess,
        metrics: Metrics | None,
        db: Database | None = None,
        shared_bans: SharedBanList | None = None,
        main: Database | None = None,
    ) -> CityBot:
        """The city's bot on ``db`` (its database is opened when not given), refusing
        the installation's ``shared_bans`` too and counting translations and text messages
        against the installation's budgets in ``main`` (the main city's database)."""
        config = city.config
        db = db or await open_city_database(city)
        db.users.shared_bans = shared_bans
        counters = metrics.city(city.slug, db) if metrics is not None else None
        dispatcher = build_dispatcher(db, config)
        dispatcher.process_key = cluster.key or None
        ports = dispatcher.ports  # what each transport is handed (module docstring)
        transports = chat_services(config, ports)
        translations = service_from_config(
            db, config.translation, counters.translation if counters else None, main=main
        )
        speaker = await speaker_from_config(config.speech, tuple(config.bot.languages))
        dispatcher.settings = composed(dispatcher.settings, transports, speaker)
        worker = OutboxWorker(
            db,
            transports,
            on_failure=counters.delivery_failed if counters else None,
            # A chat closed for good, one never started: the chats' rules (the coordinators
            # are told), as the transports report theirs (handlers/updates/chats.py).
            on_closed=ports.chats.refused,
            on_unstarted=ports.chats.unstarted,
            translations=translations,
            speaker=speaker,
            claimant=cluster.key,
            chain=dispatcher.chain,  # answers and outbox: one reader chain
            # Alone, each transport paces itself; together, the processes share one pace
            # per bot (the city's own send_pace row).
            pace={t.platform: t.pace for t in transports if t.pace is not None}
            if isinstance(cluster, Cluster)
            else None,
        )
        dispatcher.on_queued = worker.wake
        # Each transport wired into the city by its descriptor (media for what it says,
        # the installation's budgets in the main city's database, folders of its own).
        attach(
            transports,
            Attachment(
                worker.fetch_media,
                main,
                slug=city.slug,
                is_main=city.main,
                count=counters.transport_event if counters else None,
                prepare=worker.prepared,
            ),
        )
        if counters is not None:
            dispatcher.on_handled = counters.handled
        return cls(city, db, dispatcher, transports, worker, translations, counters)

    @property
    def slug(self) -> str:
        return self.city.slug

    def role(self, name: str) -> str:
        """The city's own name for a cluster role."""
        return city_role(name, None if self.city.main else self.slug)

    def _chat_turn(self, cluster: Cluster | SingleProcess) -> Callable[..., Any]:
        if self.city.main:
            return cluster.chat_turn
        return lambda platform, chat_id: cluster.chat_turn(f"{platform}@{self.slug}", chat_id)

    async def start(
        self, cluster: Cluster | SingleProcess, stop: asyncio.Event
    ) -> list[asyncio.Task[None]]:
        """Catch up, connect the transports and start delivering; the tasks returned hold
        the city's roles and run its outbox worker until ``stop``."""
        with in_city(self.slug):
            config = self.city.config
            failed = self.metrics.retention_failed if self.metrics else None
            await apply_retention(
                self.db, config, on_failure=failed, database=self.city.location[0]
            )
            # The reminder schedule first (reaching further into recurring events), then
            # the transports; reminders missed while down follow within the grace period.
            await sync_all(self.db, datetime.now(UTC))
            roles: list[Coroutine[Any, Any, None]] = []
            for transport in self.transports:
                await self._connect(transport, cluster)
                if transport.update_role is not None:
                    roles.append(
                        cluster.hold(
                            self.role(transport.update_role),
                            transport.start_taking,
                            transport.stop_taking,
                            stop,
                        )
                    )
                self.started.append(transport)
            # The city's own map and desk, on its own port (off when it has none): its pages
            # read only its database, and its desk plays voice messages through its own
            # transports.
            self.web = await start_web(
                self.db,
                config,
                self.dispatcher.settings,
                self.worker.wake,
                bot_username(self.started),
                self.city,
                media=self.started,
                speaker=self.worker.speaker,
            )
            tasks = [asyncio.create_task(role) for role in roles]
            tasks.append(asyncio.create_task(self.worker.run(stop)))
            log.info("running: %s", ", ".join(t.platform for t in self.transports) or "no chat")
            return tasks

    async def _connect(self, transport: ChatService, cluster: Cluster | SingleProcess) -> None:
        """Connect ``transport``. One whose connecting fails or is cancelled half-way (its
        service out of reach, its account refused, another city's start failing) is stopped
        at once: it is not among ``started``, which :meth:`close` stops, and what it opened
        before it failed - an HTTP session - would be left open ("Unclosed client
        session")."""
        try:
            await transport.connect(self._chat_turn(cluster))
        except BaseException:
            await _stopped_anyway(transport)
            raise

    def add_jobs(self, scheduler: AsyncIOScheduler) -> None:
        """The city's timed jobs (bot/timed_jobs.py; job ids prefixed by the city's slug)."""
        failed = self.metrics.retention_failed if self.metrics else None
        jobs = city_jobs(self.city, self.db, self.dispatcher, self.worker.wake, failed)
        add_city_jobs(scheduler, jobs, self.city, self._id, self._job)
        self._scheduler, self._jobs = scheduler, list(jobs)

    async def leave_out(self) -> None:
        """Left out of ``run`` (bot/cli/main.py ``_start_cities``: a chat service refused
        its account): it stops serving, and of its timed jobs only retention goes on - what
        is due to be erased is erased. The others would change requests and queue messages
        while it serves nobody (a follow-up expiring a request and telling its requester
        through an outbox no worker sends, reminders marked given, a roundup for a group
        nobody reads); they run from the start that serves it again, as after any stop."""
        await self.stop_serving()
        if self._scheduler is not None:
            for name in self._jobs:
                if name not in WHILE_LEFT_OUT:
                    self._scheduler.remove_job(self._id(name))

    def _id(self, job: str) -> str:
        return job if self.city.main else f"{self.slug}:{job}"

    def _job(self, work: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """``work`` run as the city (the scheduler's tasks are nobody's)."""

        async def run() -> None:
            task = asyncio.current_task()
            if self._closing or task is None:
                return
            self._jobs_running.add(task)
            try:
                with in_city(self.slug):
                    await work()
            finally:
                self._jobs_running.discard(task)

        run.__name__ = getattr(work, "__name__", "job")
        return run

    async def close(self) -> None:
        """Disconnect the transports and close the translation service and the database."""
        self._closing = True
        await self.stop_serving()
        if self._jobs_running:  # to their end: cut off, a job's transaction would be too
            await asyncio.wait(set(self._jobs_running), timeout=JOBS_END_SECONDS)
        with in_city(self.slug):
            await self.translations.close()
            await self.db.close()

    async def stop_serving(self) -> None:
        """Its web and the chat services it connected stopped; its database stays open (for
        its retention, where it is left out: :meth:`leave_out`)."""
        with in_city(self.slug):
            if self.web is not None:
                await self.web.stop()
                self.web = None
            for transport in reversed(self.started):
                try:
                    await transport.stop()
                except Exception:
                    log.exception("stopping %s failed", transport.platform)
            self.started.clear()


# How long close waits for the timed jobs under way (a minute's work at most) before the
# database closes beneath them.
JOBS_END_SECONDS = 30.0
# How long the stop of a transport whose start failed may go on once the start was
# cancelled (bot/cli/main.py _start_cities cancels the other cities' starts at a failure).
STOP_CANCELLED_SECONDS = 5.0


async def _stopped_anyway(transport: ChatService) -> None:
    """``transport.stop()`` after its failed start, to its end even where the start is
    cancelled meanwhile - two cities failing at once: the first failure cancels the other
    city while it stops, and a stop cut off half-way left its HTTP session open; the
    cancellation is raised after it (within :data:`STOP_CANCELLED_SECONDS`). A failure
    to stop is logged: the failure to start is what the operator is told."""
    stopping = asyncio.ensure_future(transport.stop())
    cancelled = False
    try:
        await asyncio.shield(stopping)
    except asyncio.CancelledError:
        cancelled = True
        await asyncio.wait({stopping}, timeout=STOP_CANCELLED_SECONDS)
    except Exception:
        pass  # said below
    if not stopping.done():
        stopping.cancel()
    elif not stopping.cancelled() and (error := stopping.exception()) is not None:
        log.warning(
            "stopping %s after its failed start failed: %s",
            transport.platform,
            type(error).__name__,
        )
    if cancelled:
        raise asyncio.CancelledError


def composed(
    settings: HandlerSettings, transports: Iterable[ChatService], speaker: Speaker | None = None
) -> HandlerSettings:
    """The features' settings of a city whose transports are built, composed once here: the
    voices its speech engine has, and the ports its transports place calls through for the
    features (``ChatService.ports``: the phone's check calls and bridged calls)."""
    changes: dict[str, Any] = {
        name: port for transport in transports for name, port in transport.ports().items()
    }
    if speaker is not None:
        changes["speech_languages"] = speaker.languages
    return replace(settings, **changes)


@contextlib.asynccontextmanager
async def opened(bots: list[CityBot]) -> AsyncIterator[list[CityBot]]:
    """Close every city's bot on the way out, whatever happened."""
    try:
        yield bots
    finally:
        for bot in reversed(bots):
            try:
                await bot.close()
            except Exception:
                log.exception("closing the city %s failed", bot.slug)
