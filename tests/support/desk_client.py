"""A coordinator at the desk in tests: /desk in the chat, the link, then a browser-like
client with the session cookie and the page's CSRF token (:func:`at_the_desk`,
:func:`cora_at_the_desk` with its own web server), or real Chromium at phone size
(:func:`desk_in_chromium`); a request entered for a resident without a chat and the
desk's resident form (:func:`entered_for_erna`, :func:`resident_form`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp

from db import Database
from db.requests import HelpRequest
from db.statements import fetch_all
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support.helping_people import found
from tests.support.memory_transport import MemoryTransport, texts
from tests.support.web_site import browser_session, csrf_of, login_link, serving

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
    user = await found(db, "memory", name)
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


@asynccontextmanager
async def cora_at_the_desk(
    db: Database, settings: HandlerSettings
) -> AsyncIterator[tuple[aiohttp.ClientSession, str, int]]:
    """The web (a real server) with ``settings``, and Cora, a coordinator reading English,
    logged in to its desk through a memory chat (:func:`log_in`): her browser, the web's
    address and her user number."""
    async with (
        serving(db, settings) as (site, base),
        browser_session(headers={"Accept-Language": "en"}) as browser,
    ):
        web_chat = MemoryTransport(Dispatcher(db, build_router(), site.settings))
        yield browser, base, await log_in(web_chat, db, browser)


async def entered_for_erna(
    db: Database,
    coordinator_id: int,
    description: str = "Einkauf für Frau Erna",
    contact: str = "Erna",
) -> HelpRequest:
    """A request as /enter makes it for Erna, who has no chat: entered by the coordinator
    and open at once, shopping in Innenstadt-Nord in German, saying ``description``, with
    ``contact`` as the coordinator typed it."""
    return await db.requests.create(
        None,
        coordinator_id,
        state="open",
        entered_by=coordinator_id,
        category="shopping",
        description=description,
        stadtbezirk="Innenstadt-Nord",
        languages=("de",),
        offline_contact=contact,
    )


async def erna_on_the_form(
    db: Database,
    browser: aiohttp.ClientSession,
    base: str,
    coordinator_id: int,
    number: str,
    **fields: str,
) -> tuple[int, HelpRequest, str]:
    """:func:`entered_for_erna`, then Erna's ``number`` (as typed), first name and German on
    the request's resident form (``fields``: a channel, another first name): the answer's
    status, the request and the page."""
    request = await entered_for_erna(db, coordinator_id)
    fields = {"first_name": "Erna", "language": "de", **fields}
    status, page = await resident_form(browser, base, request.id, number=number, **fields)
    return status, request, page


async def resident_form(
    browser: aiohttp.ClientSession, base: str, request_id: int, **fields: str
) -> tuple[int, str]:
    """The resident form of request ``request_id``'s desk page sent with ``fields``
    (number, first_name, language, channel) and the page's token: the answer's status
    and page."""
    async with browser.get(f"{base}/desk/requests/{request_id}") as page:
        token = csrf_of(await page.text())
    form = {"csrf": token, **fields}
    async with browser.post(f"{base}/desk/requests/{request_id}/phone", data=form) as answer:
        return answer.status, await answer.text()
