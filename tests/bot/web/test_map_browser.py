"""The public map, a place's page, the Mini App's check and the desk's statistics in real
Chromium, against the real web server with the sample places and a local tile server.

Written against the pages' hooks: ``#map`` (``data-ready="1"`` once the markers or clusters
are on it), the ``#filters`` form, ``#place-list li[data-place-id]``, ``#details``; the Mini
App posts the ``tgWebAppData`` of the address's fragment to the server for checking; the
statistics page has ``#stats``. Each test runs once its route exists.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from urllib.parse import quote, urlencode

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page

from bot.config import Config, TelegramSection, WebSection
from db import Database
from handlers.parsing import typed
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from handlers.settings import HandlerSettings
from locales import translator
from tests.support import browser
from tests.support.cli import ROOT
from tests.support.fake_telegram import TOKEN
from tests.support.web_site import serving

pytestmark = pytest.mark.asyncio(loop_scope="module")
READY = "#map[data-ready='1']"


class MapSite:
    def __init__(self, db: Database, base: str, tiles: browser.TileServer) -> None:
        self.db = db
        self.base = base
        self.tiles = tiles

    async def place_ids(self, where: str = "1") -> set[int]:
        async with self.db.conn.execute(f"SELECT id FROM places WHERE {where}") as cursor:
            return {int(row[0]) for row in await cursor.fetchall()}

    async def coordinator_link(self) -> str:
        from datetime import UTC, datetime

        user = await self.db.users.seen("telegram", "3001", "3001", "Cora")
        await self.db.users.record_consent(user.id)
        await self.db.users.grant_role(user.id, "coordinator")
        token = await self.db.desk.issue_login(user.id, datetime.now(UTC))
        return f"{self.base}/desk/login/{token}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def chrome() -> AsyncIterator[Browser]:
    async with browser.chromium() as launched:
        yield launched


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(tmp_path_factory) -> AsyncIterator[MapSite]:
    tiles = browser.TileServer()
    await tiles.start()
    db = await Database.open(tmp_path_factory.mktemp("map") / "map.sqlite3")
    report = await import_places(
        db,
        ROOT / "data" / "dortmund" / "places-sample.csv",
        load_gazetteer(str(ROOT / "data" / "dortmund")),
    )
    assert report.created > 50 and not report.rejected
    config = Config(web=WebSection(tile_url=tiles.template), telegram=TelegramSection(token=TOKEN))
    settings = HandlerSettings(city="Dortmund")
    try:
        async with serving(db, settings, config=config) as (_site, base):
            yield MapSite(db, base, tiles)
    finally:
        await db.close()
        await tiles.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def tab(chrome: Browser) -> AsyncIterator[browser.Browsing]:
    async with browser.browsing(chrome, "en") as session:
        yield session


async def listed(page: Page) -> list[int]:
    return [
        int(value)
        for value in await page.locator("#place-list li[data-place-id]").evaluate_all(
            "items => items.map(li => li.dataset.placeId)"
        )
    ]


async def open_map(page: Page, url: str) -> None:
    await page.goto(url)
    await page.locator(READY).wait_for(state="attached")


async def set_filter(page: Page, name: str, value: str) -> None:
    """Set a control of the ``#filters`` form, whatever kind it is."""
    control = page.locator(f"#filters [name='{name}']").first
    kind = await control.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
    if kind.startswith("select"):
        await control.select_option(value)
    elif kind.endswith(("checkbox", "radio")):
        await page.locator(f"#filters [name='{name}'][value='{value}']").or_(control).first.check()
    else:
        await control.fill(value)
    submit = page.locator("#filters [type=submit]")
    if await submit.count() and await submit.first.is_visible():
        await submit.first.click()


