"""The desk's door: /desk in a private chat sends a one-time link; the link opens a
session only once, only within ten minutes, only for coordinators; every desk page checks
the role and every form the CSRF token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from tests.support.desk_client import audited, coordinator
from tests.support.memory_transport import MemoryTransport, texts
from tests.support.web_site import browser_session, csrf_of, login_link


async def _request_in_review(db: Database, text: str = "Bitte beim Einkauf helfen") -> int:
    requester = await db.users.seen("memory", "rita", "rita", "Rita")
    request = await db.requests.create(
        requester.id, requester.id, category="shopping", description=text, languages=("de",)
    )
    return request.id


async def test_link_logs_in_once_and_the_queue_publishes(db, site, web_chat):
    _site, base = site
    await coordinator(web_chat, db, lang="en")
    request_id = await _request_in_review(db)
    link = login_link(texts(await web_chat.text("cora", "/desk")))
    async with browser_session() as browser:
        # Opening the link (as a link preview would) does not spend it.
        for _ in range(2):
            async with browser.get(link) as page:
                assert page.status == 200
                assert 'method="post"' in await page.text()
        async with browser.post(link, allow_redirects=False) as response:
            assert response.status == 303
            cookie = response.cookies["nb_desk"]
            assert cookie["httponly"] and cookie["samesite"] == "Strict"
            assert cookie["path"] == "/desk"
        async with browser.get(f"{base}/desk/queue") as page:
            html = await page.text()
            assert page.status == 200
            assert "Bitte beim Einkauf helfen" in html
            assert "no-store" in page.headers["Cache-Control"]
        token = csrf_of(html)
        # Without the token (or with another) nothing happens.
        for form in ({}, {"csrf": "x" * 43}):
            async with browser.post(f"{base}/desk/queue/{request_id}/publish", data=form) as r:
                assert r.status == 403
        assert (await db.requests.get(request_id)).state == "review"
        # From another site (a forged form) nothing happens either.
        async with browser.post(
            f"{base}/desk/queue/{request_id}/publish",
            data={"csrf": token},
            headers={"Origin": "https://evil.example"},
        ) as r:
            assert r.status == 403
        async with browser.post(
            f"{base}/desk/queue/{request_id}/publish", data={"csrf": token}
        ) as r:
            assert r.status == 200
            assert f"#{request_id}" in await r.text()
        assert (await db.requests.get(request_id)).state == "open"
        actions = [entry["action"] for entry in await db.requests.history(request_id)]
        assert "desk.publish" in actions
        # The requester is told, in the chat, the same way as after the group's button.
        await web_chat.flush()
        assert f"#{request_id}" in web_chat.received("rita")
    async with browser_session() as other, other.post(link, allow_redirects=False) as response:
        assert response.status == 403  # spent


async def test_a_second_decision_loses_cleanly(db, site, web_chat):
    _site, base = site
    await coordinator(web_chat, db, lang="en")
    request_id = await _request_in_review(db)
    link = login_link(texts(await web_chat.text("cora", "/desk")))
    async with browser_session() as browser:
        await browser.post(link)
        async with browser.get(f"{base}/desk/queue") as page:
            token = csrf_of(await page.text())
        await browser.post(f"{base}/desk/queue/{request_id}/publish", data={"csrf": token})
        async with browser.post(
            f"{base}/desk/queue/{request_id}/reject",
            data={"csrf": token, "reason": "scope"},
        ) as r:
            assert r.status == 409
            assert "cora" in (await r.text()).lower()
    assert (await db.requests.get(request_id)).state == "open"


async def test_residents_get_no_link_and_no_page(db, site, web_chat):
    _site, base = site
    await web_chat.onboard("rosa", "de")
    answer = texts(await web_chat.text("rosa", "/desk"))
    assert "/desk/login/" not in answer
    rosa = await db.users.find("memory", "rosa")
    # Even with a session (say, a coordinator whose role was taken away): 403 everywhere.
    session_id, _ = await db.desk.open_session(rosa.id, datetime.now(UTC))
    request_id = await _request_in_review(db)
    async with browser_session(cookies={"nb_desk": session_id}) as browser:
        for path in ("/desk", "/desk/queue"):
            async with browser.get(base + path) as page:
                assert page.status == 403
        async with browser.post(f"{base}/desk/queue/{request_id}/publish") as r:
            assert r.status == 403
    async with browser_session() as stranger, stranger.get(f"{base}/desk/queue") as page:
        assert page.status == 403
        assert "/desk" in await page.text()


async def test_expired_links_and_revoked_roles(db, site, web_chat):
    _site, base = site
    cora = await coordinator(web_chat, db, lang="en")
    old = await db.desk.issue_login(cora, datetime.now(UTC) - timedelta(minutes=11))
    async with browser_session() as browser:
        async with browser.post(f"{base}/desk/login/{old}", allow_redirects=False) as r:
            assert r.status == 403
        link = login_link(texts(await web_chat.text("cora", "/desk")))
        await browser.post(link)
        async with browser.get(f"{base}/desk/queue") as page:
            assert page.status == 200
        await db.users.revoke_role(cora, "coordinator")
        async with browser.get(f"{base}/desk/queue") as page:
            assert page.status == 403


async def test_without_the_web_the_command_says_so(db, settings):
    chat = MemoryTransport(Dispatcher(db, build_router(), settings))
    await coordinator(chat, db, lang="en")
    assert "not switched on" in texts(await chat.text("cora", "/desk"))


async def test_a_ban_or_a_removed_role_ends_sessions_and_links_for_good(db, site, web_chat):
    """Lifting the ban or giving the role back must not bring old sessions or unused links
    back to life: they end with the ban or the role."""
    _site, base = site
    cora = await coordinator(web_chat, db, lang="en")
    for take_away, give_back in (
        (lambda: db.users.set_banned(cora, True), lambda: db.users.set_banned(cora, False)),
        (
            lambda: db.users.revoke_role(cora, "coordinator"),
            lambda: db.users.grant_role(cora, "coordinator"),
        ),
    ):
        async with browser_session() as browser:
            await browser.post(login_link(texts(await web_chat.text("cora", "/desk"))))
            unused = login_link(texts(await web_chat.text("cora", "/desk")))
            async with browser.get(f"{base}/desk/queue") as page:
                assert page.status == 200
            await take_away()
            await give_back()
            async with browser.get(f"{base}/desk/queue") as page:
                assert page.status == 403
            async with browser.post(unused, allow_redirects=False) as response:
                assert response.status == 403
        # A new link works: the person is staff again.
        async with browser_session() as browser:
            await browser.post(login_link(texts(await web_chat.text("cora", "/desk"))))
            async with browser.get(f"{base}/desk/queue") as page:
                assert page.status == 200


async def test_a_banned_coordinator_gets_no_link(db, site, web_chat):
    cora = await coordinator(web_chat, db, lang="en")
    await db.users.set_banned(cora, True)
    answer = texts(await web_chat.text("cora", "/desk"))
    assert "/desk/login/" not in answer
    assert "blocked" in answer


async def test_log_out_everywhere(db, site, web_chat):
    """A lost phone: from the computer, every other session and unused link ends."""
    _site, base = site
    await coordinator(web_chat, db, lang="en")
    async with browser_session() as phone, browser_session() as computer:
        await phone.post(login_link(texts(await web_chat.text("cora", "/desk"))))
        await computer.post(login_link(texts(await web_chat.text("cora", "/desk"))))
        unused = login_link(texts(await web_chat.text("cora", "/desk")))
        async with computer.get(f"{base}/desk/queue") as page:
            html = await page.text()
            assert "/desk/logout/everywhere" in html
        async with computer.post(
            f"{base}/desk/logout/everywhere", data={"csrf": csrf_of(html)}, allow_redirects=False
        ) as response:
            assert response.status == 303
        for browser in (phone, computer):
            async with browser.get(f"{base}/desk/queue") as page:
                assert page.status == 403
        async with phone.post(unused, allow_redirects=False) as response:
            assert response.status == 403
    cora = await db.users.find("memory", "cora")
    assert "desk.logout_everywhere" in await audited(db, cora.id)
