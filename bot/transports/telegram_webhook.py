"""The webhook server: Telegram gets its "200 OK" only after the update has been handled.

python-telegram-bot's own webhook server answers as soon as the update is queued. If the bot
dies before handling it, Telegram considers it delivered and it is lost. Answering after the
commit means Telegram sends it again after a crash; the duplicate check makes that harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from contextlib import AbstractAsyncContextManager
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram.ext import Application

from bot.transports.contract import ChatTurn
from bot.transports.telegram_polling import (
    ALLOWED_UPDATES,
    handle_update,
    keep_content_out_of_library_logs,
    read_update,
)

log = logging.getLogger(__name__)

# Where updates are taken: the path of ``telegram.webhook_url`` (a proxy that forwards the
# whole path, e.g. one host with a path per city) and this one (a proxy that strips its
# prefix, the README's example).
PATH = "/telegram"
# Telegram's own limit for an update is far below this; anything bigger is not from it.
MAX_BODY = 1024 * 1024


def paths(url: str) -> list[str]:
    """The local paths updates are posted to for the public ``url``."""
    own = urlsplit(url).path.rstrip("/")
    return [PATH] if own in ("", PATH) else [own, PATH]


class CommittedWebhook:
    def __init__(
        self,
        application: Application,
        *,
        listen: str,
        port: int,
        url: str,
        secret: str | None,
        chat_turn: ChatTurn | None = None,
    ) -> None:
        self.application = application
        self.listen = listen
        self.port = port
        self.url = url
        self.secret = secret
        keep_content_out_of_library_logs()
        # Telegram may post several updates at once. Alone, they are handled one at a time,
        # like polled ones, so that one person's updates keep their order. With several
        # processes behind a load balancer, ``chat_turn`` (bot/cluster.py) does that per
        # chat and across processes instead.
        self._turn = asyncio.Lock()
        self.chat_turn = chat_turn
        self._runner: web.AppRunner | None = None

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        for path in paths(self.url):
            app.router.add_post(path, self._receive)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=10.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()
        await self.application.bot.set_webhook(
            url=self.url, secret_token=self.secret, allowed_updates=ALLOWED_UPDATES
        )

    async def stop(self) -> None:
        """Stop listening; updates being handled are finished first (aiohttp waits for
        running requests)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        # Compared as bytes: compare_digest refuses a str that is not ASCII (a TypeError,
        # a 500), and a header may carry anything.
        sent = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if self.secret is not None and not hmac.compare_digest(
            sent.encode("utf-8", "surrogateescape"), self.secret.encode()
        ):
            log.warning("telegram webhook: request with a wrong secret token refused")
            return web.Response(status=403)
        try:
            raw = await request.json()
        except Exception:
            return web.Response(status=400)  # not JSON: not from Telegram
        if not isinstance(raw, dict):
            return web.Response(status=400)
        # An update that cannot be read, or whose handling fails, is answered 200 all the
        # same: Telegram would send it again and again, and hold back the ones after it.
        # Only its id is logged.
        update = read_update(raw, self.application.bot)
        if update is None:
            return web.Response(status=200)
        async with self._turn_for(update):
            await handle_update(self.application, update)
        return web.Response(status=200)

    def _turn_for(self, update: Any) -> AbstractAsyncContextManager[Any]:
        if self.chat_turn is None:
            return self._turn
        chat = update.effective_chat
        if chat is None:
            return contextlib.nullcontext()
        return self.chat_turn("telegram", str(chat.id))
