"""bot/file_sources.py: a chat service opened for files only when a file is first asked for,
tried again after a failure, stopped at once where opening failed (what it opened before
failing is closed) and at the close if it was opened."""

from __future__ import annotations

import gc

import aiohttp
import pytest

from bot.config import TelegramSection
from bot.file_sources import OnDemand
from bot.transports.sending import DeliveryError
from bot.transports.telegram import TelegramTransport
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support.fake_telegram import FakeTelegram


class Service:
    """A transport's file side: opening fails while ``down``."""

    platform = "telegram"

    def __init__(self) -> None:
        self.down = True
        self.opened = 0
        self.stopped = 0

    async def open_for_files(self) -> None:
        if self.down:
            raise OSError("unreachable")
        self.opened += 1

    async def fetch_media(self, file_id: str) -> tuple[bytes, str]:
        assert self.opened, "fetched before it was opened"
        return f"sound of {file_id}".encode(), "audio/ogg"

    async def stop(self) -> None:
        self.stopped += 1


async def test_opened_at_the_first_file_and_again_after_a_failure():
    service = Service()
    source = OnDemand(service, service.open_for_files)
    assert source.platform == "telegram"
    await source.close()
    assert service.stopped == 0  # never opened, nothing to close
    with pytest.raises(DeliveryError) as failed:
        await source.fetch_media("f1")
    assert not failed.value.permanent  # worth trying again
    assert service.stopped == 1  # what the failed opening took, closed
    service.down = False
    assert await source.fetch_media("f1") == (b"sound of f1", "audio/ogg")
    assert await source.fetch_media("f2") == (b"sound of f2", "audio/ogg")
    assert service.opened == 1
    await source.close()
    assert service.stopped == 2


def _open_sessions() -> set[int]:
    gc.collect()
    return {
        id(each)
        for each in gc.get_objects()
        if isinstance(each, aiohttp.ClientSession) and not each.closed
    }


async def test_a_telegram_token_refused_leaves_no_session_open(db, fake_telegram: FakeTelegram):
    """The web alone asks Telegram for a voice message with a token the Bot API refuses:
    the fetch fails as one worth trying again, and the bot's HTTP session is closed (before,
    it stayed open, and aiohttp said "Unclosed client session" at the exit)."""
    before = _open_sessions()
    dispatcher = Dispatcher(db, build_router(), HandlerSettings())
    transport = TelegramTransport(
        dispatcher.ports, TelegramSection(api_base_url=fake_telegram.url), "999:REVOKED", []
    )
    source = OnDemand(transport, transport.open_for_files)
    with pytest.raises(DeliveryError):
        await source.fetch_media("f1")
    assert _open_sessions() <= before
    await source.close()
