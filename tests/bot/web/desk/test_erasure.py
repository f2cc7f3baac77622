"""The coordinators erase a phone or SMS resident's data when the resident asks (they
cannot use /delete in a chat): on the page of the resident's request, "🗑 Delete this
person's data" shows what will go, and a second POST erases through the one erasure path -
the helper is told, the recording goes, the desk records it without pointing at the
resident. Coordinators only at the moment of each POST, with the form's token. Through the
real web server and the chat's login link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.statements import fetch_all
from tests.support.desk_client import log_in
from tests.support.fileless_desk import fileless, served, site, web_chat
from tests.support.memory_transport import MemoryTransport
from tests.support.web_site import browser_session, csrf_of

__all__ = ["fileless", "served", "site", "web_chat"]  # fixtures, used by name

EN = {"Accept-Language": "en"}
NUMBER = "+492319876543"
RECORDING = "rec-" + "a" * 32


async def _taken_request(db: Database, platform: str = "phone") -> tuple[int, int, int]:
    """A resident on ``platform`` whose spoken request Vera has taken on:
    (the resident's id, the request's, Vera's)."""
    person = await db.users.seen(platform, NUMBER, NUMBER, "Erna")
    await db.users.set_language(person.id, "de")
    await db.users.record_consent(person.id)
    vera = await db.users.seen("memory", "vera", "vera", "Vera")
    await db.users.set_language(vera.id, "en")
    request = await db.requests.create(
        person.id,
        person.id,
        state="open",
        category="shopping",
        description="Einkauf",
        stadtbezirk="Hörde",
        voice_file_id=RECORDING,
        voice_platform=platform,
    )
    await db.requests.transition(request.id, "matched", vera.id, volunteer_id=vera.id)
    return person.id, request.id, vera.id


async def _desk_erasures(db: Database) -> list[tuple]:
    return [
        tuple(row)
        for row in await fetch_all(
            db.transactions,
            "SELECT actor_id, subject FROM audit_log WHERE action = 'desk.erase' ORDER BY id",
            (),
        )
    ]


async def _for_vera(db: Database) -> list[str]:
    later = datetime.now(UTC) + timedelta(days=1)
    return [item.payload["text"] for item in await db.outbox.waiting("memory", "vera", later)]


@pytest.mark.parametrize("platform", ["phone", "sms"])
async def test_the_coordinator_confirms_and_the_residents_data_goes_as_with_delete(
    db: Database, site: str, web_chat: MemoryTransport, platform: str
):
    resident, request_id, _vera = await _taken_request(db, platform)
    told: list[set[str]] = []
    db.data_rights.after_erasure.append(told.append)
    async with browser_session(headers=EN) as browser:
        cora = await log_in(web_chat, db, browser)
        async with browser.get(f"{site}/desk/requests/{request_id}") as page:
            body = await page.text()
        assert page.status == 200 and 'id="erase-form"' in body
        assert f'action="/desk/people/{resident}/erase"' in body
        assert "Delete this person" in body
        form = {"csrf": csrf_of(body), "request": str(request_id)}
        # First what will go, and nothing gone yet.
        async with browser.post(f"{site}/desk/people/{resident}/erase", data=form) as page:
            body = await page.text()
        assert page.status == 200 and 'id="erase-confirm-form"' in body
        assert "Everything stored about Erna" in body and "cannot be undone" in body
        assert 'name="confirm" value="yes"' in body
        assert await db.users.get(resident) is not None
        assert told == [] and await _desk_erasures(db) == []
        async with browser.post(
            f"{site}/desk/people/{resident}/erase", data={**form, "confirm": "yes"}
        ) as page:
            body = await page.text()
        assert page.status == 200 and str(page.url).endswith(
            f"/desk/requests/{request_id}?done=erased"
        )
        assert f"The data of the resident of request #{request_id} was deleted." in body
        assert "Erna" not in body and 'id="erase-form"' not in body
    assert await db.users.get(resident) is None
    assert await db.users.find(platform, NUMBER) is None
    assert (await db.requests.get(request_id)).state == "withdrawn"
    assert told == [{RECORDING}]  # the recording goes, as with /delete
    assert any("withdrawn by the requester" in text for text in await _for_vera(db))
    # The coordinator's action, pointing at nobody.
    assert await _desk_erasures(db) == [(cora, "user:erased")]
    [pointing] = await fetch_all(
        db.transactions,
        "SELECT count(*) FROM audit_log WHERE subject = ? OR details LIKE ?",
        (f"user:{resident}", f"%{NUMBER}%"),
    )
    assert pointing[0] == 0


async def test_refusals_change_nothing(db: Database, site: str, web_chat: MemoryTransport):
    resident, request_id, _vera = await _taken_request(db)
    address = f"{site}/desk/people/{resident}/erase"
    async with browser_session(headers=EN) as browser:
        cora = await log_in(web_chat, db, browser)
        async with browser.get(f"{site}/desk/requests/{request_id}") as page:
            token = csrf_of(await page.text())
        confirmed = {"request": str(request_id), "confirm": "yes"}
        for data, headers in (
            (confirmed, {}),
            ({**confirmed, "csrf": "x" * 43}, {}),
            ({**confirmed, "csrf": token}, {"Origin": "https://evil.example"}),
        ):
            async with browser.post(address, data=data, headers=headers) as response:
                assert response.status == 403
        async with browser.get(address) as response:
            assert response.status == 405
        # Not this person's request, or someone who can /delete in a chat: not here.
        await web_chat.onboard("tanja", "de")
        tanja = await db.users.find("memory", "tanja")
        theirs = await db.requests.create(
            tanja.id, tanja.id, category="shopping", description="Einkauf", stadtbezirk="Hörde"
        )
        for person, request in ((resident, theirs.id), (resident, 0), (tanja.id, theirs.id)):
            async with browser.post(
                f"{site}/desk/people/{person}/erase",
                data={**confirmed, "csrf": token, "request": str(request)},
            ) as response:
                assert response.status == 404
        # No longer a coordinator: the confirmation page seen before proves nothing.
        async with browser.post(address, data={"csrf": token, "request": str(request_id)}) as page:
            assert page.status == 200 and 'id="erase-confirm-form"' in await page.text()
        await db.users.revoke_role(cora, "coordinator")
        async with browser.post(address, data={**confirmed, "csrf": token}) as response:
            assert response.status == 403
    async with (
        browser_session(headers=EN) as stranger,
        stranger.post(address, data={**confirmed, "csrf": token}) as response,
    ):
        assert response.status == 403
    assert await db.users.get(resident) is not None
    assert await db.users.get(tanja.id) is not None
    assert (await db.requests.get(request_id)).state == "matched"
    assert await _desk_erasures(db) == []
