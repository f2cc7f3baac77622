"""Several bot processes on one PostgreSQL database: who is alive, and who holds which role.

Built on PostgreSQL's session-level advisory locks, not on a table of heartbeats: a lock
lives exactly as long as the connection that took it, so when a process dies (even by
SIGKILL) the server drops its locks at once and another process takes over at its next try
(every ``RETRY_SECONDS``).

- **The process lock** ``(PROCESS_CLASS, backend pid)``: held for the process's life on its
  own connection. Outbox claims name it (``outbox.claimed_by``); a claim whose process lock
  is gone is free again (db/outbox.py). When that connection is lost while the process
  lives (a network blip, a server restart, an idle-connection kill), the process takes the
  same key again on a new connection (:meth:`Cluster._keep_process_lock`); meanwhile its
  worker sends nothing it claimed (db/outbox.py's ``begin_attempt``), and whatever another
  process claimed in that time is that one's.
- **Roles** ``(ROLE_CLASS, n)``: work that exactly one process may do at a time. ``polling``
  (Telegram allows one getUpdates consumer), ``matrix-sync`` (one /sync loop),
  ``scheduler`` (reminders, follow-ups, the roundup, retention: each due item once), and
  ``call-backs`` (the phone's calls for the outbox: a person is rung by one process, whose
  memory knows the tries and what was heard, bot/transports/phone/calls/outbox_calls.py).
- **Chat turns** ``(CHAT_CLASS, hash)``: in webhook mode any process takes any update, and
  one chat's updates are handled one at a time (the handling and the answers, which go out
  after the commit), so that a person's answers keep their order.

On SQLite there is one process: :class:`SingleProcess` grants every role at once.
``doctor`` and the metrics read the holders from ``pg_locks`` and ``pg_stat_activity``
(:func:`members`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from db import Database
from db.postgres import CHAT_CLASS, PROCESS_CLASS, ROLE_CLASS, connection_options

# psycopg is loaded by the Cluster, which only a process on PostgreSQL makes (db/postgres.py
# says why).
if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import AsyncConnectionPool

log = logging.getLogger(__name__)
ROLES = {"polling": 1, "matrix-sync": 2, "scheduler": 3, "call-backs": 4}
# A city's own roles (one installation serves several cities, bot/cities.py) are named
# "polling@unna"; the main city's keep the plain names, and their numbers, so that old and
# new processes agree during a rolling upgrade.
CITY_ROLES_FROM = 1000
RETRY_SECONDS = 2.0
# How often a holder checks that its lock's connection is still there.
CHECK_SECONDS = 2.0
# Connections for chat turns, apart from the database's pool: a turn's lock lives on its
# connection for the whole handling of an update, and the handling needs connections of
# the pool. Taken from the pool, as many updates at once as the pool has connections
# (Telegram's webhook opens up to 40) each held one for its turn and waited for another
# that never came free, until the pool gave up (PoolTimeout) and their answers were lost.
# Updates beyond this many wait for a turn's connection, not for each other's handling.
TURN_CONNECTIONS = 5

Work = Callable[[], Awaitable[None]]


def city_role(role: str, city: str | None) -> str:
    """A city's own name for ``role`` (``None``: the main city, which keeps the plain one)."""
    return role if city is None else f"{role}@{city}"


def role_number(role: str) -> int:
    """The advisory-lock number of a role: fixed for the plain roles, derived from the
    name for a city's (the same in every process)."""
    if role in ROLES:
        return ROLES[role]
    base, _, city = role.partition("@")
    if base not in ROLES or not city:
        raise ValueError(f"unknown role {role!r}")
    return CITY_ROLES_FROM + zlib.crc32(role.encode()) % 2_000_000_000


def process_name() -> str:
    return f"nachbarbot {socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Member:
    """A process of the cluster as ``doctor`` shows it."""

    name: str
    key: int
    since: str
    roles: tuple[str, ...]


class SingleProcess:
    """SQLite: this process is the only one; every role is its own."""

    key = 0

    def __init__(self) -> None:
        self.roles: set[str] = set(ROLES)

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def hold(self, role: str, begin: Work, end: Work, stop: asyncio.Event) -> None:
        self.roles.add(role)
        await begin()
        try:
            await stop.wait()
        finally:
            await end()

    @contextlib.asynccontextmanager
    async def chat_turn(self, platform: str, chat_id: str) -> AsyncIterator[None]:
        yield

    async def members(self) -> list[Member]:
        return [Member(process_name(), 0, "", tuple(sorted(self.roles)))]


