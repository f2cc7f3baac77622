"""The desk served for a city whose phone line and SMS people cannot receive a file
(their channels, handlers/channels.py): the data export and erasure on their behalf
(tests/bot/web/desk/test_data_export.py, test_erasure.py). ``site`` is the desk's address,
``web_chat`` a chat on the same settings (for the coordinator's login link)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.web.site import Site
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support.channels import channels
from tests.support.memory_transport import MemoryTransport
from tests.support.web_site import serving


@pytest.fixture
def fileless(settings: HandlerSettings) -> HandlerSettings:
    return replace(settings, channels=channels())


@pytest.fixture
async def served(db: Database, fileless: HandlerSettings) -> AsyncIterator[Site]:
    async with serving(db, fileless) as (site, _base):
        yield site


@pytest.fixture
def site(served: Site) -> str:
    return served.settings.web_url


@pytest.fixture
def web_chat(db: Database, served: Site) -> MemoryTransport:
    return MemoryTransport(Dispatcher(db, build_router(), served.settings))
