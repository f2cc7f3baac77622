"""A start refused at the desk's event form, in real Chromium at 390 px: the example the
refusal gives (a date and a time, fields.START_PROBLEM) reads date first in Arabic and Persian
too - written into the right-to-left sentence its two runs of digits were laid out right to
left, the time left of the date."""

from __future__ import annotations

from datetime import datetime, timedelta

from db import Database
from locales import TIMEZONE
from tests.support.desk_client import desk_in_chromium

# Where the example's date and its time start on the screen (digits in Latin or Persian).
PARTS_AT = r"""() => {
  const error = document.getElementById('error-start');
  if (!error) return null;
  const d = '[0-9\u06f0-\u06f9]';
  const example = new RegExp(`${d}{2}\\.${d}{2}\\.${d}{4} ${d}{2}:${d}{2}`);
  const walker = document.createTreeWalker(error, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const found = example.exec(node.data);
    if (!found) continue;
    const left = offset => {
      const range = document.createRange();
      range.setStart(node, offset);
      range.setEnd(node, offset + 1);
      return range.getBoundingClientRect().left;
    };
    return {date: left(found.index), time: left(found.index + 11), text: found[0]};
  }
  return null;
}"""


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
            at = await page.evaluate(PARTS_AT)
            assert at is not None, await page.content()
            assert at["date"] < at["time"], (lang, at)
    assert await db.events.active() == []