class Cluster:
    """This process's place among the processes sharing one PostgreSQL database."""

    def __init__(self, db: Database, url: str) -> None:
        self.db = db
        self.url = url
        self.key = 0
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._turns: AsyncConnectionPool[Any] | None = None
        self._keeper: asyncio.Task[None] | None = None
        self.roles: set[str] = set(ROLES)  # the roles this process knows by name

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        import psycopg

        return await psycopg.AsyncConnection.connect(
            self.url, autocommit=True, application_name=self.name, **connection_options()
        )

    @property
    def name(self) -> str:
        """How this process's connections are named in pg_stat_activity (with its key:
        two members on one host differ)."""
        return f"{process_name()} #{self.key}"[:63]

    async def start(self) -> None:
        self._conn = await self._connect()
        cursor = await self._conn.execute("SELECT pg_backend_pid()")
        row = await cursor.fetchone()
        assert row is not None
        self.key = int(row[0])
        await self._conn.execute("SELECT set_config('application_name', %s, false)", (self.name,))
        await self._conn.execute("SELECT pg_advisory_lock(%s, %s)", (PROCESS_CLASS, self.key))
        from psycopg_pool import AsyncConnectionPool

        self._turns = AsyncConnectionPool(
            self.url,
            min_size=1,
            max_size=TURN_CONNECTIONS,
            kwargs={"autocommit": True, "application_name": self.name, **connection_options()},
            open=False,
            name="nachbarbot chat turns",
        )
        await self._turns.open(wait=True, timeout=15)
        self._keeper = asyncio.create_task(self._keep_process_lock())
        log.info("cluster: this process is member %d", self.key)

    async def _keep_process_lock(self) -> None:
        """Every ``CHECK_SECONDS``: is the process lock's connection still there? If not,
        take the same key again on a new one. The key stays (the worker claims under it,
        the dispatcher names it); a claim of this process that no other took meanwhile is
        this process's again, one another took is the other's (its ``claimed_by``)."""
        import psycopg

        while True:
            await asyncio.sleep(CHECK_SECONDS)
            assert self._conn is not None
            try:
                await self._conn.execute("SELECT 1")
                continue
            except psycopg.Error:
                log.warning("cluster: lost the process lock's connection; taking it again")
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = await self._relock()
            log.info("cluster: this process is member %d again", self.key)

    async def _relock(self) -> psycopg.AsyncConnection[Any]:
        """A new connection holding this process's lock, trying until it does (until the
        database is back, and the lost connection's lock is dropped by the server)."""
        import psycopg

        while True:
            conn = None
            try:
                conn = await self._connect()
                if await _try_lock(conn, self.key, PROCESS_CLASS):
                    return conn
            except psycopg.Error as exc:
                log.warning("cluster: cannot take the process lock: %s", type(exc).__name__)
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
            await asyncio.sleep(RETRY_SECONDS)

    async def stop(self) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
            self._keeper = None
        if self._turns is not None:
            await self._turns.close()
            self._turns = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def hold(self, role: str, begin: Work, end: Work, stop: asyncio.Event) -> None:
        """Until ``stop``: wait for the role, do ``begin``, keep the role while its
        connection lives, then ``end``; if the connection is lost, try again."""
        import psycopg

        number = role_number(role)
        self.roles.add(role)
        while not stop.is_set():
            try:
                conn = await self._connect()
            except psycopg.Error as exc:
                log.warning(
                    "cluster: cannot reach the database for %s: %s", role, type(exc).__name__
                )
                await _sleep(stop, RETRY_SECONDS)
                continue
            try:
                if not await _try_lock(conn, number):
                    await _sleep(stop, RETRY_SECONDS)
                    continue
                log.info("cluster: this process now holds %s", role)
                await begin()
                try:
                    while not stop.is_set():
                        await _sleep(stop, CHECK_SECONDS)
                        await conn.execute("SELECT 1")
                except psycopg.Error:
                    log.warning("cluster: lost %s with the database connection", role)
                finally:
                    await end()
            except psycopg.Error as exc:
                log.warning("cluster: %s: %s", role, type(exc).__name__)
                await _sleep(stop, RETRY_SECONDS)
            finally:
                with contextlib.suppress(Exception):
                    await conn.close()

    @contextlib.asynccontextmanager
    async def chat_turn(self, platform: str, chat_id: str) -> AsyncIterator[None]:
        """One chat's update at a time, cluster-wide."""
        if self._turns is None:
            raise RuntimeError("chat turns need a started cluster member")
        async with self._turns.connection() as conn:
            await conn.execute(
                "SELECT pg_advisory_lock(%s, hashtext(%s))", (CHAT_CLASS, f"{platform}:{chat_id}")
            )
            try:
                yield
            finally:
                await conn.execute(
                    "SELECT pg_advisory_unlock(%s, hashtext(%s))",
                    (CHAT_CLASS, f"{platform}:{chat_id}"),
                )

    async def members(self) -> list[Member]:
        return await members(self.db, self.roles)


async def _try_lock(
    conn: psycopg.AsyncConnection[Any], number: int, lock_class: int = ROLE_CLASS
) -> bool:
    cursor = await conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (lock_class, number))
    row = await cursor.fetchone()
    return bool(row and row[0])


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


_MEMBERS = (
    "SELECT l.objid::bigint, a.application_name, a.backend_start::text FROM pg_locks l"
    " JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s"
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " ORDER BY a.backend_start"
)
_HOLDERS = (
    "SELECT l.objid::bigint, a.application_name FROM pg_locks l"
    " JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s"
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


async def members(db: Database, roles: Iterable[str] = ()) -> list[Member]:
    """The live processes on this database and the roles each holds (a city's roles by
    name when they are among ``roles``, by number otherwise)."""
    if db.dialect != "postgresql":
        return await SingleProcess().members()
    async with db.pool.connection() as conn:
        processes = await (await conn.execute(_MEMBERS, (PROCESS_CLASS,))).fetchall()
        holders = await (await conn.execute(_HOLDERS, (ROLE_CLASS,))).fetchall()
    names = {role_number(role): role for role in {*ROLES, *roles}}
    roles_of: dict[str, list[str]] = {}
    for number, holder in holders:
        roles_of.setdefault(holder, []).append(names.get(int(number), str(number)))
    return [
        Member(name, int(key), since[:19], tuple(sorted(roles_of.get(name, []))))
        for key, name, since in processes
    ]


def for_database(db: Database, url: str) -> Cluster | SingleProcess:
    return Cluster(db, url) if db.dialect == "postgresql" else SingleProcess()
