"""A desk action the lifecycle refuses because the request moved on says who moved it and
what it is now and when - on the request's page (ending one someone else just ended) as on the
queue (publishing one someone else already decided) - from the lifecycle's refusal
(``Refused.now``, ``Refused.by``). An action on a request that does not exist is a 404
saying so, not "this button is no longer valid". Over HTTP, on both database backends.
"""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest

from db import Database
from db.clock import from_text
from handlers.helping.vocabulary import STATE_LABELS
from locales import translator
from tests.support.desk_client import at_the_desk
from tests.support.memory_transport import MemoryTransport

# Who moved it is read from the request's audit trail: on both backends.
pytestmark = pytest.mark.both_backends

# A refusal reads as one: the error's colour, announced (desk/base.html).
NOTICE = re.compile(r'<p class="error" role="alert" id="desk-notice">(.*?)</p>', re.S)
EN = translator("en")


def notice(page: str) -> str:
    found = NOTICE.search(page)
    assert found, page
    return html.unescape(found.group(1))


async def _request(chat: MemoryTransport, db: Database, **values) -> int:
    await chat.onboard("rita", "en")
    rita = await db.users.find("memory", "rita")
    request = await db.requests.create(rita.id, rita.id, description="Bitte anrufen", **values)
    return request.id


async def _first_name(db: Database, user_id: int) -> str:
    user = await db.users.get(user_id)
    assert user is not None and user.first_name
    return user.first_name


async def _moved_at(db: Database, request_id: int, state: str) -> datetime:
    moves = [e for e in await db.requests.history(request_id) if e["action"] == f"request.{state}"]
    at = moves[-1]["at"]
    return at if isinstance(at, datetime) else from_text(at)


async def _twice(db: Database, web_chat: MemoryTransport, base: str, path: str) -> str:
    """Bodo posts ``path`` first, then Cora: refused (409), what her page says."""
    async with (
        at_the_desk(web_chat, db, base, "bodo") as bodo,
        at_the_desk(web_chat, db, base, "cora") as cora,
    ):
        status, _page = await bodo.post(path, {})
        assert status == 200
        status, page = await cora.post(path, {})
    assert status == 409
    said = notice(page)
    assert await _first_name(db, bodo.user_id) in said
    assert await _first_name(db, cora.user_id) not in said
    return said


@pytest.mark.parametrize(
    ("category", "state", "path", "now"),
    [
        # Ending a request someone else just ended: who ended it, and that it is withdrawn.
        ("talk", "open", "/desk/requests/{id}/end", "withdrawn"),
        # Publishing one someone else published: who decided, and that it is open now.
        ("shopping", "review", "/desk/queue/{id}/publish", "open"),
    ],
)
async def test_a_refusal_says_who_moved_the_request_and_what_it_is_now(
    db, site, web_chat, category, state, path, now
):
    _site, base = site
    request_id = await _request(web_chat, db, category=category, state=state)
    said = await _twice(db, web_chat, base, path.format(id=request_id))
    assert EN._(STATE_LABELS[now]) in said
    # And when Bodo did it, as the chat says it (handlers/helping/moved_on.py).
    assert str(EN.time(await _moved_at(db, request_id, now))) in said, said
    assert (await db.requests.get(request_id)).state == now


async def test_an_action_on_a_request_that_does_not_exist_is_a_404_saying_so(db, site, web_chat):
    _site, base = site
    request_id = await _request(web_chat, db, category="shopping")
    missing = request_id + 1000
    async with at_the_desk(web_chat, db, base, "cora") as cora:
        for action, form in (
            ("publish", {}),
            ("reject", {"reason": "duplicate"}),
            ("edit", {"text": "Brot und Milch, bitte"}),
            ("ask", {"text": "Wann passt es Ihnen?"}),
        ):
            status, page = await cora.post(f"/desk/queue/{missing}/{action}", form)
            assert status == 404, action
            said = notice(page)
            assert f"#{missing}" in said, action
            assert EN._("This button is no longer valid.") not in said
    assert (await db.requests.get(request_id)).state == "review"


async def test_reaching_a_resident_by_phone_on_a_request_someone_ended_says_who(db, site, web_chat):
    _site, base = site
    async with (
        at_the_desk(web_chat, db, base, "bodo") as bodo,
        at_the_desk(web_chat, db, base, "cora") as cora,
    ):
        entered = await db.requests.create(
            None,
            cora.user_id,
            state="open",
            entered_by=cora.user_id,
            category="talk",
            description="Frau Erna möchte reden",
            offline_contact="Erna, Tel. 0231 9876543",
        )
        status, _page = await bodo.post(f"/desk/requests/{entered.id}/end", {})
        assert status == 200
        form = {"number": "+492319876543", "first_name": "Erna", "language": "de"}
        status, page = await cora.post(f"/desk/requests/{entered.id}/phone", form)
    assert status == 409
    found = re.search(r'id="request-error">(.*?)</p>', page, re.S)
    assert found, page
    said = html.unescape(found.group(1))
    assert await _first_name(db, bodo.user_id) in said
    assert EN._(STATE_LABELS["withdrawn"]) in said
    assert (await db.requests.get(entered.id)).requester_id is None
