"""The review queue says how long the oldest request has waited and lets a coordinator say
they are on duty (handlers/helping/review/review_pace.py), through the real web server."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from db import Database
from db.clock import to_text
from tests.support.desk_client import at_the_desk, desk_in_chromium


async def _waiting(db: Database, minutes: int) -> int:
    requester = await db.users.seen("memory", "rita", "rita", "Rita")
    request = await db.requests.create(
        requester.id, requester.id, category="shopping", description="Einkauf"
    )
    created = datetime.now(UTC) - timedelta(minutes=minutes)
    await db.execute(
        "UPDATE help_requests SET created_at = ? WHERE id = ?", (to_text(created), request.id)
    )
    return request.id


async def test_the_queue_shows_the_oldest_wait_and_the_duty_toggle(db, site, web_chat):
    _site, base = site
    async with at_the_desk(web_chat, db, base) as desk:
        status, page = await desk.get("/desk/queue")
        assert status == 200 and 'id="oldest-waiting"' not in page  # nothing waits
        oldest = await _waiting(db, 130)
        await _waiting(db, 20)
        status, page = await desk.get("/desk/queue")
        line = html.unescape(page[page.index('id="oldest-waiting"') :].split("</p>")[0])
        # Minutes may pass on a busy machine between setting the time and reading the page.
        assert f"#{oldest}" in line and re.search(r"2 hr 1\d min", line), line
        assert "I am on duty now" in page

        status, page = await desk.post("/desk/queue/duty", {"on": "1"})
        assert status == 200 and "You are on duty now" in page and "Go off duty" in page
        assert [person.id for person in await db.users.on_duty()] == [desk.user_id]
        status, page = await desk.post("/desk/queue/duty", {"on": "0"})
        assert "You are off duty" in page and "I am on duty now" in page
        assert await db.users.on_duty() == []
        # Bad input changes nothing.
        status, _page = await desk.post("/desk/queue/duty", {"on": "maybe"})
        assert status == 400 and await db.users.on_duty() == []


async def test_on_a_phone_the_oldest_wait_and_the_duty_button_are_in_the_first_screen(
    db, site, web_chat
):
    """At phone size (390 px) in Chromium, in Arabic (right to left): how long the oldest
    request waited and the duty button come before the cards, in the first screen, and the
    page never scrolls sideways; one press puts the coordinator on duty."""
    from tests.support import browser as chromium

    _site, base = site
    oldest = await _waiting(db, 130)
    await _waiting(db, 20)
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        await page.goto(f"{base}/desk/queue?lang=ar")
        line = page.locator("#oldest-waiting")
        said = await line.inner_text()
        # The number is isolated in the right-to-left line (U+2068 ... U+2069).
        assert f"#\u2068{oldest}\u2069" in said, said
        button = page.locator("#duty button")
        for shown in (line, button):
            box = await shown.bounding_box()
            assert box is not None and box["y"] + box["height"] <= chromium.PHONE["height"], box
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= chromium.PHONE["width"], width
        await chromium.assert_accessible(page, "desk review queue with the oldest wait (phone)")
        await button.click()
        await page.wait_for_load_state()
        assert [person.id for person in await db.users.on_duty()] == [desk.user_id]
        assert await page.locator("#duty button").count() == 1
        assert not desk.session.foreign, desk.session.foreign
