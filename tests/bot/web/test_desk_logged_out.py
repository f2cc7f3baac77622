"""Issue 41, point 11: logging out of the desk says so, instead of greeting the person who
has just logged out with "only for coordinators"."""

from __future__ import annotations

import pytest

from locales import translator
from tests.support.desk_client import coordinator
from tests.support.memory_transport import texts
from tests.support.web_site import browser_session, csrf_of, login_link


@pytest.mark.parametrize("path", ["/desk/logout", "/desk/logout/everywhere"])
async def test_logging_out_lands_on_logged_out(db, site, web_chat, path):
    _site, base = site
    await coordinator(web_chat, db, lang="en")
    async with browser_session() as browser:
        await browser.post(login_link(texts(await web_chat.text("cora", "/desk"))))
        async with browser.get(f"{base}/desk/queue") as page:
            html = await page.text()
        async with browser.post(f"{base}{path}", data={"csrf": csrf_of(html)}) as page:
            html = await page.text()
            assert page.status == 200
        # Logged out, the page speaks the city's language (no session says otherwise).
        t = translator("de")
        assert t._("✅ You are logged out.") in html
        assert t._("⛔ The desk is only for coordinators.") not in html
        assert "/desk" in html  # how to come back
        # Logged out for real: the queue is refused.
        async with browser.get(f"{base}/desk/queue") as page:
            assert page.status == 403
