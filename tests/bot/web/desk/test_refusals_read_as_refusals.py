"""A step refused on the desk reads as refused at a glance: its answer (409, 422) shows
the reason in the error's colour and announces it (role="alert"), never in the green,
quiet box of a step done - a coordinator on a phone who sees green takes it as saved.
Through the real web server: a summary of 5,000 characters (refused, kept in its field)
and one that fits (saved)."""

from __future__ import annotations

import re

from tests.support.desk_client import at_the_desk

SHOWN = re.compile(r'<p class="([^"]+)" role="([^"]+)" id="desk-notice">(.*?)</p>', re.S)


async def test_a_refusal_is_shown_and_announced_as_one(db, site, web_chat):
    _site, base = site
    rita = (await db.users.seen("memory", "rita", "rita", "Rita")).id
    request = await db.requests.create(
        rita, rita, state="open", category="shopping", description="Einkauf"
    )
    async with at_the_desk(web_chat, db, base) as desk:
        path = f"/desk/requests/{request.id}/summary"
        for typed in ("S" * 5000, "   "):
            status, page = await desk.post(path, {"text": typed})
            assert status in (409, 422), status
            shown = SHOWN.search(page)
            assert shown is not None, page
            assert (shown.group(1), shown.group(2)) == ("error", "alert"), shown.groups()
            assert typed.strip() in page  # kept in its field, to shorten
        assert (await db.requests.get(request.id)).summary == ""
        status, page = await desk.post(path, {"text": "Einkauf am Dienstag"})
        assert status == 200
        shown = SHOWN.search(page)
        assert shown is not None and (shown.group(1), shown.group(2)) == ("notice", "status")
