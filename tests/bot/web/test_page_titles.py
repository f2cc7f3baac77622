"""Issue 41, point 13: a page's <title> carries no bidi controls.

Browsers show a title in the tab, the window's bar, the history and bookmarks, where the
isolation marks around a value print as boxes ("الطلب #⁨1⁩")."""

from __future__ import annotations

import re

from db import Database
from tests.support.desk_client import log_in
from tests.support.web_site import browser_session

TITLE = re.compile(r"<title>(.*?)</title>", re.S)
CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


async def test_the_arabic_request_page_title_has_no_marks(db: Database, site, web_chat):
    _site, base = site
    rita = (await db.users.seen("memory", "rita", "rita", "Rita")).id
    request = await db.requests.create(
        rita,
        rita,
        state="review",
        category="shopping",
        description="\u202eBitte helfen",
        stadtbezirk="Innenstadt-Nord",
        area_name="Nordmarkt",
        languages=("de",),
    )
    async with browser_session(headers={"Accept-Language": "ar"}) as browser:
        await log_in(web_chat, db, browser)
        async with browser.get(f"{base}/desk/requests/{request.id}") as page:
            assert page.status == 200
            body = await page.text()
    title = TITLE.search(body)
    assert title, body[:500]
    # "(1)": the one request waiting for review, which every desk page's tab carries.
    assert title.group(1) == f"(1) الطلب #{request.id} · nachbarbot"
    # The marks stay in the page itself, around the values in the Arabic text.
    assert "\u2068" in body[title.end() :]
