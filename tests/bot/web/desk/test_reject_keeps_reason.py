"""A coordinator whose reject on the review queue is refused keeps what they chose and typed:
the reason is chosen again in the reopened form, and where the request has moved on
meanwhile (another coordinator published it: no card any more) the reason and the note are
shown on the page with what the request is now. In Chromium at phone size (390 px).

The desk's own reason and a summary are held to the city's ``max_text_length`` where it is
below their own figure (500), as the chat's steps are (router.written_limit, the one rule of
``Router.input_limit``): the field's maxlength and the lifecycle's refusal agree. Over HTTP.
"""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape

from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.helping import lifecycle
from handlers.helping.vocabulary import REJECT_REASONS, STATE_LABELS
from locales import translator
from tests.bot.web.desk.test_queue_written import TEXT, _in_review, _unchanged
from tests.support.desk_client import at_the_desk, desk_in_chromium
from tests.support.memory_transport import MemoryTransport
from tests.support.web_site import serving

EN = translator("en")
NOTE = "Bitte fragen Sie beim Bürgeramt am Friedensplatz nach."


async def test_a_refused_reject_keeps_the_reason_chosen_and_the_note(db, site, web_chat):
    _site, base = site
    first, amira = await _in_review(web_chat, db)
    amira_id = (await db.users.find("memory", "amira")).id
    created = await db.requests.create(amira_id, amira_id, category="shopping", description=TEXT)
    second = created.id
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        # Their own reason chosen and left blank: refused, the form open with it chosen again.
        card = page.locator(f"#request-{first}")
        await card.locator("summary", has_text="Reject").click()
        await card.get_by_label("Write a reason").check()
        await card.get_by_label("Your reason (the requester reads it)").fill("   ")
        async with page.expect_navigation():
            await card.get_by_role("button", name="Reject").click()
        card = page.locator(f"#request-{first}")
        assert await card.get_by_label("Your reason (the requester reads it)").is_visible()
        assert await card.get_by_label("Write a reason").is_checked()
        await _unchanged(web_chat, db, first, amira)

        # A listed reason and a note, while Bodo publishes the request: no card to keep them.
        scope = EN._(REJECT_REASONS["scope"])
        card = page.locator(f"#request-{second}")
        await card.locator("summary", has_text="Reject").click()
        await card.get_by_label(scope).check()
        await card.get_by_label("Your reason (the requester reads it)").fill(NOTE)
        async with at_the_desk(web_chat, db, base, "bodo") as bodo:
            status, _html = await bodo.post(f"/desk/queue/{second}/publish", {})
            assert status == 200
        async with page.expect_navigation():
            await card.get_by_role("button", name="Reject").click()
        main = await page.locator("main").inner_text()
        assert EN._(STATE_LABELS["open"]) in main, main
        kept = page.locator("#kept-typed")
        assert await kept.is_visible()
        shown = await kept.inner_text()
        assert scope in shown and NOTE in shown, shown
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        assert (await db.requests.get(second)).state == "open"


def _checked(page: str, request_id: int) -> list[str]:
    """The reasons chosen in request ``request_id``'s reject form."""
    card = page.split(f'id="request-{request_id}"', 1)[1].split("</article>", 1)[0]
    return re.findall(r'name="reason" value="(\w+)"[^>]*\bchecked\b', card)


async def test_a_city_below_the_notes_own_limit_holds_on_the_desk(db: Database, settings):
    most = 300  # below the 500 a reason of one's own and a summary keep
    async with serving(db, replace(settings, max_text_length=most)) as (served, base):
        chat = MemoryTransport(Dispatcher(db, build_router(), served.settings))
        request_id, amira = await _in_review(chat, db)
        # The chat's step for a reason of one's own takes as much as the desk shows.
        assert build_router().input_limit("mod.why", most) == most
        note = ("Bitte beim Bürgeramt fragen, dort hilft man weiter. " * 10)[: most + 1]
        reject = f"/desk/queue/{request_id}/reject"
        async with at_the_desk(chat, db, base) as desk:
            status, page = await desk.get("/desk/queue")
            assert re.search(rf'id="note-{request_id}"[^>]*maxlength="{most}"', page), page
            status, page = await desk.post(reject, {"reason": "scope", "note": note})
            assert status == 409
            assert str(EN.t(lifecycle.WRITE_BETWEEN, low=1, high=most)) in page
            assert note in unescape(page) and _checked(page, request_id) == ["scope"]
            await _unchanged(chat, db, request_id, amira)
            # A summary likewise: the field's maxlength, and the lifecycle refuses one more.
            status, page = await desk.get(f"/desk/requests/{request_id}")
            assert re.search(rf'id="summary-text"[^>]*maxlength="{most}"', page)
            summary = f"/desk/requests/{request_id}/summary"
            status, page = await desk.post(summary, {"text": note})
            assert status == 409 and not (await db.requests.get(request_id)).summary
            assert note in unescape(page)  # the typed summary back in its field
            # Within the limit, both are taken whole.
            status, _page = await desk.post(summary, {"text": note[:most]})
            assert status == 200
            status, _page = await desk.post(reject, {"reason": "scope", "note": note[:most]})
            assert status == 200
        await chat.flush()
        assert note[:most].strip() in chat.received(amira)
        assert (await db.requests.get(request_id)).state == "rejected"