async def test_the_map_shows_the_places_and_filters_them(site, tab):
    page = tab.page
    await open_map(page, site.base + "/")
    everything = await site.place_ids()
    shown = await listed(page)
    assert shown and set(shown) <= everything
    assert len(shown) >= min(10, len(everything))
    assert await page.locator("#map .leaflet-marker-icon, #map .marker-cluster").count() > 0
    # Tiles from the configured server only (here the local fake).
    assert site.tiles.served > 0

    accessible = await site.place_ids("wheelchair = 'yes'")
    assert 0 < len(accessible) < len(everything)
    await set_filter(page, "wheelchair", "1")
    await browser.wait_until(lambda: _narrowed(page, accessible, len(shown)), timeout=10)

    # A place's details, like the chat's, with its /start link.
    first = page.locator("#place-list li[data-place-id]").first
    place_id = int(await first.get_attribute("data-place-id") or 0)
    await first.locator("a, button").first.click()
    details = page.locator("#details")
    place = await site.db.places.get(place_id)
    assert place is not None
    # The panel is there before the click (with its "choose a place" line); the place's
    # details are fetched after it, so wait for them rather than read at once.
    await page.locator("#details", has_text=place.name).wait_for(state="visible", timeout=10_000)
    assert f"place_{place_id}" in await details.inner_html()
    assert not tab.foreign, tab.foreign


@pytest.mark.parametrize("lang", ["fa", "ar", "de"])
async def test_the_map_counts_in_the_digits_of_the_page(site, chrome, lang):
    """Issue 41 item 12: the counts the map's script writes (the list's count, the
    clusters' bubbles) have the digits the server writes for the language (Persian ones in
    Persian), not the browser's own choice for it."""
    t = translator(lang)
    async with browser.browsing(chrome, lang) as session:
        page = session.page
        await open_map(page, site.base + "/")
        # Read together, so that a map settling in between cannot change one of them.
        shown, count = await page.evaluate(
            """() => [document.querySelectorAll("#place-list li[data-place-id]").length,
                      document.getElementById("list-count").textContent]"""
        )
        assert t.number(shown) in count, count
        bubbles = await page.locator("#map .marker-cluster span").all_inner_texts()
        assert bubbles
        for bubble in bubbles:
            assert bubble == t.number(int(typed(bubble))), bubble
        if lang == "fa":
            assert all(not ch.isascii() for bubble in bubbles for ch in bubble)
        assert not session.foreign, session.foreign


async def _narrowed(page: Page, allowed: set[int], before: int) -> bool:
    now = await listed(page)
    return bool(now) and set(now) <= allowed and len(now) < before


def init_data(user: dict, token: str, *, forged: bool = False) -> str:
    """Telegram's Web App initData, signed with the bot token as Telegram signs it (or
    with a made-up hash)."""
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, separators=(",", ":")),
        "auth_date": str(int(time.time())),
    }
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    fields["hash"] = "0" * 64 if forged else digest
    return urlencode(fields)


async def mini_app_check(page: Page, base: str, data: str) -> int:
    """Open the map as Telegram opens a Mini App; the status of the page's check."""
    fragment = f"tgWebAppData={quote(data)}&tgWebAppVersion=7.0&tgWebAppPlatform=web"
    # A new fragment on the same page is no new load: start from elsewhere each time.
    await page.goto("about:blank")
    async with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.startswith(base)
    ) as checked:
        await page.goto(f"{base}/#{fragment}")
    return (await checked.value).status


async def test_the_mini_app_rejects_forged_init_data(site, chrome):
    amira = {"id": 1001, "first_name": "Amira", "language_code": "ar"}
    async with browser.browsing(chrome, "en") as forged:
        status = await mini_app_check(forged.page, site.base, init_data(amira, TOKEN, forged=True))
        assert status in (401, 403)
        assert "Amira" not in await forged.page.content()
        # Signed with another bot's token: as good as forged.
        other = init_data(amira, "999:OTHER-TOKEN")
        assert await mini_app_check(forged.page, site.base, other) in (401, 403)
    async with browser.browsing(chrome, "en") as genuine:
        assert await mini_app_check(genuine.page, site.base, init_data(amira, TOKEN)) == 200
        assert not genuine.foreign


async def test_the_map_is_accessible_with_screenshots(site, chrome):
    for lang in ("de", "ar"):
        async with browser.browsing(chrome, lang) as session:
            page = session.page
            await open_map(page, site.base + "/")
            assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
            await browser.assert_accessible(page, f"map ({lang})")
            await browser.screenshots(page, "map", lang)
            assert not session.foreign, session.foreign


async def test_the_map_works_with_the_keyboard(site, tab):
    page = tab.page
    await open_map(page, site.base + "/")
    await browser.tab_to(page, "#filters [name='wheelchair']")
    assert await browser.focus_is_visible(page)
    first = "#place-list li[data-place-id] :is(a, button)"
    await browser.tab_to(page, f"{first} >> nth=0", limit=200)
    assert await browser.focus_is_visible(page)
    await page.keyboard.press("Enter")
    await page.locator("#details").wait_for(state="visible")


