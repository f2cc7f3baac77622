"""A coordinator whose desk session ended while they wrote (a reason of their own) keeps
what they typed: the refused POST answers that the session ended and how to sign in again,
with a form carrying the typed fields back; sent again after signing in, the new session
asks to confirm under its own token, and only that confirmation acts. Over HTTP, the real
desk: a POST without a valid token still changes nothing, one from another origin carries
nothing back."""

from __future__ import annotations

from html.parser import HTMLParser

from db.statements import execute
from tests.support.desk_client import at_the_desk, desk_in_chromium
from tests.support.memory_transport import texts
from tests.support.web_site import login_link

TEXT = "Brot und Milch aus dem Supermarkt, bitte"
NOTE = "Das übernimmt diese Woche der Besuchsdienst der Kirchengemeinde"


class _Form(HTMLParser):
    """The page's last POST form: its action and its fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and found.get("method") == "post":
            self.action, self.fields = found.get("action") or "", []
        if tag == "input" and found.get("name"):
            self.fields.append((str(found["name"]), found.get("value") or ""))


def _form(html: str) -> _Form:
    form = _Form()
    form.feed(html)
    return form


async def test_an_ended_session_keeps_the_reason_and_sends_it_after_signing_in(db, site, web_chat):
    _site, base = site
    await web_chat.onboard("amira", "de")
    amira = await db.users.find("memory", "amira")
    request = await db.requests.create(amira.id, amira.id, category="shopping", description=TEXT)
    path = f"/desk/queue/{request.id}/reject"
    async with at_the_desk(web_chat, db, base) as desk:
        await web_chat.flush()
        told = len(web_chat.inbox.get(amira.chat_id, []))
        # Twelve hours on: the session has ended while the coordinator wrote.
        await execute(db.transactions, "UPDATE desk_sessions SET expires_at = '2000-01-01'")
        typed = {"reason": "other", "note": NOTE}
        status, html = await desk.post(path, typed, headers={"Origin": "https://evil.example"})
        assert status == 403 and NOTE not in html  # another origin: nothing carried back
        status, html = await desk.post(path, typed)
        assert status == 403
        kept = _form(html)
        assert kept.action == path
        assert ("note", NOTE) in kept.fields and ("reason", "other") in kept.fields
        assert "csrf" not in dict(kept.fields)  # no token while there is no session
        assert "/desk" in html and NOTE in html  # shown, and how to sign in again
        assert (await db.requests.get(request.id)).state == "review"
        # Signing in again in this browser; the kept page sends the same fields again.
        link = login_link(texts(await web_chat.text("cora", "/desk")))
        async with desk.browser.post(link) as response:
            assert response.status == 200
        status, html = await desk.post(path, list(kept.fields))
        assert status == 403  # the old page's token: nothing done, confirm under the new one
        confirm = _form(html)
        assert confirm.action == path and ("note", NOTE) in confirm.fields
        token = dict(confirm.fields)["csrf"]
        assert token and token != desk.csrf
        assert (await db.requests.get(request.id)).state == "review"
        await web_chat.flush()
        assert len(web_chat.inbox.get(amira.chat_id, [])) == told
        # The confirmation acts, once, with what was typed.
        status, _html = await desk.post(path, list(confirm.fields))
        assert status == 200
        assert (await db.requests.get(request.id)).state == "rejected"
        await web_chat.flush()
        assert NOTE in web_chat.received(amira.chat_id)


async def test_in_chromium_the_kept_reason_is_sent_after_signing_in_in_another_tab(
    db, site, web_chat
):
    from tests.support import browser as chromium

    await web_chat.onboard("amira", "de")
    amira = await db.users.find("memory", "amira")
    request = await db.requests.create(amira.id, amira.id, category="shopping", description=TEXT)
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        await page.reload()
        card = page.locator(f"#request-{request.id}")
        await card.locator("summary", has_text="Reject").click()
        await card.get_by_label("Write a reason").check()
        await card.locator("textarea[name=note]").fill(NOTE)
        # The session ends while the reason is written.
        await execute(db.transactions, "UPDATE desk_sessions SET expires_at = '2000-01-01'")
        async with page.expect_navigation():
            await card.get_by_role("button", name="Reject").click()
        assert NOTE in await page.locator("main").inner_text()
        # Signing in again in another tab of the same browser, then back to the kept page.
        link = login_link(texts(await web_chat.text("cora", "/desk")))
        other = await desk.session.context.new_page()
        await chromium.desk_log_in(other, link)
        for _confirm in range(2):  # sent again; then confirmed under the new session's token
            assert (await db.requests.get(request.id)).state == "review"
            async with page.expect_navigation():
                await page.get_by_role("button", name="Send again").click()
        assert (await db.requests.get(request.id)).state == "rejected"
        await web_chat.flush()
        assert NOTE in web_chat.received(amira.chat_id)
