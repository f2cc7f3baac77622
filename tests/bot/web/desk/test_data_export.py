"""The coordinators give a phone or SMS resident their data file (they cannot receive one
by call or text): on the page of the resident's request, "📄 Export data (JSON)" downloads
the same document /mydata sends, recorded as a decision about the resident. Coordinators
only at the moment of the request, with the form's token. Through the real web server and
the chat's login link."""

from __future__ import annotations

import json

import pytest

from db import Database
from db.statements import fetch_all
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support.desk_client import log_in
from tests.support.fileless_desk import fileless, served, site, web_chat
from tests.support.memory_transport import MemoryTransport, texts
from tests.support.web_site import browser_session, csrf_of

__all__ = ["fileless", "served", "site", "web_chat"]  # fixtures, used by name

EN = {"Accept-Language": "en"}
NUMBER = "+492319876543"


async def _resident(db: Database, platform: str = "phone", number: str = NUMBER) -> tuple[int, int]:
    """A resident on ``platform`` with a request: (their id, the request's)."""
    person = await db.users.seen(platform, number, number, "")
    await db.users.set_language(person.id, "de")
    await db.users.record_consent(person.id)
    request = await db.requests.create(
        person.id, person.id, category="shopping", description="Einkauf", stadtbezirk="Hörde"
    )
    return person.id, request.id


async def _exports(db: Database) -> list[tuple]:
    return [
        tuple(row)
        for row in await fetch_all(
            db.transactions,
            "SELECT actor_id, subject FROM audit_log WHERE action = 'desk.export' ORDER BY id",
            (),
        )
    ]


@pytest.mark.parametrize("platform", ["phone", "sms"])
async def test_the_coordinator_downloads_a_phone_or_sms_residents_file_and_it_is_recorded(
    db: Database, site: str, web_chat: MemoryTransport, fileless: HandlerSettings, platform: str
):
    resident, request_id = await _resident(db, platform)
    async with browser_session(headers=EN) as browser:
        cora = await log_in(web_chat, db, browser)
        async with browser.get(f"{site}/desk/requests/{request_id}") as page:
            body = await page.text()
        assert page.status == 200 and 'id="data-export-form"' in body
        assert f'action="/desk/people/{resident}/data.json"' in body
        assert "Export data (JSON)" in body
        async with browser.post(
            f"{site}/desk/people/{resident}/data.json", data={"csrf": csrf_of(body)}
        ) as response:
            assert response.status == 200
            assert response.headers["Content-Disposition"] == (
                f'attachment; filename="nachbarbot-{resident}-data.json"'
            )
            assert response.headers["Cache-Control"] == "no-store"
            document = json.loads(await response.read())
    assert document["format"] == "nachbarbot-personal-data/1"
    [account] = document["sections"]["account"]
    assert account["platform_user_id"] == NUMBER
    assert [row["id"] for row in document["sections"]["requests"]] == [request_id]
    # The file lists its own export among the decisions about the resident.
    assert [row["action"] for row in document["sections"]["decisions_about_you"]] == ["desk.export"]
    assert await _exports(db) == [(cora, f"user:{resident}")]
    # Someone who gets the file in their chat has no export here, nor does nobody.
    await web_chat.onboard("tanja", "de")
    tanja = await db.users.find("memory", "tanja")
    theirs = await db.requests.create(
        tanja.id, tanja.id, category="shopping", description="Einkauf", stadtbezirk="Hörde"
    )
    async with browser_session(headers=EN) as browser:
        await log_in(web_chat, db, browser, "bernd")
        async with browser.get(f"{site}/desk/requests/{theirs.id}") as page:
            body = await page.text()
        assert page.status == 200 and 'id="data-export-form"' not in body
        for person in (tanja.id, 999999):
            async with browser.post(
                f"{site}/desk/people/{person}/data.json", data={"csrf": csrf_of(body)}
            ) as response:
                assert response.status == 404
    assert len(await _exports(db)) == 1
    # The resident's own summary (by call or text) counts it too.
    phone = MemoryTransport(Dispatcher(db, build_router(), fileless), platform=platform)
    said = texts(await phone.text(NUMBER, "/mydata"))
    assert "Entscheidungen über Sie: 1" in said


async def test_only_a_coordinator_now_with_the_forms_token_gets_it(
    db: Database, site: str, web_chat: MemoryTransport
):
    resident, request_id = await _resident(db)
    address = f"{site}/desk/people/{resident}/data.json"
    async with browser_session(headers=EN) as browser:
        cora = await log_in(web_chat, db, browser)
        async with browser.get(f"{site}/desk/requests/{request_id}") as page:
            token = csrf_of(await page.text())
        for data, headers in (
            ({}, {}),
            ({"csrf": "x" * 43}, {}),
            ({"csrf": token}, {"Origin": "https://evil.example"}),
        ):
            async with browser.post(address, data=data, headers=headers) as response:
                assert response.status == 403
                assert "nachbarbot-personal-data" not in await response.text()
        async with browser.get(address) as response:
            assert response.status == 405
        # No longer a coordinator: refused at the moment of the request.
        await db.users.revoke_role(cora, "coordinator")
        async with browser.post(address, data={"csrf": token}) as response:
            assert response.status == 403
            assert "nachbarbot-personal-data" not in await response.text()
    async with (
        browser_session(headers=EN) as stranger,
        stranger.post(address, data={"csrf": token}) as response,
    ):
        assert response.status == 403
    assert await _exports(db) == []
