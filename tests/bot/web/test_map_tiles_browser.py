"""Issue 83, point 2, in real Chromium at a phone's size (390 px): the map loads the
clusters and places of the tiles in its view (``/api/places/tile/<z>/<x>/<y>``), never the
city's places in one answer, and loads more as it is zoomed and moved; the list beside it
follows the view (``/api/places?bbox=…``)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Locator, Page, Request

from bot.web.public.map_tiles import CLOSE_UP
from tests.bot.web.test_map_browser import READY, chrome, site  # noqa: F401 (fixtures)
from tests.support import browser

pytestmark = pytest.mark.asyncio(loop_scope="module")
TILE = re.compile(r"/api/places/tile/(\d+)/(\d+)/(\d+)\?")


class Asked:
    """The map's requests for places, as the browser sends them."""

    def __init__(self, page: Page) -> None:
        self.tiles: list[tuple[int, int, int]] = []
        self.whole: list[str] = []
        page.on("request", self.seen)

    def seen(self, request: Request) -> None:
        if found := TILE.search(request.url):
            z, x, y = found.groups()
            self.tiles.append((int(z), int(x), int(y)))
        elif "/api/places?" in request.url and "bbox=" not in request.url:
            self.whole.append(request.url)


async def _marks(page: Page) -> dict[str, int]:
    return await page.evaluate(
        """() => ({
            clusters: document.querySelectorAll('#map .marker-cluster').length,
            pins: document.querySelectorAll('#map img.leaflet-marker-icon').length,
        })"""
    )


async def _drag(page: Page, dx: int, dy: int) -> None:
    box = await page.locator("#map").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    await page.mouse.move(x, y)
    await page.mouse.down()
    for step in range(1, 11):
        await page.mouse.move(x + dx * step / 10, y + dy * step / 10)
    await page.mouse.up()


async def test_on_a_phone_the_map_loads_its_view_and_more_on_zoom_and_pan(site, chrome):  # noqa: F811
    async with browser.browsing(chrome, "de", browser.PHONE) as session:
        page = session.page
        asked = Asked(page)
        await page.goto(site.base + "/")
        await page.locator(READY).wait_for(state="attached")
        first = await browser.wait_until(lambda: _marks(page))
        # The city's places gathered in clusters for the view, from its tiles alone.
        assert first["clusters"] > 0, first
        assert asked.tiles and not asked.whole, asked.whole
        zoom = {z for z, _x, _y in asked.tiles}
        assert len(zoom) == 1
        before = set(asked.tiles)

        # A cluster tapped: the map zooms in and loads the tiles of the closer view. Where
        # that view still holds only clusters (a dense cluster's places may all sit in one
        # quarter of the closer tiles), the resident taps again, as one would; each tap
        # zooms in, and from CLOSE_UP on every place is a pin. Which cluster is drawn first
        # depends on which tile's answer came first, so the test taps the smallest.
        closer = max(zoom)
        for _tap in range(CLOSE_UP - closer):
            await (await _smallest_cluster(page)).click()
            await browser.wait_until(lambda was=closer: max(z for z, _x, _y in asked.tiles) > was)
            closer = max(z for z, _x, _y in asked.tiles)
            await browser.wait_until(lambda: _drawn(page), timeout=15)
            if await _has_pins(page):
                break
        await browser.wait_until(lambda: _has_pins(page), timeout=15)

        # Moved: the tiles coming into view are asked for, those seen before are not again.
        seen = set(asked.tiles)
        await _drag(page, -300, -250)
        await browser.wait_until(lambda: {t for t in asked.tiles if t[0] == closer} - seen)
        assert before < seen
        assert not asked.whole
        assert not session.foreign, session.foreign


async def _smallest_cluster(page: Page) -> Locator:
    """The cluster standing for the fewest places (counts in Western digits for German)."""
    clusters = page.locator("#map .marker-cluster")
    counts = [int(text.strip()) for text in await clusters.all_inner_texts()]
    assert counts, "no cluster left to tap"
    return clusters.nth(counts.index(min(counts)))


async def _drawn(page: Page) -> bool:
    """The view's tiles are all loaded (the map drops aria-busy on Leaflet's "load")."""
    return await page.locator("#map").get_attribute("aria-busy") is None


async def _has_pins(page: Page) -> bool:
    return (await _marks(page))["pins"] > 0


async def test_on_a_phone_the_list_follows_the_view(site, chrome):  # noqa: F811
    async with browser.browsing(chrome, "de", browser.PHONE) as session:
        page = session.page
        await page.goto(site.base + "/")
        await page.locator(READY).wait_for(state="attached")
        everything = await site.place_ids()
        listed = await _listed(page)
        assert listed and set(listed) <= everything
        # Zoomed in on a cluster, the list holds fewer places: those in the closer view.
        await (await _smallest_cluster(page)).click()
        await browser.wait_until(lambda: _fewer(page, len(listed)), timeout=15)
        assert not session.foreign, session.foreign


async def _listed(page: Page) -> list[int]:
    return [
        int(v)
        for v in await page.locator("#place-list li[data-place-id]").evaluate_all(
            "items => items.map(li => li.dataset.placeId)"
        )
    ]


async def _fewer(page: Page, before: int) -> bool:
    now = await _listed(page)
    return 0 < len(now) < before
