"""Eighteen in review on a phone (issue 100, point 5), in real Chromium at 390×844 with
axe-core. Seventeen of them nobody can take now. The coordinator switches the queue to a
list - one line a request: number, kind, languages, area, age, whether anyone could take
it - and the seventeen are one count that opens to their lines; the list stays chosen on
the next visit; the queue filters by language and area. Failed before: eighteen full
cards (over ten thousand pixels), no list, no filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db import Database
from db.clock import to_text
from tests.support import browser as chromium
from tests.support.desk_client import desk_in_chromium
from tests.support.helping_people import verified_volunteer


async def _eighteen(db: Database) -> dict[str, list[int]]:
    """One shopping request in Hörde a volunteer there could take; seventeen for forms
    nobody helps with, in Arabic or Persian, in Hörde or Innenstadt-Nord."""
    hanna = await db.users.seen("memory", "hanna", "hanna", "Hanna")
    # No quiet hours: she could take it now whatever the time the test runs (awake.py).
    await verified_volunteer(db, hanna.id, districts=("Hörde",), evenings=True)
    made: dict[str, list[int]] = {"someone": [], "ar": [], "fa": []}
    for n in range(18):
        person = await db.users.seen("memory", f"r{n}", f"r{n}", f"R{n}")
        language = "de" if n == 0 else ("ar" if n % 2 else "fa")
        request = await db.requests.create(
            person.id,
            person.id,
            category="shopping" if n == 0 else "forms",
            description="Bitte um Hilfe",
            stadtbezirk="Innenstadt-Nord" if n % 3 == 1 else "Hörde",
            when_kind="window",
            languages=(language,),
        )
        created = datetime.now(UTC) - timedelta(minutes=200 - n)
        await db.execute(
            "UPDATE help_requests SET created_at = ? WHERE id = ?", (to_text(created), request.id)
        )
        made["someone" if n == 0 else language].append(request.id)
    return made


async def _lines(page) -> list[int]:
    ids = await page.locator(".queue-list li").evaluate_all("items => items.map(i => i.id)")
    return [int(item.removeprefix("line-")) for item in ids]


async def test_eighteen_in_review_as_a_list_on_a_phone(db, site, web_chat):
    _site, base = site
    made = await _eighteen(db)
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        await page.goto(f"{base}/desk/queue")
        cards_height = await page.evaluate("document.documentElement.scrollHeight")
        await page.locator("#queue-view a").first.click()
        await page.wait_for_url("**/desk/queue?view=list**")
        # One line the one anyone could take; the seventeen behind one count, folded.
        assert [
            int(i.removeprefix("line-"))
            for i in await page.locator("#queue-list li").evaluate_all(
                "items => items.map(i => i.id)"
            )
        ] == made["someone"]
        nobody = page.locator("#nobody-now")
        assert "17" in await nobody.locator("summary").inner_text()
        assert not await nobody.get_attribute("open")
        line = await page.locator(f"#line-{made['someone'][0]}").inner_text()
        for said in ("Hörde", "⏳", "1"):
            assert said in line, line
        height = await page.evaluate("document.documentElement.scrollHeight")
        assert height <= chromium.PHONE["height"] * 1.5 < cards_height, (height, cards_height)
        await nobody.locator("summary").click()
        assert sorted(await _lines(page)) == sorted(n for ids in made.values() for n in ids)
        await chromium.assert_accessible(page, "review queue as a list (phone)")
        # The list stays chosen on the next visit.
        await page.goto(f"{base}/desk/queue")
        assert await page.locator("#nobody-now").count() == 1
        assert await page.locator("article.card").count() == 0
        # Filtered to Arabic: the Arabic ones alone, still as a list.
        await page.locator("#queue-filter-box summary").click()
        await page.select_option("#filter-language", "ar")
        await page.locator("#queue-filters button[type=submit]").click()
        await page.wait_for_url("**language=ar**")
        await page.locator("#nobody-now summary").click()
        assert sorted(await _lines(page)) == sorted(made["ar"])
        # And by area too.
        await page.goto(f"{base}/desk/queue?language=ar&area=Innenstadt-Nord")
        await page.locator("#nobody-now summary").click()
        shown = await _lines(page)
        assert shown and set(shown) < set(made["ar"])
        # Back to the cards: they stay chosen too.
        await page.goto(f"{base}/desk/queue?view=cards")
        await page.goto(f"{base}/desk/queue")
        assert await page.locator("article.card").count() == 18
