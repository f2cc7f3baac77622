"""Two coordinators press *📣 Offer again* on the same request, each from the page they
had open: the second press sends no second wave (the next volunteers, whom nobody meant to
ask), says who offered it again and when, and its page's new form offers again if more
are needed. Through the real web server, each form as its page gave it."""

from __future__ import annotations

import re

from db import Database
from tests.support.desk_client import DeskClient, at_the_desk
from tests.support.helping_people import person, verified_volunteer

# Where the twelve volunteers help: each wave asks some of them.
SHOPPING = {"category": "shopping", "stadtbezirk": "Innenstadt-Nord", "languages": ("de",)}
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def _reoffer_form(page: str) -> dict[str, str]:
    form = page[page.index('id="reoffer-form"') :]
    return dict(HIDDEN.findall(form[: form.index("</form>")]))


async def _page(desk: DeskClient, request_id: int) -> str:
    status, page = await desk.get(f"/desk/requests/{request_id}")
    assert status == 200
    return page


async def test_a_second_offer_again_from_an_older_page_sends_nothing(db: Database, site, web_chat):
    _site, base = site
    for n in range(12):
        volunteer = await person(db, f"vol{n}", platform="memory")
        await verified_volunteer(db, volunteer.id)
    rita = (await db.users.seen("memory", "rita", "rita", "Rita")).id
    request = await db.requests.create(rita, rita, state="open", **SHOPPING)
    async with (
        at_the_desk(web_chat, db, base, "cora") as cora,
        at_the_desk(web_chat, db, base, "carl") as carl,
    ):
        cora_form = _reoffer_form(await _page(cora, request.id))
        carl_form = _reoffer_form(await _page(carl, request.id))
        status, _ = await cora.post(f"/desk/requests/{request.id}/reoffer", cora_form)
        assert status == 200
        asked = await db.volunteers.offered(request.id)
        assert asked
        status, page = await carl.post(f"/desk/requests/{request.id}/reoffer", carl_form)
        assert status == 409
        assert await db.volunteers.offered(request.id) == asked
        assert "Cora" in page and f"#{request.id}" in page, page
        # The refused page's form is today's: pressed, it offers again.
        status, _ = await carl.post(f"/desk/requests/{request.id}/reoffer", _reoffer_form(page))
        assert status == 200
        assert len(await db.volunteers.offered(request.id)) > len(asked)
