"""The desk shows what the posting limits hold back (issue 79, point 1): above the request
list, whatever the filters, each held request with its reason and until when; it opens as
any request. Through the real web server; failed before (a held request did not exist, and
a draft was "not found")."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

from db.clock import to_text
from handlers.helping import posting_limits
from handlers.helping.history import _STATES
from tests.support.desk_client import log_in
from tests.support.web_site import browser_session

HELD_BACK = _STATES["request.draft"]


async def test_held_requests_are_listed_with_their_reason_and_open(db, site, web_chat):
    _site, base = site
    rita = (await db.users.seen("memory", "rita", "rita", "Rita")).id
    until = to_text(datetime.now(UTC) + timedelta(minutes=9))
    held = await db.requests.create(
        rita,
        rita,
        held=(posting_limits.FLOOD, until),
        category="shopping",
        description="Bitte beim Einkauf helfen",
    )
    other = await db.requests.create(rita, rita, category="shopping", description="Noch etwas")
    async with browser_session(headers={"Accept-Language": "en"}) as browser:
        await log_in(web_chat, db, browser)
        # Filtered to another state, the held one is named all the same, with the reason.
        async with browser.get(f"{base}/desk/requests?state=matched") as page:
            listing = html.unescape(await page.text())
            assert page.status == 200
        assert f'id="held-{held.id}"' in listing and f'id="held-{other.id}"' not in listing
        assert posting_limits.COORDINATOR_REASONS[posting_limits.FLOOD] in listing
        async with browser.get(f"{base}/desk/requests/{held.id}") as page:
            assert page.status == 200
            detail = html.unescape(await page.text())
        assert "Bitte beim Einkauf helfen" in detail
        # Its history says it was held back, not "changed".
        assert HELD_BACK in detail
