"""Call-backs with several processes on one PostgreSQL database: one process at a time
places them (the cluster role ``call-backs``, bot/cluster.py; the phone transport's
``delivering``), so a phone person is called once, not once by each process.

Before the role, every process's outbox worker delivered the phone's items: the first
process started the call in the background and asked for the item again in 5 s (so no
other chat waits for it), which gave the claim back; the second process then claimed the
item and rang the same resident a second time, its own call-backs knowing nothing of the
first's.

Two processes as in tests/bot/test_cluster_lost_lock.py (a Cluster each, with connections
of their own), each with a phone transport wired as bot/city_service.py wires it (the
process's key on the dispatcher before the transport is made, the role held with its
``start_taking`` / ``stop_taking``), and an outbox worker of its own. The calls go to a
stack that only notes them and keeps them ringing: what is tested is who places the call,
not SIP (the call-backs over Kamailio: tests/bot/transports/phone/calls/). Time is moved on
by a shared clock, never waited for."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest
from markupsafe import Markup

from bot.cluster import Cluster
from bot.delivery import OutboxWorker
from bot.transports.phone.calls.outbox_calls import CallBackSettings
from bot.transports.phone.sip.call_control import CallEvent, Listener, StackSettings
from bot.transports.phone.transport import PhoneTransport
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import Message
from handlers.messenger import Messenger
from handlers.settings import HandlerSettings
from locales import Translator
from tests.bot.test_cluster_lost_lock import _member, _until
from tests.support.clock import Clock, daytime

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

RESIDENT = "+492319876543"
# The resident's phone rings for longer than the test runs: nobody answers it meanwhile.
RINGING_SECONDS = 3600


class Ringing:
    """A SIP stack whose calls ring until the bot hangs up: ``made`` the numbers called,
    ``hung_up`` the calls the bot ended."""

    _ids = itertools.count(1)

    def __init__(self) -> None:
        self.settings = StackSettings()
        self.made: list[str] = []
        self.hung_up: list[int] = []
        self._listeners: dict[int, Listener] = {}

    async def make_call(self, uri: str, listener: Listener, *, beside: int | None = None) -> int:
        call_id = next(self._ids)
        self.made.append(uri)
        self._listeners[call_id] = listener
        return call_id

    def hang_up(self, call_id: int) -> None:
        self.hung_up.append(call_id)
        listener = self._listeners.pop(call_id, None)
        if listener is not None:
            listener(CallEvent("ended", call_id, "487"))

    def hush(self, call_id: int) -> None:
        """Nothing is played while it rings."""


async def _said(text: str, t: Translator | str) -> Path | None:
    return None  # no speech engine: the words are not what is tested


class Process:
    """One ``python -m bot run`` process's part in the call-backs: its cluster member, its
    phone transport (calls to ``Ringing``) and its outbox worker."""

    def __init__(self, db: Database, cluster: Cluster, settings: HandlerSettings, clock: Clock):
        self.db, self.cluster = db, cluster
        dispatcher = Dispatcher(db, build_router(), settings)
        dispatcher.process_key = cluster.key  # as bot/city_service.py sets it, before the line
        self.phone = PhoneTransport(
            dispatcher.ports,
            StackSettings(),
            calling_back=CallBackSettings(domain="phone.test", ring_seconds=RINGING_SECONDS),
            clock=clock,
        )
        self.stack = Ringing()
        self.phone.calling.stack = self.stack  # type: ignore[assignment]
        self.phone.calling.speak = _said
        self.worker = OutboxWorker(db, [self.phone], claimant=cluster.key, clock=clock)
        self.stop = asyncio.Event()
        self.role: asyncio.Task[None] | None = None

    def hold_roles(self) -> None:
        """What bot/city_service.py does for a transport with a role."""
        phone = self.phone
        if phone.update_role is not None:
            work = self.cluster.hold(
                phone.update_role, phone.start_taking, phone.stop_taking, self.stop
            )
            self.role = asyncio.create_task(work)

    def calling(self) -> int:
        """The call-backs this process has started and not ended."""
        return sum(
            1
            for chase in self.phone.calling.chases.values()
            if chase.task and not chase.task.done()
        )

    async def end(self) -> None:
        self.stop.set()
        if self.role is not None:
            await self.role
        await self.phone.calling.stop()
        await self.cluster.stop()
        await self.db.close()


async def _resident_with_a_message(db: Database, settings: HandlerSettings) -> int:
    user = await db.users.seen("phone", RESIDENT, RESIDENT, "Erna")
    await db.users.set_language(user.id, "de")
    mail = Messenger(db, settings.backchannels)
    async with db.transaction():
        await mail.to_user(user.id, lambda t: Message(Markup("Paul kommt am Freitag.")))
    return mail.queued_ids[0]


async def _processes(url: str, settings: HandlerSettings, clock: Clock) -> tuple[Process, Process]:
    members = [await _member(url), await _member(url)]
    return Process(*members[0], settings, clock), Process(*members[1], settings, clock)


async def test_two_processes_call_a_resident_once_and_the_next_takes_over(
    database_url: str, settings: HandlerSettings
) -> None:
    clock = Clock(daytime(10))
    first, second = await _processes(database_url, settings, clock)
    message = await _resident_with_a_message(first.db, settings)
    first.hold_roles()

    async def first_places_calls() -> bool:
        return first.phone.delivering

    await _until(first_places_calls)
    second.hold_roles()  # the role is taken: the second waits for it

    # The first process's round starts the call and gives the item back for 5 s.
    await first.worker.run_once()

    async def first_rings() -> bool:
        return first.stack.made == [f"sip:{RESIDENT}@phone.test"]

    await _until(first_rings)
    # Past those 5 s, both processes look again, the second first.
    clock.pass_(seconds=10)
    await second.worker.run_once()
    await first.worker.run_once()

    async def every_call_back_rings() -> bool:
        started = first.calling() + second.calling()
        return len(first.stack.made) + len(second.stack.made) == started

    await _until(every_call_back_rings)
    assert second.stack.made == []  # one call, not two (before the role: the second rang too)
    assert first.stack.made == [f"sip:{RESIDENT}@phone.test"]

    # The first process stops: its call ends with it, and the message, not heard, is the
    # next holder's to call again.
    await first.end()
    assert len(first.stack.hung_up) == 1

    async def second_places_calls() -> bool:
        return second.phone.delivering

    await _until(second_places_calls)
    clock.pass_(seconds=10)
    await second.worker.run_once()

    async def second_rings() -> bool:
        return second.stack.made == [f"sip:{RESIDENT}@phone.test"]

    await _until(second_rings)
    state = await second.db.outbox.state(message)
    assert state is not None and state[1] is None  # not marked sent: nothing lost
    await second.end()
