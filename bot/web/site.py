"""What every web page handler reaches through ``request.app[SITE]``: the stores, the
configuration, the handlers' settings, a way to wake the outbox worker and the chat
platforms' files (a :class:`~bot.transports.sending.MediaSource` each, never a connector itself)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.config import Config
from bot.delivery import Speaker
from bot.transports.sending import MediaSource
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
    # Where the files people sent to the city's bot can be fetched, by platform: the chat
    # transports running in this process (the desk plays a request's voice message through
    # them). Empty in ``python -m bot web`` alone, which holds no chat connection.
    media: Mapping[str, MediaSource] = field(default_factory=dict)
    # Reads a place's details aloud (``/place/<id>/speech.ogg``); None: no engine.
    speaker: Speaker | None = None
    # The transports' metered budgets, by platform (bot/transports/registry.py ``budgets``),
    # whose panels the desk's statistics show; empty where the city runs none.
    budgets: Mapping[str, object] = field(default_factory=dict)
    # The desk's forms sent once (bot/web/desk/once.py: a second press acts once, kept in
    # the database for every web process).
    forms_sent: Any = field(default=None)

    @property
    def base_url(self) -> str:
        return self.config.web.base_url

    def scene(self) -> Backstage:
        """The lifecycle's scene for an action taken on the web: nobody is in a chat, so
        everyone's conversation state is read and written in the store, as for a job."""
        return Backstage(self.db, self.settings)


SITE = web.AppKey("site", Site)
