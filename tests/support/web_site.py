"""The real web server (bot/web) on 127.0.0.1 for tests, and a small client that logs in
the way a coordinator does: /desk in the chat, then the link."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace

import aiohttp

from bot.config import Config
from bot.delivery import Speaker
from bot.transports.sending import MediaSource
from bot.web.server import WebServer
from bot.web.site import Site
from db import Database
from handlers.settings import HandlerSettings

LINK = re.compile(r'href="(http://127\.0\.0\.1:\d+/desk/login/[\w-]+)"')
CSRF = re.compile(r'name="csrf" value="([\w-]+)"')


@asynccontextmanager
async def serving(
    db: Database,
    settings: HandlerSettings,
    *,
    config: Config | None = None,
    wake=lambda: None,
    username: str = "nachbarbot_test_bot",
    media: Sequence[MediaSource] = (),
    speaker: Speaker | None = None,
) -> AsyncIterator[tuple[Site, str]]:
    """The web on a free port; ``settings.web_url`` of the returned site points at it.
    ``media``: the chat transports whose files the desk may fetch (a voice message)."""
    config = config or Config()
    sources = {source.platform: source for source in media}
    server = WebServer(Site(db, config, settings, wake, username, media=sources, speaker=speaker))
    await server.start("127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.port}"
    server.site.config = replace(config, web=replace(config.web, port=server.port))
    server.site.settings = replace(settings, web_url=base)
    try:
        yield server.site, base
    finally:
        await server.stop()


def login_link(text: str) -> str:
    found = LINK.search(text)
    assert found, text
    return found.group(1)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def browser_session(**kwargs) -> aiohttp.ClientSession:
    """A client that keeps cookies for 127.0.0.1 as a browser does."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), **kwargs)
