"""A coordinator at the desk in tests: /desk in the chat, the link, then a browser-like
client with the session cookie and the page's CSRF token (:func:`at_the_desk`), or real
Chromium at phone size (:func:`desk_in_chromium`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp

from db import Database
from db.requests import HelpRequest
from db.statements import fetch_all
from tests.support.memory_transport import MemoryTransport, texts
from tests.support.web_site import browser_session, csrf_of, login_link

if TYPE_CHECKING:
    from playwright.async_api import Page

    from tests.support.browser import Browsing


@dataclass
class DeskClient:
    browser: aiohttp.ClientSession
    base: str
    csrf: str
    user_id: int

    async def get(self, path: str, **kwargs) -> tuple[int, str]:
        async with self.browser.get(self.base + path, **kwargs) as page:
            return page.status, await page.text()

    async def post(self, path: str, data, **kwargs) -> tuple[int, str]:
        """POST with the token (a dict gets it added; FormData must carry it)."""
        if isinstance(data, dict):
            data = {"csrf": self.csrf, **data}
        async with self.browser.post(self.base + path, data=data, **kwargs) as page:
            return page.status, await page.text()


async def coordinator(
    chat: MemoryTransport, db: Database, name: str = "cora", lang: str = "de"
) -> int:
    await chat.onboard(name, lang)
    user = await db.users.find("memory", name)
    await db.users.grant_role(user.id, "coordinator")
    return user.id


async def log_in(
    chat: MemoryTransport, db: Database, browser: aiohttp.ClientSession, name: str = "cora"
) -> int:
    """A coordinator (reading English) logged in in ``browser`` through the chat's link."""
    user_id = await coordinator(chat, db, name, "en")
    async with browser.post(login_link(texts(await chat.text(name, "/desk")))) as response:
        assert response.status == 200
    return user_id


@asynccontextmanager
async def at_the_desk(
    chat: MemoryTransport, db: Database, base: str, name: str = "cora", lang: str = "en"
) -> AsyncIterator[DeskClient]:
    user_id = await coordinator(chat, db, name)
    link = login_link(texts(await chat.text(name, "/desk")))
    async with browser_session(headers={"Accept-Language": lang}) as browser:
        async with browser.post(link) as response:
            assert response.status == 200
        async with browser.get(f"{base}/desk/queue") as page:
            token = csrf_of(await page.text())
        yield DeskClient(browser, base, token, user_id)


@dataclass
class DeskTab:
    """A coordinator's desk open in Chromium: the browsing session (its ``foreign``
    requests) and the coordinator's user number."""

    session: Browsing
    user_id: int

    @property
    def page(self) -> Page:
        return self.session.page


@asynccontextmanager
async def desk_in_chromium(
    chat: MemoryTransport, db: Database, name: str = "cora", lang: str = "en"
) -> AsyncIterator[DeskTab]:
    """A coordinator reading ``lang`` logged in to the desk in Chromium at phone size
    (390 px) through the chat's /desk link, its page on the desk's queue."""
    from tests.support import browser as chromium

    user_id = await coordinator(chat, db, name, lang)
    link = login_link(texts(await chat.text(name, "/desk")))
    async with (
        chromium.chromium() as chrome,
        chromium.browsing(chrome, lang, chromium.PHONE) as session,
    ):
        await chromium.desk_log_in(session.page, link)
        yield DeskTab(session, user_id)


async def audited(db: Database, user_id: int) -> list[str]:
    """The audit log's actions taken by this user, oldest first."""
    rows = await fetch_all(
        db.transactions, "SELECT action FROM audit_log WHERE actor_id = ? ORDER BY id", (user_id,)
    )
    return [row[0] for row in rows]


async def asked_in_review(
    web_chat: MemoryTransport, db: Database, name: str, language: str, description: str
) -> HelpRequest:
    """``name`` (reading ``language``) has asked for help with shopping in Hörde, saying
    ``description``: the request waits for review on the desk."""
    await web_chat.onboard(name, language)
    requester = await db.users.find("memory", name)
    assert requester is not None
    return await db.requests.create(
        requester.id,
        requester.id,
        category="shopping",
        description=description,
        stadtbezirk="Hörde",
        languages=(language,),
    )
