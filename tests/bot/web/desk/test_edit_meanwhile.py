"""Two coordinators correct one request's text at once: the second edit, made on the text
as it was before the first, does not undo the first (a phone number taken out comes back,
and is published) - it is refused, saying so, with the typed text kept. Through the real web
server and the chat's login link, each coordinator in a browser of their own."""

from __future__ import annotations

import html as markup
import re

from db.statements import fetch_all
from tests.support.desk_client import asked_in_review, at_the_desk

ORIGINAL = "Bitte Einkauf, ruf mich an: 0171 2345678\nDanke"


def _was(page: str, request_id: int) -> str:
    """The text the card's edit form was shown with (its hidden ``was``)."""
    found = re.search(
        rf'action="/desk/queue/{request_id}/edit">.*?name="was" value="([^"]*)"', page, re.S
    )
    assert found, "the edit form carries the text it was shown with"
    return markup.unescape(found.group(1))


async def test_an_edit_of_an_older_text_does_not_undo_a_colleagues(db, site, web_chat):
    _site, base = site
    request = await asked_in_review(web_chat, db, "rita", "de", ORIGINAL)
    edit = f"/desk/queue/{request.id}/edit"
    async with (
        at_the_desk(web_chat, db, base, "cora") as cora,
        at_the_desk(web_chat, db, base, "carl") as carl,
    ):
        _status, cora_page = await cora.get("/desk/queue")
        _status, carl_page = await carl.get("/desk/queue")
        # A browser sends a form's line breaks as CR LF.
        shown = _was(carl_page, request.id).replace("\n", "\r\n")
        assert _was(cora_page, request.id) == ORIGINAL
        status, page = await cora.post(
            edit, {"text": "Bitte Einkauf\r\nDanke", "was": _was(cora_page, request.id)}
        )
        assert status == 200 and f"Text of request #{request.id} changed" in page
        typo_fixed = "Bitte Einkauf, ruf mich an: 0171 2345678\r\nDanke schön"
        status, page = await carl.post(edit, {"text": typo_fixed, "was": shown})
        assert status == 409, page
        assert f"The text of request #{request.id} was changed meanwhile" in page
        assert "Danke schön" in page  # what Carl typed, kept to edit again
        assert (await db.requests.get(request.id)).description == "Bitte Einkauf\nDanke"
        # Edited again from the text as it is now: taken.
        _status, carl_page = await carl.get("/desk/queue")
        status, page = await carl.post(
            edit, {"text": "Bitte Einkauf\r\nDanke schön", "was": _was(carl_page, request.id)}
        )
        assert status == 200 and f"Text of request #{request.id} changed" in page
    assert (await db.requests.get(request.id)).description == "Bitte Einkauf\nDanke schön"
    rows = await fetch_all(
        db.transactions,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'desk.edit' AND subject = ?",
        (f"request:{request.id}",),
    )
    assert rows[0][0] == 2  # Cora's and Carl's second; the refused one changed nothing
