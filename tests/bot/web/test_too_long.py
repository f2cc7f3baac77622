"""Addresses and headers too long to serve (bot/web/too_long.py), and the language links that
once made them: a visitor gets the site's own page in their language - in Chromium, on a
phone - never aiohttp's plain "400 Bad Request" quoting their bytes; the language links
keep only the filters a page reads; the log keeps none of the request's bytes."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
import pytest_asyncio
from playwright.async_api import Browser

from bot.web import too_long
from db import Database
from db.places import Place
from handlers.settings import HandlerSettings
from tests.support import browser
from tests.support.web_site import serving

pytestmark = pytest.mark.asyncio(loop_scope="module")

JUNK = "zq" * 3000  # 6,000 characters: under the limit, repeated ten times on a page
ARABIC = "هذا العنوان طويل جدًا"
TURKISH = "Bu işlem yapılamadı"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def chrome() -> AsyncIterator[Browser]:
    async with browser.chromium() as launched:
        yield launched


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def base(tmp_path_factory) -> AsyncIterator[str]:
    db = await Database.open(tmp_path_factory.mktemp("long") / "web.sqlite3")
    await db.places.upsert(
        Place(source="t", source_id="1", name="Treff", category="library", lat=51.5, lon=7.4),
        "test",
    )
    try:
        async with serving(db, HandlerSettings(city="Dortmund")) as (_site, url):
            yield url
    finally:
        await db.close()


async def _raw(base: str, head: bytes) -> tuple[int, dict[str, str], str]:
    """A request written as bytes (no client refuses to send it), and the answer."""
    address = urlsplit(base)
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    writer.write(head + b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
    await writer.drain()
    answer = await reader.read()
    writer.close()
    top, _, body = answer.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body.decode()


async def test_the_language_links_keep_only_what_the_page_reads(base, chrome):
    async with browser.browsing(chrome, "de", browser.PHONE) as session:
        page = session.page
        await page.goto(f"{base}/?kind=library&wheelchair=1&junk={JUNK}&more={JUNK}")
        links = await page.locator("#languages a").evaluate_all("all => all.map(a => a.href)")
        assert len(links) == 10
        for link in links:
            assert len(link) < 200, link[:200]
            query = dict(parse_qsl(urlsplit(link).query))
            assert query["kind"] == "library" and query["wheelchair"] == "1"
            assert "junk" not in query and "more" not in query
        await page.locator("#languages summary").click()
        await page.locator("#languages a[lang=ar]").click()
        await page.wait_for_load_state()
        assert await page.locator("html").get_attribute("lang") == "ar"
        assert dict(parse_qsl(urlsplit(page.url).query))["kind"] == "library"


async def test_a_search_typed_too_long_keeps_no_value_in_the_links(base, chrome):
    """A value longer than a page reads is not carried (the desk's place search reads 100)."""
    async with browser.browsing(chrome, "de", browser.PHONE) as session:
        await session.page.goto(f"{base}/?kind=library&q={'x' * 500}")
        links = await session.page.locator("#languages a").evaluate_all(
            "all => all.map(a => a.href)"
        )
        assert all("x" * 101 not in link and "kind=library" in link for link in links)


async def test_an_address_too_long_gets_a_page_in_the_visitors_language(base, chrome):
    async with browser.browsing(chrome, "ar", browser.PHONE) as session:
        page = session.page
        answer = await page.goto(f"{base}/?kind=library&q={'x' * (too_long.LONGEST + 100)}")
        assert answer is not None and answer.status == 414
        assert await page.locator("html").get_attribute("lang") == "ar"
        assert await page.locator("html").get_attribute("dir") == "rtl"
        assert ARABIC in await page.locator("h1").inner_text()
        assert "frame-ancestors" in answer.headers["content-security-policy"]
        # Fits the phone's screen, and its way on is a link of the site.
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= browser.PHONE["width"]
        await page.locator("main a[href='/']").click()
        await page.wait_for_load_state()
        assert urlsplit(page.url).path == "/"


async def test_a_header_too_long_gets_a_page_in_the_visitors_language(base):
    cookie = b"Cookie: other=" + b"c" * (too_long.LONGEST + 100) + b"\r\n"
    status, headers, body = await _raw(base, b"GET / HTTP/1.1\r\nAccept-Language: tr\r\n" + cookie)
    assert status == 431
    assert headers["Content-Type"].startswith("text/html")
    assert '<html lang="tr"' in body and TURKISH in unescape(body)
    assert "ccccc" not in body


async def test_what_the_server_cannot_read_gets_the_sites_page_and_no_log_of_it(base, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "session" + "s" * 200
    line = b"GET /?" + b"a" * (too_long.READ + 10) + b" HTTP/1.1\r\n"
    cookie = b"Cookie: nb_desk=" + secret.encode() + b"b" * (too_long.READ + 10) + b"\r\n"
    for head in (line, b"GET / HTTP/1.1\r\n" + cookie):
        status, headers, body = await _raw(base, head)
        assert status == 400
        assert headers["Content-Type"].startswith("text/html")
        assert re.search(r'<html lang="\w+"', body) and 'href="/"' in body
        assert "aaaa" not in body and "ssss" not in body and "Got more than" not in body
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in headers["Content-Security-Policy"]
    logged = "\n".join(
        record.getMessage() + str(record.exc_info or "") + str(record.exc_text or "")
        for record in caplog.records
    )
    assert "aaaa" not in logged and "ssss" not in logged
