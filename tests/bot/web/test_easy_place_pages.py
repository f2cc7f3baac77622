"""Easy place pages (issue 43): the chat's "🗺 Map" carries ``easy=1`` for an easy reader,
the map keeps it in its links, and a place's page (and the map's panel) then comes as the
easy reader gets the place in the chat - open or closed now, how to get in - with the
whole details folded under "ℹ️ All details", in the easy texts. Without ``easy=1`` the
pages stay as they were. On a phone (390 px) in German and Arabic: reached from the map's
list with a tap, no sideways scrolling, axe-clean with the details closed and open."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape

import pytest

from bot.config import Config, WebSection
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support import browser
from tests.support.memory_transport import MemoryTransport, messages
from tests.support.places_sample import import_sample
from tests.support.web_site import browser_session, serving

ACCESS = {
    "de": "🚪 Max-von-der-Grün-Platz 1-3 · ♿ ohne Stufen",
    "ar": "🚪 Max-von-der-Grün-Platz 1-3 · ♿ بدون درجات",
}
MORE = {"de": "ℹ️ Details", "ar": "ℹ️ التفاصيل"}
WEBSITE = "https://www.dortmund.de/themen/bildung/stadt-und-landesbibliothek/"
_ISOLATES = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069\u200e\u200f"))


def readable(html: str) -> str:
    return unescape(html).translate(_ISOLATES)


@pytest.fixture
async def library(db: Database) -> int:
    await import_sample(db)
    [(place_id, _name)] = await db.places.names_like(["Landesbibliothek"])
    return place_id


@pytest.fixture
async def base(db, settings, library):
    async with serving(db, settings) as (_site, url):
        yield url


async def get(url: str) -> str:
    async with browser_session() as client, client.get(url) as page:
        assert page.status == 200, url
        return await page.text()


async def map_link(chat: MemoryTransport, who: str, easy: bool) -> str:
    await chat.onboard(who, "de")
    if easy:
        await chat.press(who, "easy:on")
    out = await chat.press(who, "menu:places")
    [url] = [b.url for m in messages(out) for row in m.buttons for b in row if b.url]
    return url


async def test_the_chats_map_carries_easy_language_for_an_easy_reader(
    db: Database, settings: HandlerSettings
):
    web = replace(settings, web_url="https://karte.example.org")
    chat = MemoryTransport(Dispatcher(db, build_router(), web))
    easy = await map_link(chat, "lena", easy=True)
    assert easy == "https://karte.example.org/?lang=de&easy=1"
    assert await map_link(chat, "rita", easy=False) == "https://karte.example.org/?lang=de"


@pytest.mark.parametrize("lang", ["de", "ar"])
async def test_the_easy_place_page_is_short_with_the_details_folded(base, library, lang):
    easy = readable(await get(f"{base}/place/{library}?lang={lang}&easy=1"))
    summary = re.search(r'<div class="details-text easy-summary">(.*?)</div>', easy, re.S)
    assert summary is not None
    lines = summary.group(1).split("\n")
    # Open or closed now (or unknown), then how to get in: nothing else.
    assert len(lines) == 2 and lines[0][0] in "🟢🔴🕓" and lines[1] == ACCESS[lang]
    assert WEBSITE not in summary.group(1)
    folded = re.search(r'<details class="more-details">(.*?)</details>', easy, re.S)
    assert folded is not None
    assert f"<summary>{MORE[lang]}</summary>" in folded.group(1)
    assert WEBSITE in folded.group(1) and "🏠 Max-von-der-Grün-Platz 1-3" in folded.group(1)
    # Back to the map stays in easy language.
    assert f'href="/?lang={lang}&easy=1"' in easy
    # Without easy=1: the page as it was.
    plain = readable(await get(f"{base}/place/{library}?lang={lang}"))
    assert "easy-summary" not in plain and "more-details" not in plain
    assert "🚪" not in plain and WEBSITE in plain and 'href="/"' in plain


async def test_the_map_keeps_easy_language_in_its_links_and_panel(base, library):
    easy = readable(await get(f"{base}/?lang=de&easy=1"))
    assert f'<a href="/place/{library}?lang=de&easy=1">' in easy
    assert '<input type="hidden" name="easy" value="1">' in easy
    assert 'data-keep="?lang=de&easy=1"' in easy
    panel = readable(await get(f"{base}/place/{library}/panel?lang=de&easy=1"))
    assert ACCESS["de"] in panel and f"<summary>{MORE['de']}</summary>" in panel
    assert f'href="/place/{library}?lang=de&easy=1"' in panel
    plain = readable(await get(f"{base}/?lang=de"))
    assert f'<a href="/place/{library}">' in plain and 'name="easy"' not in plain
    assert "🚪" not in readable(await get(f"{base}/place/{library}/panel?lang=de"))


@pytest.mark.parametrize("lang", ["de", "ar"])
async def test_an_easy_place_page_on_a_phone(db, settings, library, lang):
    tiles = browser.TileServer()
    await tiles.start()
    config = Config(web=WebSection(tile_url=tiles.template))
    try:
        async with (
            serving(db, settings, config=config) as (_site, url),
            browser.chromium() as chrome,
            browser.browsing(chrome, lang, browser.PHONE) as session,
        ):
            page = session.page
            await page.goto(f"{url}/?lang={lang}&easy=1")
            await page.locator("#map[data-ready='1']").wait_for(state="attached")
            # The list opens the place in the panel, in easy language; its link, the page.
            await page.locator(f"#place-list a[href^='/place/{library}?']").first.click()
            panel = page.locator("#details .easy-summary")
            await panel.wait_for()
            assert ACCESS[lang] in readable(await panel.inner_text())
            link = page.locator(f"#details a[href='/place/{library}?lang={lang}&easy=1']")
            async with page.expect_navigation(url=f"**/place/{library}?lang={lang}&easy=1"):
                await link.click()
            summary = page.locator(".easy-summary")
            assert ACCESS[lang] in readable(await summary.inner_text())
            assert not await page.get_by_text(WEBSITE).is_visible()
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= browser.PHONE["width"]
            await browser.assert_accessible(page, f"easy place page ({lang})")
            await page.get_by_text(MORE[lang]).click()
            assert await page.get_by_text(WEBSITE).is_visible()
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= browser.PHONE["width"]
            await browser.assert_accessible(page, f"easy place page, details open ({lang})")
            assert not session.foreign, session.foreign
    finally:
        await tiles.stop()
