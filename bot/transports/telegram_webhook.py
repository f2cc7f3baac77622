"""The webhook server: Telegram gets its "200 OK" only after the update has been handled.

python-telegram-bot's own webhook server answers as soon as the update is queued. If the bot
dies before handling it, Telegram considers it delivered and it is lost. Answering after the
commit means Telegram sends it again after a crash; the duplicate check makes that harmless.
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from aiohttp import web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

PATH = "/telegram"
# Telegram's own limit for an update is far below this; anything bigger is not from it.
MAX_BODY = 1024 * 1024


class CommittedWebhook:
    def __init__(
        self,
        application: Application,
        *,
        listen: str,
        port: int,
        url: str,
        secret: str | None,
    ) -> None:
        self.application = application
        self.listen = listen
        self.port = port
        self.url = url
        self.secret = secret
        # Telegram may post several updates at once; they are handled one at a time, like
        # polled ones, so that one person's updates keep their order.
        self._turn = asyncio.Lock()
        self._runner: web.AppRunner | None = None

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(PATH, self._receive)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=10.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()
        await self.application.bot.set_webhook(url=self.url, secret_token=self.secret)

    async def stop(self) -> None:
        """Stop listening; updates being handled are finished first (aiohttp waits for
        running requests)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        if self.secret is not None and not hmac.compare_digest(
            request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), self.secret
        ):
            log.warning("telegram webhook: request with a wrong secret token refused")
            return web.Response(status=403)
        try:
            update = Update.de_json(await request.json(), self.application.bot)
        except Exception:
            return web.Response(status=400)
        async with self._turn:
            await self.application.process_update(update)
        return web.Response(status=200)
