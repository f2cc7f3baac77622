"""What every web page handler reaches through ``request.app[SITE]``: the stores, the
configuration, the handlers' settings and a way to wake the outbox worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot.config import Config
from db import Database
from handlers.context import Backstage
from handlers.settings import HandlerSettings


@dataclass
class Site:
    db: Database
    config: Config
    settings: HandlerSettings
    # Called after a desk action queued messages; in ``python -m bot web`` alone there is
    # no worker in the process and the bot process's worker finds them at its next poll.
    wake: Callable[[], None] = field(default=lambda: None)
    # The Telegram bot's @username for deep links (t.me/<name>?start=…), when known.
    bot_username: str = ""
    # A further city's slug ("" for the main city): its desk cookie gets a name of its own.
    city: str = ""

    @property
    def base_url(self) -> str:
        return self.config.web.base_url

    def scene(self) -> Backstage:
        """The lifecycle's scene for an action taken on the web: nobody is in a chat, so
        everyone's conversation state is read and written in the store, as for a job."""
        return Backstage(self.db, self.settings)


SITE = web.AppKey("site", Site)
