"""Two coordinators write one request's summary at once: the second save, made on the summary
as it was before the first, does not overwrite the first without knowing - it is refused,
saying so, the summary as it is now shown and the typed one kept. Through the real web server
and the chat's login link, each coordinator in a browser of their own."""

from __future__ import annotations

import html as markup
import re

from tests.support.desk_client import asked_in_review, at_the_desk


def _was(page: str) -> str:
    """The summary the request page's summary form was shown with (its hidden ``was``)."""
    found = re.search(r'id="summary-form".*?name="was" value="([^"]*)"', page, re.S)
    assert found, "the summary form carries the summary it was shown with"
    return markup.unescape(found.group(1))


async def test_a_summary_saved_on_an_older_one_does_not_overwrite_a_colleagues(db, site, web_chat):
    _site, base = site
    request = await asked_in_review(web_chat, db, "rita", "fa", "خرید از فروشگاه")
    url = f"/desk/requests/{request.id}"
    async with (
        at_the_desk(web_chat, db, base, "cora") as cora,
        at_the_desk(web_chat, db, base, "carl") as carl,
    ):
        _status, cora_page = await cora.get(url)
        _status, carl_page = await carl.get(url)
        status, page = await cora.post(
            f"{url}/summary", {"text": "Einkauf im Supermarkt", "was": _was(cora_page)}
        )
        assert status == 200 and f"Summary of request #{request.id} saved" in page, page
        status, page = await carl.post(
            f"{url}/summary", {"text": "Einkauf, Apotheke", "was": _was(carl_page)}
        )
        assert status == 409, page
        assert f"The summary of request #{request.id} was changed meanwhile" in page
        assert "Einkauf, Apotheke" in page  # what Carl typed, kept
        now = re.search(r'<blockquote id="summary-now">(.*?)</blockquote>', page, re.S)
        assert now and "Einkauf im Supermarkt" in now.group(1)  # the summary as it is now
        assert (await db.requests.get(request.id)).summary == "Einkauf im Supermarkt"
        # Saved again from the summary as it is now: taken.
        _status, carl_page = await carl.get(url)
        status, page = await carl.post(
            f"{url}/summary", {"text": "Einkauf und Apotheke", "was": _was(carl_page)}
        )
        assert status == 200 and f"Summary of request #{request.id} saved" in page, page
    assert (await db.requests.get(request.id)).summary == "Einkauf und Apotheke"
