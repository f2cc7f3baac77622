"""The statistics page's first figures at phone size (390 px) in real Chromium, in the
languages with the longest words: every word of the week's figures and of the "who is
short of volunteers" table is whole on its line, and every figure of that table is on the
screen. Before, "96,9 Stunden im Durchschnitt" under "Waits longest" was set in the
figure's size and broke mid-word ("Durchschnit" / "t"; "персидский" in Russian), and the
table's fourth column - the volunteers who speak the language, the figure to act on - lay
beyond the screen's edge in every language (beyond its left edge in Arabic and Persian).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.handlers.test_statistics import _request
from tests.support import browser as chromium
from tests.support.desk_client import desk_in_chromium

# Each word of the text under ``selector`` that the browser set on more than one line.
BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const element of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(word[0]);
      }
    }
  }
  return broken;
}"""

# Each cell of the rows: its box on the screen (none if it is not drawn) and its text, read
# at once rather than a cell at a time.
CELLS = """(rows) => rows.flatMap(row => [...row.querySelectorAll('th, td')].map(cell => {
  const box = cell.getBoundingClientRect();
  const drawn = cell.getClientRects().length > 0;
  return {box: drawn ? {x: box.x, width: box.width} : null, text: cell.innerText};
}))"""


async def _busy_weeks(db) -> None:
    """Forty German requests matched over the last weeks, and twelve Persian ones waiting
    for five days: Persian waits longest (about 120 hours) and is short of volunteers."""
    now = datetime.now(UTC)
    for number in range(40):
        await _request(
            db, created=now - timedelta(days=1 + number % 20), state="matched", wait_minutes=90
        )
    for _ in range(12):
        await _request(
            db, created=now - timedelta(days=5), state="open", district="Eving", languages=("fa",)
        )


async def test_the_first_figures_are_whole_and_on_the_screen_of_a_phone(db, site, web_chat):
    _site, base = site
    await _busy_weeks(db)
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        for lang in ("de", "ru", "uk", "pl", "fa"):
            await page.goto(f"{base}/desk/stats?lang={lang}")
            broken = await page.evaluate(BROKEN_WORDS, "#stats-week, #table-languages-served")
            assert not broken, (lang, broken)
            for cell in await page.locator("#table-languages-served tr").evaluate_all(CELLS):
                box = cell["box"]
                assert box is not None, lang
                if box["width"] <= 1:  # the language column's heading, for screen readers
                    continue
                inside = box["x"] >= 0 and box["x"] + box["width"] <= chromium.PHONE["width"]
                assert inside, (lang, cell["text"], box)
            await chromium.assert_accessible(page, f"statistics (phone, {lang})")
        # A desk's screen keeps the table as a table: a row's cells side by side.
        await page.set_viewport_size({"width": 1280, "height": 800})
        await page.goto(f"{base}/desk/stats?lang=de")
        row = page.locator("#table-languages-served tbody tr").first
        tops = {
            round((await cell.bounding_box())["y"]) for cell in await row.locator("th, td").all()
        }
        assert len(tops) == 1, tops
