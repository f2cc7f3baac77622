"""The requests list on a small phone (360×740), in Chromium with axe-core, in English and
Arabic: each request's number, state, kind of help, area and languages are on the screen
without scrolling sideways, its number and state first. Failed before: the list was a
six-column table scrolling inside itself; at 360 px the kind of help was cut in half and
the area and the state - what a coordinator looks for - were off the screen."""

from __future__ import annotations

from tests.support import browser as chromium
from tests.support.desk_client import desk_in_chromium

SMALL_PHONE = {"width": 360, "height": 740}


async def test_each_request_fits_a_small_phone(db, site, web_chat):
    _site, base = site
    ids = []
    for n, state in enumerate(("review", "open")):
        person = await db.users.seen("memory", f"r{n}", f"r{n}", f"R{n}")
        request = await db.requests.create(
            person.id,
            person.id,
            state=state,
            category="shopping",
            description="Bitte um Hilfe",
            stadtbezirk="Lütgendortmund",
            languages=("de", "ar"),
        )
        ids.append(request.id)
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        await page.set_viewport_size(SMALL_PHONE)  # type: ignore[arg-type]
        for lang in ("en", "ar"):
            await page.goto(f"{base}/desk/requests?lang={lang}")
            for request_id in ids:
                row = page.locator(f"#request-row-{request_id}")
                boxes = [await cell.bounding_box() for cell in await row.locator("th, td").all()]
                for box in boxes:
                    assert box is not None and box["width"] > 0, (lang, boxes)
                    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, (lang, box)
                number, state = boxes[0], boxes[-1]
                assert number is not None and state is not None
                assert state["y"] < number["y"] + number["height"], (lang, number, state)
            assert await page.evaluate(
                "() => { const t = document.querySelector('#requests-table').parentElement;"
                " return t.scrollWidth <= t.clientWidth; }"
            ), lang
        await chromium.assert_accessible(page, "requests list (small phone, Arabic)")
