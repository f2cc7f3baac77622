"""A start refused at the desk's event form, in real Chromium at 390 px: the example the
refusal gives (a date and a time, fields.START_PROBLEM) reads date first in Arabic and Persian
too - written into the right-to-left sentence its two runs of digits were laid out right to
left, the time left of the date."""

from __future__ import annotations

from datetime import datetime, timedelta

from db import Database
from locales import TIMEZONE
from tests.support import browser as chromium
from tests.support.desk_client import desk_in_chromium

# A date and a time in Latin or Persian digits; the time starts at the 12th character.
D = "[0-9\u06f0-\u06f9]"
START = f"{D}{{2}}\\.{D}{{2}}\\.{D}{{4}} {D}{{2}}:{D}{{2}}"


async def test_the_example_start_reads_date_first_in_arabic_and_persian(
    db: Database, site, web_chat
):
    _site, base = site
    yesterday = (datetime.now(TIMEZONE) - timedelta(days=1)).date().isoformat()
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        for lang in ("ar", "fa"):
            await page.goto(f"{base}/desk/events/new?lang={lang}")
            await page.fill("#event-title-de", "Sprachcafé")
            await page.fill("#event-address", "Nordmarkt 1, 44145 Dortmund")
            await page.fill("#event-start-date", yesterday)
            await page.fill("#event-start-time", "17:00")
            await page.fill("#event-end-time", "19:00")
            async with page.expect_navigation():
                await page.locator("#event-form button[type=submit]").click()
            day, clock = await chromium.starts_at(page, "error-start", START, [0, 11])
            assert day["left"] < clock["left"], (lang, day, clock)
    assert await db.events.active() == []
