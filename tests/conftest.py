from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import TelegramSection
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.memory_transport import MemoryTransport


@pytest.fixture
async def db(tmp_path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "test.sqlite3")
    yield database
    await database.close()


@pytest.fixture
def settings() -> HandlerSettings:
    return HandlerSettings(city="Dortmund", inactive_account_days=365, max_text_length=500)


@pytest.fixture
def dispatcher(db: Database, settings: HandlerSettings) -> Dispatcher:
    return Dispatcher(db, build_router(), settings)


@pytest.fixture
def chat(dispatcher: Dispatcher) -> MemoryTransport:
    return MemoryTransport(dispatcher)


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def telegram_bot(fake_telegram: FakeTelegram, dispatcher: Dispatcher):
    from bot.transports.telegram import TelegramTransport

    config = TelegramSection(api_base_url=fake_telegram.url, poll_timeout=1)
    transport = TelegramTransport(dispatcher, config, TOKEN, dispatcher.router.public_commands())
    await transport.start()
    yield transport
    await transport.stop()
