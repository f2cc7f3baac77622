"""The bot's side of a Matrix test against the real Synapse (tests/support/synapse_server.py):
its account, database and connector in this process (``Bot``, restartable), and a person's
onboarding through the Matrix client (``onboard``). The fixtures ``synapse``, ``matrix_bot``
and ``alice`` are in tests/conftest.py."""

from __future__ import annotations

import asyncio
import base64
import itertools
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from bot.config import MatrixSection, TelegramSection
from bot.delivery import OutboxWorker
from bot.transports.matrix import MatrixTransport
from bot.transports.telegram import TelegramTransport
from db import Database
from db.transport_state import NEXT_BATCH
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support.cross_signing import matrix_request
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.matrix_people import MatrixPerson, body
from tests.support.synapse_server import Synapse

# Bot accounts are numbered: the homeserver lives as long as the test module, so a name
# must never be registered twice.
BOT_NUMBERS = itertools.count(1)


class Bot:
    """The bot's Matrix account, database and connector; restartable."""

    def __init__(
        self,
        synapse: Synapse,
        db: Database,
        settings: HandlerSettings,
        registration: dict[str, str] | None = None,
        key_file: Path | None = None,
    ) -> None:
        # A fresh account per bot unless one is given (a test that must invite the bot
        # before it starts): the homeserver lives for the whole session, so an id() would
        # repeat once a previous bot's memory is reused, and the name be taken.
        registration = registration or synapse.register(f"nachbarbot{next(BOT_NUMBERS)}")
        self.user_id = registration["user_id"]
        self.config = MatrixSection(
            homeserver=synapse.url,
            user_id=self.user_id,
            access_token=registration["access_token"],
            sync_timeout=1,
            # A new direct chat is greeted at once (3 s in a city): the tests about a first
            # message that comes before the greeting set a long wait themselves.
            greeting_wait_seconds=0,
            # The key sealing its keys in the database: a file (made at the first start)
            # when given, else a key of this bot's own in its configuration.
            key_file=str(key_file or ""),
            store_key=None if key_file else base64.b64encode(os.urandom(32)).decode("ascii"),
        )
        self.db = db
        self.dispatcher = Dispatcher(db, build_router(), settings)
        self.transport: MatrixTransport | None = None

    async def start(self) -> MatrixTransport:
        """Started, with its device's keys published: an encrypted chat begun before that
        would share its room key with no device of the bot."""
        self.transport = MatrixTransport(self.dispatcher.ports, self.db, self.config)
        await self.transport.start()
        await asyncio.wait_for(self.transport.keys_published.wait(), 60)  # a hang detector
        return self.transport

    async def stop(self) -> None:
        if self.transport is not None:
            await self.transport.stop()
            self.transport = None


async def all_synced(synapse: Synapse, bot: Bot) -> None:
    """Until the bot's stored sync token is the homeserver's now (``synced_to_now``)."""
    await synced_to_now(
        synapse.url,
        bot.config.access_token or "",
        lambda: bot.db.transport_state.get(NEXT_BATCH),
    )


async def synced_to_now(
    homeserver: str, access_token: str, stored_token: Callable[[], Awaitable[str | None]]
) -> None:
    """Until a bot's stored sync token (``stored_token``, read from its database) is the
    homeserver's now: every event so far has been handled and answered (the token is
    stored after a sync's events, their answers and the kept messages' round); a hang
    detector of a minute, not a speed bound. For a bot in this process or in another."""
    for _ in range(600):
        token = await stored_token()
        if token:
            status, answer = await matrix_request(
                homeserver,
                access_token,
                "GET",
                f"/_matrix/client/v3/sync?timeout=0&since={token}",
                {},
            )
            assert status == 200, answer
            if answer["next_batch"] == token:
                return
        await asyncio.sleep(0.1)
    raise AssertionError("the bot never caught up with its homeserver")


def is_notice(event) -> bool:
    return event.get("content", {}).get("msgtype") == "m.notice"


def _offer(event) -> bool:
    return "🔊" in body(event) and "1️⃣" in body(event)


async def onboard(person: MatrixPerson, bot: Bot, choice: str = "3") -> str:
    """Start, pick a language by typing its number, decline read aloud if offered, agree
    by reacting; return the room."""
    mark = len(person.received)
    room = await person.dm(bot.user_id)
    await person.wait_for(lambda e: "1️⃣" in body(e), after=mark)  # the greeting on joining
    mark = len(person.received)
    await person.say(room, "!start")
    picker = await person.wait_for(lambda e: "1️⃣" in body(e), after=mark)
    assert picker["content"]["format"] == "org.matrix.custom.html"
    mark = len(person.received)
    await person.say(room, choice)
    notice = await person.wait_for(lambda e: "🔒" in body(e) or _offer(e), after=mark)
    if "🔒" not in body(notice):
        # A voice speaks the language (the process's embedded engine): the read-aloud offer
        # comes first, alone; its third choice is "no, I read myself".
        mark = len(person.received)
        await person.say(room, "3")
        notice = await person.wait_for(lambda e: "🔒" in body(e), after=mark)
    mark = len(person.received)
    await person.react(room, notice["event_id"], "1️⃣")
    await person.wait_for(lambda e: "🏠" in body(e), after=mark)
    return room


class WithTelegram:
    """The bot on Matrix and on Telegram (the fake Bot API) at once: one dispatcher, one
    outbox worker delivering to both, as a city runs them."""

    def __init__(self, running: Bot, fake: FakeTelegram) -> None:
        self.running = running
        self.telegram = TelegramTransport(
            running.dispatcher.ports,
            TelegramSection(api_base_url=fake.url, poll_timeout=1),
            TOKEN,
            running.dispatcher.router.public_commands(),
        )
        self._stop = asyncio.Event()
        self._delivery: asyncio.Task[None] | None = None

    async def start(self) -> MatrixTransport:
        matrix = await self.running.start()
        worker = OutboxWorker(self.running.db, [self.telegram, matrix], poll_seconds=0.2)
        self.running.dispatcher.on_queued = worker.wake
        await self.telegram.start()
        self._delivery = asyncio.create_task(worker.run(self._stop))
        return matrix

    async def stop(self) -> None:
        self._stop.set()
        if self._delivery is not None:
            await self._delivery
        await self.telegram.stop()
        await self.running.stop()


@asynccontextmanager
async def delivering(bot: Bot) -> AsyncIterator[OutboxWorker]:
    """The outbox worker delivering the started ``bot``'s queued messages, as a city runs
    it (what features say to a person beside an answer goes through the outbox: the line
    asking to send an unreadable message again)."""
    assert bot.transport is not None
    worker = OutboxWorker(bot.db, [bot.transport], poll_seconds=0.2)
    bot.dispatcher.on_queued = worker.wake
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield worker
    finally:
        stop.set()
        worker.wake()
        await task
