"""The files people sent to the bot, for a process that does not run the chat
(``python -m bot web`` alone): the desk plays a request's voice message from them.

Each configured chat service gets its transport, opened only as far as fetching a file
needs (``open_for_files``: Telegram's application initialised, ``getMe``; Matrix logged in
without keys) - and only when a file is first asked for, so that the web
starts whether or not the chat services can be reached. Such a transport takes no updates
and sends nothing: that stays the bot process's. A service that cannot be opened now is
tried again at the next file; meanwhile fetching fails as a passing :class:`DeliveryError`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.config import Config
from bot.transports.registry import chat_services
from bot.transports.sending import DeliveryError
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher

log = logging.getLogger(__name__)

# How long a first file waits for its chat service to be reached.
OPEN_SECONDS = 10.0


class OnDemand:
    """A transport's ``fetch_media``, opening the transport the first time it is needed."""

    def __init__(
        self,
        transport,
        open_for_files: Callable[[], Awaitable[None]],
        timeout: float = OPEN_SECONDS,
    ) -> None:
        self.transport = transport
        self.platform: str = transport.platform
        self._open_for_files = open_for_files
        self._timeout = timeout
        self._opened = False
        self._lock = asyncio.Lock()

    async def _ensure_open(self) -> None:
        async with self._lock:
            if self._opened:
                return
            try:
                await asyncio.wait_for(self._open_for_files(), self._timeout)
            except BaseException as exc:
                # What the failed opening took (an HTTP session) is closed now: close()
                # stops only an opened transport, and the next file opens it anew.
                await self._stop()
                if not isinstance(exc, Exception):
                    raise
                log.warning("files: %s not reached (%s)", self.platform, type(exc).__name__)
                raise DeliveryError(f"{self.platform} not reached") from None
            self._opened = True

    async def fetch_media(self, file_id: str) -> tuple[bytes, str]:
        await self._ensure_open()
        return await self.transport.fetch_media(file_id)

    async def close(self) -> None:
        async with self._lock:
            if self._opened:
                self._opened = False
                await self._stop()

    async def _stop(self) -> None:
        try:
            await self.transport.stop()
        except Exception as exc:
            log.warning("files: closing %s failed (%s)", self.platform, type(exc).__name__)


def file_sources(db: Database, config: Config) -> list[OnDemand]:
    """The configured chat services, each to be opened for files when first asked."""
    # Handed the ports of a dispatcher of their own, as a city's are (bot/city_service.py).
    ports = Dispatcher(db, build_router(), config.handler_settings()).ports
    transports = chat_services(config, ports)
    return [OnDemand(transport, transport.open_for_files) for transport in transports]
