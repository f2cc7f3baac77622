"""What a coordinator writes on the review queue (a reason of their own, a question, a
corrected text), in Chromium at phone size: a blank one is refused with how long it may
be - not "this button is no longer valid" - and changes nothing: the request keeps its
text and state, the requester is told nothing. Over HTTP: a text longer than the desk keeps
is refused, never cut short unseen; the edit field lets a browser type no more than that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from db import Database
from handlers.helping import lifecycle
from handlers.router import written_limit
from locales import translator
from tests.support.desk_client import at_the_desk, desk_in_chromium
from tests.support.memory_transport import MemoryTransport

if TYPE_CHECKING:
    from playwright.async_api import Page

TEXT = "Brot und Milch aus dem Supermarkt, bitte"


async def _in_review(chat: MemoryTransport, db: Database) -> tuple[int, str]:
    """Amira's request waiting for review; her chat id."""
    await chat.onboard("amira", "de")
    amira = await db.users.find("memory", "amira")
    request = await db.requests.create(amira.id, amira.id, category="shopping", description=TEXT)
    return request.id, amira.chat_id


async def _unchanged(chat: MemoryTransport, db: Database, request_id: int, amira: str) -> None:
    request = await db.requests.get(request_id)
    assert request is not None and request.state == "review" and request.description == TEXT
    told = len(chat.inbox.get(amira, []))
    await chat.flush()
    assert len(chat.inbox.get(amira, [])) == told, chat.received(amira)


async def _send(page: Page, request_id: int, action: str, field: str, text: str, button: str):
    """Open the card's ``action``, write ``text`` into ``field`` (a label; "" for the own
    reason's choice alone) and press ``button``: the page's main text after it."""
    card = page.locator(f"#request-{request_id}")
    await card.locator("summary", has_text=action).click()
    if field:
        await card.get_by_label(field).fill(text)
    else:
        await card.get_by_label("Write a reason").check()
    async with page.expect_navigation():
        await card.get_by_role("button", name=button).click()
    return await page.locator("main").inner_text()


async def test_a_blank_reason_question_or_text_is_refused_and_changes_nothing(db, site, web_chat):
    request_id, amira = await _in_review(web_chat, db)
    t = translator("en")
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        await web_chat.flush()
        # A reason of one's own, chosen and left empty.
        notice = await _send(page, request_id, "Reject", "", "", "Reject")
        assert t.t(lifecycle.WRITE_BETWEEN, low=1, high=lifecycle.NOTE_LIMIT) in notice, notice
        assert t.t("This button is no longer valid.") not in notice
        await _unchanged(web_chat, db, request_id, amira)
        # The text replaced by blanks (the field's "required" lets them through).
        notice = await _send(page, request_id, "Edit text", "New text", "   \n  ", "Save")
        high = written_limit(site[0].settings.max_text_length)  # the city's, 500 here
        assert t.t(lifecycle.WRITE_BETWEEN, low=1, high=high) in notice, notice
        await _unchanged(web_chat, db, request_id, amira)
        # The edit field takes no more than the request keeps.
        field = page.locator(f"#request-{request_id}").get_by_label("New text")
        assert await field.get_attribute("maxlength") == str(high)
        # A question of blanks.
        notice = await _send(page, request_id, "Ask the requester", "Your question", "  ", "Send")
        assert t.t(lifecycle.WRITE_BETWEEN, low=1, high=high) in notice
        assert t.t(lifecycle.CANNOT_CHANGE) not in notice
        await _unchanged(web_chat, db, request_id, amira)


async def test_a_text_too_long_is_refused_not_cut_short(db, site, web_chat):
    _site, base = site
    request_id, amira = await _in_review(web_chat, db)
    async with at_the_desk(web_chat, db, base) as desk:
        await web_chat.flush()
        long = "Einkauf " * 200  # 1,600 characters
        status, _page = await desk.post(f"/desk/queue/{request_id}/edit", {"text": long})
        assert status == 409
        status, _page = await desk.post(
            f"/desk/queue/{request_id}/reject", {"reason": "other", "note": long}
        )
        assert status == 409
        await _unchanged(web_chat, db, request_id, amira)
        # A note beside a listed reason is what the requester reads.
        status, _page = await desk.post(
            f"/desk/queue/{request_id}/reject", {"reason": "scope", "note": "Bitte beim Amt"}
        )
        assert status == 200
        await web_chat.flush()
        assert "Bitte beim Amt" in web_chat.received(amira)
