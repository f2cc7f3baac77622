"""The desk's tests share one wiring: the real web server on 127.0.0.1 over the test's
database, and a chat on the same database (where /desk hands out the login link)."""

from __future__ import annotations

import pytest

from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support.memory_transport import MemoryTransport
from tests.support.web_site import serving


@pytest.fixture
async def site(db: Database, settings: HandlerSettings):
    async with serving(db, settings) as (site, base):
        yield site, base


@pytest.fixture
def web_chat(db: Database, site) -> MemoryTransport:
    return MemoryTransport(Dispatcher(db, build_router(), site[0].settings))
