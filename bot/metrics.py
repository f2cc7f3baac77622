"""Optional Prometheus metrics: ``metrics.port`` > 0 serves /metrics on ``metrics.listen``.

Counters and the latency histogram are fed by the dispatcher and the delivery worker; the
outbox depth, requests by state and pending reminders are read from the database (SQLite or
PostgreSQL) at each scrape, so they are right even after a restart and across processes.
Every series has a ``city`` label (the city's slug, bot/cities.py): one process serves
several cities, each with its own database and its own figures (:meth:`Metrics.city`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from db import Database
from db.transactions import Statement
from handlers.messages import Incoming

if TYPE_CHECKING:  # aiohttp (0.25 s to load) only where the metrics are served
    from aiohttp import web

log = logging.getLogger(__name__)

# The gauges read from the database at each scrape, in one round trip.
_GAUGE_QUERIES: list[Statement] = [
    ("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL", ()),
    ("SELECT state, COUNT(*) FROM help_requests GROUP BY state", ()),
    ("SELECT COUNT(*) FROM reminders WHERE state = 'pending'", ()),
]


class DatabaseCollector(Collector):
    """The outbox depth, requests by state and pending reminders of each city, as read by
    the last :meth:`refresh` (the endpoint refreshes before each scrape).

    The reads go through the running process's database objects, on either backend: on
    PostgreSQL a connection of the pool that is open anyway (a connection of its own per
    scrape would start a server process and authenticate every time), and three
    statements outside any transaction are one round trip that takes no lock and never
    waits for writers; on SQLite the shared connection's thread, waiting at most for the
    transaction in progress. Either way the event loop is not blocked meanwhile, as a
    synchronous read in ``collect`` would block it."""

    def __init__(self) -> None:
        self.dbs: dict[str, Database] = {}
        self._rows: dict[str, list[list[Any]]] = {}

    async def refresh(self) -> None:
        for city, db in self.dbs.items():
            self._rows[city] = await db.transactions.fetch_each(_GAUGE_QUERIES)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if not self._rows:
            return
        depth = GaugeMetricFamily(
            "nachbarbot_outbox_depth", "Messages waiting in the outbox", labels=["city"]
        )
        states = GaugeMetricFamily(
            "nachbarbot_requests", "Help requests by state", labels=["city", "state"]
        )
        reminders = GaugeMetricFamily(
            "nachbarbot_reminders_pending", "Reminders waiting to be sent", labels=["city"]
        )
        for city, (outbox, requests, pending) in self._rows.items():
            depth.add_metric([city], outbox[0][0])
            for state, count in requests:
                states.add_metric([city, state], count)
            reminders.add_metric([city], pending[0][0])
        yield depth
        yield states
        yield reminders


class CityMetrics:
    """One city's counters: what its dispatcher, outbox worker, retention and translation
    service report."""

    def __init__(self, metrics: Metrics, city: str) -> None:
        self.metrics = metrics
        self.slug = city

    def handled(self, incoming: Incoming, seconds: float) -> None:
        self.metrics.updates.labels(self.slug, incoming.sender.platform).inc()
        self.metrics.latency.labels(self.slug).observe(seconds)

    def retention_failed(self, step: str) -> None:
        self.metrics.retention_failures.labels(self.slug, step).inc()

    def delivery_failed(self, platform: str, permanent: bool) -> None:
        kind = "permanent" if permanent else "transient"
        self.metrics.failures.labels(self.slug, platform, kind).inc()

    def transport_event(self, platform: str, event: str, count: int = 1) -> None:
        """A transport's own event (bot/transports/registry.py ``Attachment.count``)."""
        self.metrics.transport_events.labels(self.slug, platform, event).inc(count)

    def translation(self, event: str, detail: str, characters: int) -> None:
        """The translation service's observer (bot/translation/service.py)."""
        detail = detail if event == "failed" else ""
        self.metrics.translations.labels(self.slug, event, detail).inc()
        if event == "translated":
            self.metrics.translated_characters.labels(self.slug).inc(characters)


class Metrics:
    """The process's metrics: each city's counters and database figures come in through
    :meth:`city` (bot/city_service.py registers every city, the main one too)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "nachbarbot_updates_handled",
            "Updates handled",
            ["city", "platform"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "nachbarbot_handler_latency_seconds",
            "Time to handle one update (without sending)",
            ["city"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.failures = Counter(
            "nachbarbot_delivery_failures",
            "Failed delivery attempts",
            ["city", "platform", "kind"],
            registry=self.registry,
        )
        self.retention_failures = Counter(
            "nachbarbot_retention_failures",
            "Retention steps that failed (the others still ran)",
            ["city", "step"],
            registry=self.registry,
        )
        self.translated_characters = Counter(
            "nachbarbot_translation_characters",
            "Characters sent to the translation engine",
            ["city"],
            registry=self.registry,
        )
        self.translations = Counter(
            "nachbarbot_translations",
            "Texts translated for delivery: by the engine, from the cache, failed (by kind) "
            "or left untranslated because the day's budget was used up",
            ["city", "outcome", "kind"],
            registry=self.registry,
        )
        self.transport_events = Counter(
            "nachbarbot_transport_events",
            "A transport's own events",
            ["city", "platform", "event"],
            registry=self.registry,
        )
        self.database = DatabaseCollector()
        self.registry.register(self.database)
        self._cities: dict[str, CityMetrics] = {}
        self.roles = Gauge(
            "nachbarbot_cluster_roles",
            "The processes on this database (bot/cluster.py) and the roles each holds:"
            ' 1 per (process, role); role "member" for every live process',
            ["process", "role"],
            registry=self.registry,
        )
        self.cluster: Any = None
        self._runner: web.AppRunner | None = None

    def watch_cluster(self, cluster: Any) -> None:
        """Show the cluster's processes and roles at each scrape."""
        self.cluster = cluster

    async def _read_cluster(self) -> None:
        if self.cluster is None:
            return
        try:
            members = await self.cluster.members()
        except Exception as exc:  # the metrics must answer even when the database does not
            log.warning("metrics: cluster members unreadable: %s", type(exc).__name__)
            return
        self.roles.clear()
        for member in members:
            self.roles.labels(member.name, "member").set(1)
            for role in member.roles:
                self.roles.labels(member.name, role).set(1)

    def city(self, slug: str, db: Database | None = None) -> CityMetrics:
        """The counters of the city ``slug``; with ``db``, its database figures too."""
        if db is not None:
            self.database.dbs[slug] = db
        if slug not in self._cities:
            self._cities[slug] = CityMetrics(self, slug)
        return self._cities[slug]

    async def serve(self, host: str, port: int) -> None:
        from aiohttp import web

        async def metrics(_request: web.Request) -> web.Response:
            await self.database.refresh()
            await self._read_cluster()
            return web.Response(
                body=generate_latest(self.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
            )

        app = web.Application()
        app.router.add_get("/metrics", metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
