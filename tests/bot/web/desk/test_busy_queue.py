"""The review queue on a phone on a busy day (issue 79, point 3), in real Chromium at 390×844
and 1280×800, in German and Arabic (right to left), with axe-core.

The first screen says how many wait and for how long; the caller who wants to talk now,
entered last, is the first card, then the urgent ones, then the rest, each oldest first;
every card says how long it has waited and whether anyone could take it ("2 volunteers
for shopping in Hörde", "nobody speaks Persian") - the first wave's own candidate search;
the desk says who is on duty; the browser's tab and the 📥 section carry the number
waiting; the navigation leaves the phone's first screen to the page; and the Requests
table shows the age and the languages without scrolling sideways.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db import Database
from db.clock import to_text
from locales import translator
from tests.support import browser as chromium
from tests.support.desk_client import coordinator, desk_in_chromium
from tests.support.helping_people import verified_volunteer

WIDE = {"width": 1280, "height": 800}


async def _waiting(db: Database, name: str, minutes: int, **values) -> int:
    requester = await db.users.seen("memory", name, name, name.title())
    request = await db.requests.create(
        requester.id, requester.id, description="Bitte um Hilfe beim Einkauf", **values
    )
    created = datetime.now(UTC) - timedelta(minutes=minutes)
    await db.execute(
        "UPDATE help_requests SET created_at = ? WHERE id = ?", (to_text(created), request.id)
    )
    return request.id


async def _busy_day(db: Database) -> dict[str, object]:
    """Two volunteers for shopping in Hörde (German only), six requests for next week there,
    an urgent one from a resident who reads only Persian, and a caller who wants to talk
    now, entered last; nobody is on a talk shift."""
    for name in ("hanna", "holger"):
        user = await db.users.seen("memory", name, name, name.title())
        # evenings and no quiet hours: they could take it now whatever the time the test
        # runs (a volunteer in her quiet hours is counted apart,
        # handlers/helping/matching/awake.py).
        await verified_volunteer(db, user.id, districts=("Hörde",), evenings=True)
    shopping = {"category": "shopping", "stadtbezirk": "Hörde", "languages": ("de",)}
    later = [
        await _waiting(db, f"rita{n}", 300 - 10 * n, when_kind="date", **shopping) for n in range(6)
    ]
    persian = await _waiting(
        db, "parisa", 60, when_kind="asap", **{**shopping, "languages": ("fa",)}
    )
    talk = await _waiting(
        db, "theo", 3, category="talk", when_kind="asap", stadtbezirk="Hörde", languages=("de",)
    )
    return {"order": [talk, persian, *later], "persian": persian, "hoerde": later[0]}


async def _cards(page) -> list[int]:
    ids = await page.locator("article.card").evaluate_all("cards => cards.map(c => c.id)")
    return [int(card.removeprefix("request-")) for card in ids]


async def _in_first_screen(page, selector: str, height: int) -> None:
    box = await page.locator(selector).first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= height, (selector, box)


async def _check_queue(page, lang: str, busy: dict, height: int) -> None:
    t = translator(lang)
    waiting = len(busy["order"])  # type: ignore[arg-type]
    assert (await page.title()).startswith(f"({t.number(waiting)})"), await page.title()
    assert str(t.number(waiting)) in await page.locator("#waiting-count").inner_text()
    summary = await page.locator("#queue-summary").inner_text()
    assert str(t.number(waiting)) in summary, summary
    assert "Carl" in await page.locator("#on-duty").inner_text()
    assert await _cards(page) == busy["order"]
    # The first screen: how many wait, who is on duty, and the caller who wants to talk now.
    for shown in ("#queue-summary", "#on-duty", "#duty button", "article.card h2"):
        await _in_first_screen(page, shown, height)
    # Each card its age and whether anyone could take it.
    assert await page.locator("article.card .age").count() == waiting
    assert await page.locator("article.card .take").count() == waiting
    persian = page.locator(f"#request-{busy['persian']} .take")
    assert "nobody" in (await persian.get_attribute("class") or "")
    assert t.language("fa") in await persian.inner_text()
    hoerde = await page.locator(f"#request-{busy['hoerde']} .take").inner_text()
    assert str(t.number(2)) in hoerde and "Hörde" in hoerde, hoerde
    talk = page.locator(f"#request-{busy['order'][0]} .take")  # type: ignore[index]
    assert "nobody" in (await talk.get_attribute("class") or "")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= await page.evaluate("window.innerWidth"), width


async def test_the_busy_queue_on_a_phone_and_a_desk_in_german_and_arabic(db, site, web_chat):
    _site, base = site
    busy = await _busy_day(db)
    carl = await coordinator(web_chat, db, "carl", "de")
    await db.users.set_on_duty(carl, True)
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        for lang in ("de", "ar"):
            await page.set_viewport_size(chromium.PHONE)  # type: ignore[arg-type]
            await page.goto(f"{base}/desk/queue?lang={lang}")
            # The navigation leaves the first screen to the queue (a third of it, before).
            header = await page.locator("header.top").bounding_box()
            assert header is not None and header["height"] <= 0.15 * chromium.PHONE["height"]
            await _check_queue(page, lang, busy, chromium.PHONE["height"])
            await chromium.assert_accessible(page, f"busy review queue (phone, {lang})")
            await page.set_viewport_size(WIDE)  # type: ignore[arg-type]
            await page.goto(f"{base}/desk/queue?lang={lang}")
            await _check_queue(page, lang, busy, WIDE["height"])
            await chromium.assert_accessible(page, f"busy review queue (desk, {lang})")
        assert not desk.session.foreign, desk.session.foreign


async def test_the_requests_table_shows_age_and_languages_on_a_phone(db, site, web_chat):
    _site, base = site
    busy = await _busy_day(db)
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        for lang in ("de", "ar"):
            await page.goto(f"{base}/desk/requests?lang={lang}")
            t = translator(lang)
            row = page.locator(f"#request-row-{busy['persian']}").locator("th, td")
            # The columns by their headings, as a reader finds them.
            headings = await page.locator("#requests-table thead th").all_inner_texts()
            for heading in (t._("Age"), t._("Languages")):
                box = await row.nth(headings.index(heading)).bounding_box()
                assert box is not None, lang
                # Wholly on the screen, without scrolling the table sideways.
                assert box["x"] >= 0 and box["x"] + box["width"] <= chromium.PHONE["width"], (
                    lang,
                    heading,
                    box,
                )
            languages = await row.nth(headings.index(t._("Languages"))).inner_text()
            assert t.language("fa") in languages, languages
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= chromium.PHONE["width"], width
            await chromium.assert_accessible(page, f"requests table (phone, {lang})")