async def test_a_place_page_is_accessible(site, chrome):
    place_id = min(await site.place_ids())
    for lang in ("de", "ar"):
        async with browser.browsing(chrome, lang) as session:
            page = session.page
            response = await page.goto(f"{site.base}/place/{place_id}")
            assert response is not None and response.status == 200
            assert f"place_{place_id}" in await page.content()
            await browser.assert_accessible(page, f"place page ({lang})")
            await browser.screenshots(page, "place", lang)
            assert not session.foreign, session.foreign


async def test_the_statistics_are_accessible_with_screenshots(site, chrome):
    for lang in ("de", "ar"):
        async with browser.browsing(chrome, lang) as session:
            page = session.page
            await page.goto(await site.coordinator_link())
            async with page.expect_navigation(url="**/desk/queue"):
                await page.locator("form[action^='/desk/login/'] button").click()
            await page.goto(f"{site.base}/desk/stats")
            await page.locator("#stats").wait_for()
            await browser.assert_accessible(page, f"desk statistics ({lang})")
            await browser.screenshots(page, "desk-stats", lang)
            assert not session.foreign, session.foreign


async def _box(page: Page, selector: str) -> dict[str, float]:
    box = await page.locator(selector).bounding_box()
    assert box is not None, selector
    return box


@pytest.mark.parametrize("lang", ["de", "ar"])
async def test_on_a_phone_the_map_is_in_the_first_screen(site, chrome, lang):
    """Issue 31 item 6: the languages behind one 🌐 control, the filters folded, so the map
    starts in the first screen; both open with the keyboard."""
    async with browser.browsing(chrome, lang, browser.PHONE) as session:
        page = session.page
        await open_map(page, site.base + "/")
        screen = browser.PHONE["height"]
        box = await _box(page, "#map")
        assert box["y"] + box["height"] / 2 <= screen, box
        assert not await page.locator("#languages nav").is_visible()
        assert not await page.locator("#filters").is_visible()

        await browser.tab_to(page, "#filter-box > summary")
        assert await browser.focus_is_visible(page)
        await page.keyboard.press("Enter")
        await page.locator("#filters [name='wheelchair']").wait_for(state="visible")

        await page.locator("#languages > summary").focus()
        await page.keyboard.press("Enter")
        turkish = page.locator("#languages a[hreflang='tr']")
        await turkish.wait_for(state="visible")
        link = await _box(page, "#languages a[hreflang='tr']")
        assert link["x"] >= 0 and link["x"] + link["width"] <= browser.PHONE["width"], link
        await turkish.focus()
        async with page.expect_navigation():
            await page.keyboard.press("Enter")
        assert await page.get_attribute("html", "lang") == "tr"
        assert not session.foreign, session.foreign


async def test_on_a_phone_a_tapped_place_shows_its_details_in_view(site, chrome):
    """Issue 31 item 6: the details appear where the person is looking, not below the
    list out of sight."""
    async with browser.browsing(chrome, "de", browser.PHONE) as session:
        page = session.page
        await open_map(page, site.base + "/")
        # The first entry at the screen's bottom edge, as a thumb scrolling down finds it.
        # Named by its place: the list is drawn again whenever the map settles (its first
        # entry may then be another place), and the same place's entry is the same link.
        first = page.locator("#place-list li[data-place-id]").first
        place_id = await first.get_attribute("data-place-id")
        entry = page.locator(f"#place-list li[data-place-id='{place_id}'] a")
        await entry.evaluate("el => el.scrollIntoView({block: 'end'})")
        screen = browser.PHONE["height"]
        before = await _box(page, "#details")
        assert before["y"] >= screen, "the details were in view before the tap"
        name = await entry.inner_text()
        await entry.click()
        await page.locator("#details .place-details", has_text=name).wait_for()
        after = await _box(page, "#details")
        # All of it in view; a panel taller than the screen from its top. The page scrolls
        # by whole pixels, so a panel of fractional height may stand out by less than one.
        fits = after["y"] + after["height"] < screen + 1 or after["y"] <= 1
        assert after["y"] >= 0 and fits, after
        assert await page.evaluate("document.activeElement.closest('#details') !== null")
