"""The desk's requests through the real web server: the list by state, district, kind of
help and age, oldest first in pages of 50; one request with its history and the
coordinators' actions; locations never finer than the ~500 m cell."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

from db import Database
from db.clock import to_text
from handlers.places.coarse import AREA, coarsen
from tests.support import browser as chromium
from tests.support.desk_client import desk_in_chromium, log_in
from tests.support.helping_people import verified_volunteer
from tests.support.web_site import browser_session, csrf_of

ROW = re.compile(r'id="request-row-(\d+)"')
EN = {"Accept-Language": "en"}
POINTS = re.compile(r'data-points="([^"]*)"')


async def _request(db: Database, requester: int, **values) -> int:
    state = values.pop("state", "open")
    values.setdefault("category", "shopping")
    values.setdefault("description", "Bitte beim Einkauf helfen")
    values.setdefault("stadtbezirk", "Innenstadt-Nord")
    values.setdefault("area_name", "Nordmarkt")
    values.setdefault("languages", ("de", "tr"))
    request = await db.requests.create(requester, requester, state=state, **values)
    return request.id


async def _age(db: Database, request_id: int, days: float) -> None:
    then = to_text(datetime.now(UTC) - timedelta(days=days))
    await db.execute("UPDATE help_requests SET created_at = ? WHERE id = ?", (then, request_id))


def _ids(page: str) -> list[int]:
    return [int(found) for found in ROW.findall(page)]


async def test_the_list_filters_and_pages_oldest_first(db, site, web_chat):
    _site, base = site
    rita = (await db.users.seen("memory", "rita", "rita", "Rita")).id
    open_ids = [await _request(db, rita) for _ in range(55)]
    review_ids = [
        await _request(db, rita, state="review", category="childcare", stadtbezirk="Eving")
        for _ in range(3)
    ]
    withdrawn = await _request(db, rita, state="review")
    await db.requests.transition(withdrawn, "withdrawn", rita)
    for request_id in open_ids[:4]:
        await _age(db, request_id, 4)
    async with browser_session(headers=EN) as browser:
        await log_in(web_chat, db, browser)
        async with browser.get(f"{base}/desk/requests") as page:
            first = await page.text()
            assert page.status == 200
        # Active requests by default (review, open, matched), oldest first, 50 a page.
        assert _ids(first) == sorted(open_ids + review_ids)[:50]
        assert "58 requests found" in first
        assert "Page 1 of 2" in first
        assert "Nordmarkt" in first and "Innenstadt-Nord" in first
        assert "published, looking for a helper" in first
        async with browser.get(f"{base}/desk/requests?page=2") as page:
            assert _ids(await page.text()) == sorted(open_ids + review_ids)[50:]
        for query, expected in (
            ("state=withdrawn", [withdrawn]),
            ("state=review&state=withdrawn", sorted([*review_ids, withdrawn])),
            ("bezirk=Eving", review_ids),
            ("category=childcare", review_ids),
            ("category=childcare&state=open", []),
            ("bezirk=Eving&category=shopping", []),
            ("older=3", open_ids[:4]),
            ("older=7", []),
            ("older=3&bezirk=Innenstadt-Nord&category=shopping&state=open", open_ids[:4]),
        ):
            async with browser.get(f"{base}/desk/requests?{query}") as page:
                assert page.status == 200, query
                assert _ids(await page.text()) == expected, query
        # The form keeps what was chosen.
        async with browser.get(f"{base}/desk/requests?bezirk=Eving&older=7") as page:
            text = await page.text()
            assert '<option value="Eving" selected>' in text
            assert '<option value="7" selected>' in text
        # Anything not on the lists is a clear 400, not an error page or a wider list.
        for query in ("state=lost", "bezirk=Atlantis", "category=piano", "older=2", "page=0"):
            async with browser.get(f"{base}/desk/requests?{query}") as page:
                assert page.status == 400, query
                body = await page.text()
                assert "not valid" in body and _ids(body) == []


async def test_no_location_finer_than_the_area_cell(db, site, web_chat):
    _site, base = site
    rita = (await db.users.seen("memory", "rita", "rita", "Rita")).id
    # A point stored more precisely than the chat ever keeps one (an old row, an import):
    # the desk still shows only its ~500 m cell.
    exact = (51.523456, 7.461234)
    request_id = await _request(db, rita, lat=exact[0], lon=exact[1])
    beside = await _request(db, rita, lat=51.5231, lon=7.4609)
    cell = coarsen(*exact, AREA)
    assert coarsen(51.5231, 7.4609, AREA) == cell
    async with browser_session(headers=EN) as browser:
        await log_in(web_chat, db, browser)
        for path in ("/desk/requests", f"/desk/requests/{request_id}"):
            async with browser.get(base + path) as page:
                body = await page.text()
            assert page.status == 200
            points = json.loads(html.unescape(POINTS.search(body).group(1)))
            ids = [request_id, beside] if path == "/desk/requests" else [request_id]
            assert points == [{"lat": cell[0], "lon": cell[1], "ids": ids}]
            # Every coordinate-like number on the page is the cell's, none finer.
            assert set(re.findall(r"\b51\.\d+", body)) == {str(cell[0])}
            assert set(re.findall(r"\b7\.\d{3,}", body)) == {str(cell[1])}
            assert "51.523456" not in body and "7.461234" not in body
            assert "/vendor/leaflet/leaflet.js" in body and "desk-map.js" in body


async def test_one_request_its_history_and_the_actions_of_its_state(db, site, web_chat):
    _site, base = site
    await web_chat.onboard("vera", "en")
    vera = await db.users.find("memory", "vera")
    await verified_volunteer(db, vera.id)  # no quiet hours: the test may run at night
    rita = (await db.users.seen("memory", "rita", "rita", "Rita")).id
    waiting = await _request(db, rita, state="review", description="Wer hilft beim Tragen?")
    open_id = await _request(db, rita)
    async with browser_session(headers=EN) as browser:
        cora = await log_in(web_chat, db, browser)
        async with browser.get(f"{base}/desk/requests/{waiting}") as page:
            body = await page.text()
            assert page.status == 200
        assert "Wer hilft beim Tragen?" in body and "Rita" in body
        assert f'href="/desk/queue#request-{waiting}"' in body
        assert 'id="reoffer-form"' not in body and 'id="summary-form"' in body
        # The history says what happened in the reader's words, not the log's codes.
        assert 'id="history-table"' in body and "Sent for checking" in body
        assert "request.review" not in body
        async with browser.get(f"{base}/desk/requests/{open_id}") as page:
            body = await page.text()
        assert 'id="reoffer-form"' in body
        token = csrf_of(body)
        # Without the session's token nothing is offered.
        async with browser.post(f"{base}/desk/requests/{open_id}/reoffer", data={}) as r:
            assert r.status == 403
        assert not await db.volunteers.was_offered(open_id, vera.id)
        async with browser.post(
            f"{base}/desk/requests/{open_id}/reoffer", data={"csrf": token}
        ) as r:
            assert r.status == 200
            assert "offered to 1 more volunteer" in await r.text()
        assert await db.volunteers.was_offered(open_id, vera.id)
        # Nobody left who qualifies: said plainly, not "offered to 0 more".
        async with browser.post(
            f"{base}/desk/requests/{open_id}/reoffer", data={"csrf": token}
        ) as r:
            assert r.status == 200
            assert f"Nobody left to offer #{open_id} to now" in await r.text()
        history = await db.requests.history(open_id)
        assert {"desk.reoffer", "request.reoffer"} <= {entry["action"] for entry in history}
        assert any(e["action"] == "desk.reoffer" and e["actor_id"] == cora for e in history)
        async with browser.get(f"{base}/desk/requests/{open_id}") as page:
            body = await page.text()
        assert "Offered again · 🖥 on the desk" in body and "desk.reoffer" not in body
        # Who was asked, in how many waves, and when the next one goes.
        assert 'id="offer-waves"' in body and "👥 Asked: 1. Waves: 1." in body
        assert "Vera" in body and "⏭ Next wave:" in body
        await web_chat.flush()
        assert f"#{open_id}" in web_chat.received("vera")
        # A summary: empty is refused with the form, a text is saved through the lifecycle.
        async with browser.post(
            f"{base}/desk/requests/{open_id}/summary", data={"csrf": token, "text": "  "}
        ) as r:
            assert r.status == 422
            assert 'id="summary-form"' in await r.text()
        assert (await db.requests.get(open_id)).summary == ""
        async with browser.post(
            f"{base}/desk/requests/{open_id}/summary",
            data={"csrf": token, "text": "Einkauf am Dienstag"},
        ) as r:
            assert r.status == 200
        assert (await db.requests.get(open_id)).summary == "Einkauf am Dienstag"
        # A request that moved on: the action is refused with the page, nothing happens.
        await db.requests.transition(open_id, "withdrawn", rita)
        async with browser.post(
            f"{base}/desk/requests/{open_id}/reoffer", data={"csrf": token}
        ) as r:
            assert r.status == 409
            assert "Nothing to do in this state" in await r.text()
        for missing in ("999999", "x1"):
            async with browser.get(f"{base}/desk/requests/{missing}") as page:
                assert page.status == 404


async def test_residents_see_no_request_pages(db, site, web_chat):
    _site, base = site
    rita = (await db.users.seen("memory", "rita", "rita", "Rita")).id
    request_id = await _request(db, rita)
    async with browser_session() as stranger:
        for path in ("/desk/requests", f"/desk/requests/{request_id}"):
            async with stranger.get(base + path) as page:
                assert page.status == 403
                assert "Nordmarkt" not in await page.text()
        async with stranger.post(f"{base}/desk/requests/{request_id}/reoffer") as page:
            assert page.status == 403


async def test_the_page_says_that_the_requester_uses_easy_language(db, site, web_chat):
    _site, base = site
    rita = (await db.users.seen("memory", "rita", "rita", "Rita")).id
    omar = (await db.users.seen("memory", "omar", "omar", "Omar")).id
    await db.users.set_easy_language(rita, True)
    easy_id, usual_id = await _request(db, rita), await _request(db, omar)
    async with browser_session(headers=EN) as browser:
        await log_in(web_chat, db, browser)
        async with browser.get(f"{base}/desk/requests/{easy_id}") as page:
            easy = await page.text()
        async with browser.get(f"{base}/desk/requests/{usual_id}") as page:
            usual = await page.text()
    assert 'id="requester-easy">🟢 Uses easy language<' in easy
    assert "Rita" in easy and "Omar" in usual
    assert "easy language" not in usual.lower()


async def test_a_talk_request_says_so_and_a_coordinator_ends_it(db, site, web_chat):
    # Talk now (issue 57 point 8): the page says it, and "⏹ End" ends it through the
    # lifecycle, the requester told.
    _site, base = site
    rita = (await db.users.seen("memory", "rita", "rita", "Rita")).id
    await db.users.set_language(rita, "en")
    await db.users.record_consent(rita)
    talk = await _request(db, rita, category="talk")
    shopping = await _request(db, rita)
    async with browser_session(headers=EN) as browser:
        await log_in(web_chat, db, browser)
        async with browser.get(f"{base}/desk/requests/{shopping}") as page:
            assert 'id="end-form"' not in await page.text()
        async with browser.get(f"{base}/desk/requests/{talk}") as page:
            body = await page.text()
        assert 'id="talk-now"' in body and 'id="end-form"' in body
        token = csrf_of(body)
        async with browser.post(f"{base}/desk/requests/{talk}/end", data={}) as r:
            assert r.status == 403
        assert (await db.requests.get(talk)).state == "open"
        async with browser.post(f"{base}/desk/requests/{talk}/end", data={"csrf": token}) as r:
            assert r.status == 200
            body = await r.text()
        assert f"Request #{talk} is ended" in body and 'id="end-form"' not in body
    assert (await db.requests.get(talk)).state == "withdrawn"
    history = await db.requests.history(talk)
    assert {"desk.end", "request.end"} <= {entry["action"] for entry in history}
    await web_chat.flush()
    assert f"#{talk}" in web_chat.received("rita")


def _cut(page: str, start: str, end: str) -> str:
    return page.split(start, 1)[1].split(end, 1)[0] if start in page else ""


async def test_the_list_shows_who_is_waiting_to_talk_and_how_long(db, site, web_chat):
    # Talk now (issue 57 point 8): a waiting "just talk" request is marked in its row
    # (icon and words) with its waiting time, and named above the list whatever the filter.
    _site, base = site
    rita = (await db.users.seen("memory", "rita", "rita", "Rita")).id
    waiting = await _request(db, rita, category="talk", area_name="Borsigplatz")
    opened = to_text(datetime.now(UTC) - timedelta(minutes=25))
    await db.execute("UPDATE help_requests SET opened_at = ? WHERE id = ?", (opened, waiting))
    await _age(db, waiting, 2)  # made long before it was published: the wait counts from then
    checked = await _request(db, rita, state="review", category="talk")
    await _age(db, checked, 3 / 24)
    vera = (await db.users.seen("memory", "vera", "vera", "Vera")).id
    talking = await _request(db, rita, category="talk")
    await db.requests.transition(talking, "matched", vera, volunteer_id=vera)
    shopping = await _request(db, rita)
    async with browser_session(headers=EN) as browser:
        await log_in(web_chat, db, browser)
        async with browser.get(f"{base}/desk/requests") as page:
            assert page.status == 200
            body = html.unescape(await page.text())
        banner = _cut(body, 'id="talk-waiting"', "</section>")
        assert "📞 Waiting to talk now" in banner
        assert f'id="talk-waiting-{waiting}"' in banner and f'id="talk-waiting-{checked}"' in banner
        assert f"talk-waiting-{talking}" not in banner and f"talk-waiting-{shopping}" not in banner
        assert "waiting 25 minutes" in _cut(banner, f'id="talk-waiting-{waiting}"', "</li>")
        assert "waiting 3 hours" in _cut(banner, f'id="talk-waiting-{checked}"', "</li>")
        row = _cut(body, f'id="request-row-{waiting}"', "</tr>")
        assert "📞 wants to talk now" in row and "⏳ waiting 25 minutes" in row
        assert "talk-row" in row
        for other in (talking, shopping):
            row = _cut(body, f'id="request-row-{other}"', "</tr>")
            assert row and "wants to talk now" not in row and "waiting" not in row
        # Another filter and page: the callers waiting to talk are still named above.
        async with browser.get(f"{base}/desk/requests?category=shopping") as page:
            body = html.unescape(await page.text())
        assert _ids(body) == [shopping]
        assert f'id="talk-waiting-{waiting}"' in body
    async with browser_session(headers={"Accept-Language": "de"}) as browser:
        await log_in(web_chat, db, browser, "dora")
        async with browser.get(f"{base}/desk/requests") as page:
            body = html.unescape(await page.text())
        assert "wartet schon 25 Minuten" in _cut(body, f'id="talk-waiting-{waiting}"', "</li>")
    await db.requests.transition(waiting, "withdrawn", rita)
    await db.requests.transition(checked, "withdrawn", rita)
    async with browser_session(headers=EN) as browser:
        await log_in(web_chat, db, browser, "erik")
        async with browser.get(f"{base}/desk/requests") as page:
            assert 'id="talk-waiting"' not in await page.text()


async def test_on_a_phone_a_caller_waiting_to_talk_is_in_the_first_screen(db, site, web_chat):
    """At phone size (390 px) in Chromium: the callers waiting to talk come before the list,
    in the first screen, each a link at least 44 px tall that opens the request."""
    _site, base = site
    rita = (await db.users.seen("memory", "rita", "rita", "Rita")).id
    for _ in range(3):
        await _request(db, rita)
    waiting = await _request(db, rita, category="talk")
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        await page.goto(f"{base}/desk/requests")
        item = page.locator(f"#talk-waiting-{waiting}")
        assert "waiting" in await item.inner_text()
        target = await item.locator("a").bounding_box()
        assert target is not None and target["height"] >= 44 and target["width"] >= 24
        assert target["y"] + target["height"] <= chromium.PHONE["height"], target
        await chromium.assert_accessible(page, "desk requests with a caller waiting (phone)")
        async with page.expect_navigation(url=f"**/desk/requests/{waiting}"):
            await item.locator("a").click()
        assert await page.locator("#talk-now").count() == 1
        assert not desk.session.foreign, desk.session.foreign
