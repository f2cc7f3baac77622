"""The volunteers' roster on a phone (issue 100, point 7), in Chromium at 390×844 with
axe-core: a volunteer's name, languages and status are on the first screen, before the
filters and without scrolling sideways. Failed before: the filters filled the first
screen, and languages and status were the fifth and sixth columns, off to the side."""

from __future__ import annotations

from tests.support import browser as chromium
from tests.support.desk_client import desk_in_chromium
from tests.support.helping_people import person, verified_volunteer


async def test_the_roster_shows_who_is_there_first_on_a_phone(db, site, web_chat):
    _site, base = site
    vera = await person(db, "vera")
    await verified_volunteer(db, vera.id, languages=("de", "ar"), quiet=None)
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        await page.goto(f"{base}/desk/volunteers")
        row = f"#volunteer-row-{vera.id}"
        for cell in (f"{row} th a", f"{row} td.languages", f"{row} td.status"):
            box = await page.locator(cell).bounding_box()
            assert box is not None, cell
            assert box["y"] + box["height"] <= chromium.PHONE["height"], (cell, box)
            assert box["x"] >= 0, (cell, box)
            assert box["x"] + box["width"] <= chromium.PHONE["width"], (cell, box)
        table = await page.locator("#volunteers-table").bounding_box()
        filters = await page.locator("#volunteer-filters").bounding_box()
        assert table is not None and filters is not None and table["y"] < filters["y"]
        await chromium.assert_accessible(page, "volunteers' roster (phone)")
