"""The desk's "who is short of volunteers" in real Chromium at phone size (390 px): a
language far behind German's share and spoken by nobody who takes requests shows its gap
and the volunteer poster and link in that language; the poster is wholly in that language
and its direction; the shares are drawn on 0-100 %; nothing runs off the phone's width."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db import Database
from db.clock import to_text
from locales import translator
from tests.support.desk_client import desk_in_chromium


async def _asked(db: Database, languages: tuple[str, ...], count: int, matched: int) -> None:
    requester = await db.users.seen("memory", f"r-{languages[0]}", "r", "R")
    created = datetime.now(UTC) - timedelta(days=3)
    for number in range(count):
        request = await db.requests.create(
            requester.id,
            requester.id,
            category="shopping",
            description="Einkauf",
            languages=languages,
            stadtbezirk="Hörde",
        )
        taken = number < matched
        await db.execute(
            "UPDATE help_requests SET state = ?, created_at = ?, opened_at = ?, matched_at = ?,"
            " volunteer_id = ? WHERE id = ?",
            (
                "matched" if taken else "open",
                to_text(created),
                to_text(created + timedelta(minutes=5)),
                to_text(created + timedelta(hours=1)) if taken else None,
                requester.id if taken else None,
                request.id,
            ),
        )


async def _german_speakers(db: Database, count: int) -> None:
    for number in range(count):
        user = await db.users.seen("memory", f"v{number}", f"v{number}", f"V{number}")
        await db.volunteers.save(user.id, languages=("de",))
        await db.volunteers.verify(user.id, user.id)


async def test_a_short_language_shows_its_poster_and_link_on_a_phone(db, site, web_chat):
    from tests.support import browser as chromium

    _site, base = site
    await _asked(db, ("de",), 10, 9)  # 90 % within a day
    await _asked(db, ("fa",), 4, 1)  # 25 %: 65 points below, and nobody speaks it
    await _german_speakers(db, 6)
    t = translator("de")
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        await page.goto(f"{base}/desk/stats?lang=de")
        short = page.locator("#short-fa")
        assert await short.is_visible()
        said = await short.inner_text()
        assert t.language("fa") in said and str(t.number(65)) in said, said
        poster = page.locator("#poster-fa")
        assert await poster.get_attribute("href") == "/poster/volunteer/fa"
        assert await poster.get_attribute("hreflang") == "fa"
        # The link to share opens the volunteer's registration in the bot.
        link = await page.locator("#link-fa").get_attribute("href")
        assert link == "https://t.me/nachbarbot_test_bot?start=volunteer_fa", link
        # German is not short; the table gives each share on 0-100 %.
        assert await page.locator("#short-de").count() == 0
        row = page.locator("#table-languages-served tr", has_text=t.language("fa"))
        assert str(t.percent(0.25)) in await row.inner_text()
        for element in ("#short-fa", "#poster-fa", "#link-fa"):
            box = await page.locator(element).bounding_box()
            assert box is not None and box["x"] >= 0, (element, box)
            assert box["x"] + box["width"] <= chromium.PHONE["width"], (element, box)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= chromium.PHONE["width"], width
        await chromium.assert_accessible(page, "desk statistics with a short language (phone)")
        # The poster: in Persian, right to left, whatever the coordinator reads.
        await poster.click()
        await page.wait_for_url("**/poster/volunteer/fa")
        assert await page.get_attribute("html", "lang") == "fa"
        assert await page.get_attribute("html", "dir") == "rtl"
        fa = translator("fa")
        assert fa.language("fa") in await page.locator("h1").inner_text()
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= chromium.PHONE["width"], width
        await chromium.assert_accessible(page, "volunteer poster in Persian (phone)")
        assert not desk.session.foreign, desk.session.foreign


async def test_an_unknown_poster_language_is_not_found(db, site):
    from tests.support.web_site import browser_session

    _site, base = site
    async with browser_session() as browser, browser.get(f"{base}/poster/volunteer/xx") as page:
        assert page.status == 404
