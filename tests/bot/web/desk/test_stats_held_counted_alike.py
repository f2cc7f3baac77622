"""The statistics page's figures agree with each other about requests a posting limit holds
back: the person asked, so the week's "Requests asked", the requests per Stadtbezirk and
month (page and CSV) and the requests per language all count them. Three wait for review and
four are held by the flood rule, all asked today in Hörde in Arabic, and four in German wait
for review; over the real web server. Failed before: the week said 11 asked, the month's
table and its CSV 7, the languages' counts 3 in Arabic."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from db import Database
from db.clock import to_text
from handlers.helping import posting_limits
from tests.bot.web.desk.test_stats import _logged_in


async def _asked_today(db: Database) -> None:
    for n in range(11):
        person = await db.users.seen("memory", f"a{n}", f"a{n}", f"A{n}")
        until = to_text(datetime.now(UTC) + timedelta(minutes=30))
        await db.requests.create(
            person.id,
            person.id,
            category="shopping",
            description="Einkauf",
            stadtbezirk="Hörde",
            languages=("ar",) if n < 7 else ("de",),
            **({"held": (posting_limits.FLOOD, until)} if 3 <= n < 7 else {}),
        )


async def test_held_requests_count_as_asked_in_every_figure(db, site, web_chat):
    _site, base = site
    await _asked_today(db)
    browser = await _logged_in(web_chat, db)
    async with browser:
        async with browser.get(f"{base}/desk/stats?lang=en") as page:
            html = await page.text()
        async with browser.get(f"{base}/desk/stats/requests.csv?lang=en") as table:
            assert table.status == 200, await table.text()
            rows = list(csv.reader(io.StringIO(await table.text()), delimiter=";"))
    week = re.search(r'id="week-asked"><dt>[^<]*</dt><dd>([^<]*)</dd>', html)
    assert week is not None and week.group(1) == "11", html
    hoerde = next(row for row in rows if row[0] == "Hörde")
    assert hoerde[-1] == "11", rows
    # The languages' figures (the period's requests per language, the language gaps) alike.
    now = datetime.now(UTC)
    day = (to_text(now - timedelta(days=1)), to_text(now + timedelta(minutes=1)))
    assert await db.statistics.languages_asked(*day) == {"ar": 7, "de": 4}
    served = {row[0]: row[1] for row in await db.statistics.languages_served(*day, 24)}
    assert served == {";ar;": 7, ";de;": 4}
