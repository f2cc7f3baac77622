"""The desk's sections on a phone (issue 100, point 5), in Chromium at 390×844 in German
and Arabic with axe-core, and at a desk: nothing of the navigation scrolls sideways; the
review queue with the backlog's number stays in the header's one row, within the 15 % of
the first screen the last round gave the header; ☰ opens every other section below it,
wrapped, each at least 44 px tall and within the screen, and one of them leads there. At a
desk every section is in one row and ☰ is not shown. Failed before: the six sections were
one row scrolling inside itself past the screen's edge, with no cue."""

from __future__ import annotations

from playwright.async_api import Page

from db import Database
from tests.support import browser as chromium
from tests.support.desk_client import desk_in_chromium

WIDE = {"width": 1280, "height": 800}
SECTIONS = "#desk-sections a"


async def _waiting(db: Database) -> None:
    """Three requests waiting for review: the backlog's number on the queue's section."""
    for n in range(3):
        person = await db.users.seen("memory", f"r{n}", f"r{n}", f"R{n}")
        await db.requests.create(
            person.id, person.id, category="shopping", description="Bitte", languages=("de",)
        )


async def _within_the_screen(page: Page, selector: str, width: int) -> list[dict]:
    """The boxes of ``selector``'s visible elements, each asserted inside the screen's width."""
    boxes = []
    for each in await page.locator(selector).all():
        if not await each.is_visible():
            continue
        box = await each.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
        boxes.append(box)
    return boxes


async def _no_sideways_scrolling(page: Page) -> None:
    scrolls = await page.evaluate(
        """() => [document.documentElement, ...document.querySelectorAll('.top, .top *')]
            .filter(el => el.clientWidth > 1 && el.scrollWidth > el.clientWidth + 1
                    && getComputedStyle(el).overflowX !== 'visible')
            .map(el => el.tagName + '#' + el.id + '.' + el.className)"""
    )
    assert not scrolls, scrolls
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


async def test_the_sections_fold_behind_a_menu_on_a_phone(db, site, web_chat):
    _site, base = site
    await _waiting(db)
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        for lang in ("de", "ar"):
            await page.set_viewport_size(chromium.PHONE)  # type: ignore[arg-type]
            await page.goto(f"{base}/desk/volunteers?lang={lang}")
            await _no_sideways_scrolling(page)
            header = await page.locator("header.top").bounding_box()
            assert header is not None and header["height"] <= 0.15 * chromium.PHONE["height"]
            # The queue and its number in the first row; the other sections folded.
            count = await page.locator("#waiting-count").bounding_box()
            assert count is not None and count["y"] + count["height"] <= header["height"]
            assert "3" in await page.locator("#waiting-count").inner_text()
            shown = await _within_the_screen(page, SECTIONS, chromium.PHONE["width"])
            assert len(shown) == 1, shown
            menu = page.locator("#sections-menu > summary")
            assert (await menu.bounding_box() or {}).get("height", 0) >= 43.5
            await menu.click()
            shown = await _within_the_screen(page, SECTIONS, chromium.PHONE["width"])
            assert len(shown) == await page.locator(SECTIONS).count() == 6, shown
            assert all(box["height"] >= 43.5 for box in shown), shown
            await _no_sideways_scrolling(page)
            await chromium.assert_accessible(page, f"desk sections opened (phone, {lang})")
            await page.locator(SECTIONS).nth(5).click()
            await page.wait_for_url("**/desk/stats**")
        await page.set_viewport_size(WIDE)  # type: ignore[arg-type]
        await page.goto(f"{base}/desk/queue?lang=de")
        assert not await page.locator("#sections-menu").is_visible()
        shown = await _within_the_screen(page, SECTIONS, WIDE["width"])
        assert len(shown) == 6 and len({box["y"] for box in shown}) == 1, shown
        await _no_sideways_scrolling(page)
        assert not desk.session.foreign, desk.session.foreign
