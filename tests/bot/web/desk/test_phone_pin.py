"""A phone resident's PIN cleared on the desk (bot/web/desk/phone_pins.py): the page of the
resident's request says only that a PIN is set, "🔢 Clear the PIN" removes it (the
resident is checked by call-back again), and the desk records it about the resident.
Coordinators only at the moment of the POST, with the form's token; another person's
request or a person without a PIN changes nothing. A PIN locked today (three wrong tries)
is said on the page. Through the real web server and the chat's login link."""

from __future__ import annotations

from datetime import UTC, datetime

from db import Database
from db.clock import local_day
from db.phone_pins import MOST_WRONG
from db.statements import fetch_all
from handlers.numbers.phone_pin import hashed
from tests.support.desk_client import log_in
from tests.support.fileless_desk import fileless, served, site, web_chat
from tests.support.memory_transport import MemoryTransport
from tests.support.web_site import browser_session, csrf_of

__all__ = ["fileless", "served", "site", "web_chat"]  # fixtures, used by name

EN = {"Accept-Language": "en"}
NUMBER = "+492319876543"


async def _resident(db: Database) -> tuple[int, int, str]:
    """Erna on the phone with a request and a PIN: her id, the request's, the PIN's hash."""
    person = await db.users.seen("phone", NUMBER, NUMBER, "Erna")
    await db.users.set_language(person.id, "de")
    await db.users.record_consent(person.id)
    request = await db.requests.create(
        person.id, person.id, state="open", category="shopping", description="Einkauf"
    )
    stored = hashed("2580")
    await db.phone_pins.set(person.id, stored)
    return person.id, request.id, stored


async def _cleared(db: Database) -> list[tuple]:
    return [
        tuple(row)
        for row in await fetch_all(
            db.transactions,
            "SELECT actor_id, subject FROM audit_log WHERE action = 'desk.pin_clear'",
            (),
        )
    ]


async def test_the_coordinator_clears_a_forgotten_pin(
    db: Database, site: str, web_chat: MemoryTransport
):
    resident, request_id, stored = await _resident(db)
    async with browser_session(headers=EN) as browser:
        cora = await log_in(web_chat, db, browser)
        async with browser.get(f"{site}/desk/requests/{request_id}") as page:
            body = await page.text()
        assert page.status == 200 and 'id="phone-pin-form"' in body
        assert f'action="/desk/people/{resident}/pin"' in body
        assert "has a PIN for their calls" in body and stored.split("$")[-1] not in body
        form = {"csrf": csrf_of(body), "request": str(request_id)}
        async with browser.post(f"{site}/desk/people/{resident}/pin", data=form) as page:
            body = await page.text()
        assert page.status == 200 and str(page.url).endswith(
            f"/desk/requests/{request_id}?done=pin"
        )
        assert f"The PIN of the resident of request #{request_id} is cleared." in body
        assert 'id="phone-pin-form"' not in body
        # Cleared already: nothing to clear.
        async with browser.post(f"{site}/desk/people/{resident}/pin", data=form) as response:
            assert response.status == 404
    assert await db.phone_pins.get(resident) is None
    assert await _cleared(db) == [(cora, f"user:{resident}")]


async def test_refusals_change_nothing(db: Database, site: str, web_chat: MemoryTransport):
    resident, request_id, stored = await _resident(db)
    address = f"{site}/desk/people/{resident}/pin"
    async with browser_session(headers=EN) as browser:
        cora = await log_in(web_chat, db, browser)
        async with browser.get(f"{site}/desk/requests/{request_id}") as page:
            token = csrf_of(await page.text())
        for data, headers in (
            ({"request": str(request_id)}, {}),
            ({"request": str(request_id), "csrf": "x" * 43}, {}),
            ({"request": str(request_id), "csrf": token}, {"Origin": "https://evil.example"}),
        ):
            async with browser.post(address, data=data, headers=headers) as response:
                assert response.status == 403
        # Not this person's request: not here.
        await web_chat.onboard("tanja", "de")
        tanja = await db.users.find("memory", "tanja")
        theirs = await db.requests.create(
            tanja.id, tanja.id, category="shopping", description="Einkauf"
        )
        for person, request in ((resident, theirs.id), (resident, 0), (tanja.id, theirs.id)):
            async with browser.post(
                f"{site}/desk/people/{person}/pin", data={"csrf": token, "request": str(request)}
            ) as response:
                assert response.status == 404
        # No longer a coordinator.
        await db.users.revoke_role(cora, "coordinator")
        async with browser.post(
            address, data={"csrf": token, "request": str(request_id)}
        ) as response:
            assert response.status == 403
    pin = await db.phone_pins.get(resident)
    assert pin is not None and pin.pin_hash == stored
    assert await _cleared(db) == []


async def test_the_page_says_a_pin_locked_today(db: Database, site: str, web_chat: MemoryTransport):
    """Three wrong tries today: the coordinators see it on the resident's request (as their
    group was told), never the digits or the number; a day without them says nothing."""
    resident, request_id, _stored = await _resident(db)
    async with browser_session(headers=EN) as browser:
        await log_in(web_chat, db, browser)
        async with browser.get(f"{site}/desk/requests/{request_id}") as page:
            assert 'id="phone-pin-locked"' not in await page.text()
        for _ in range(MOST_WRONG):
            await db.phone_pins.wrong_try(resident, local_day(datetime.now(UTC)))
        async with browser.get(f"{site}/desk/requests/{request_id}") as page:
            body = await page.text()
    assert page.status == 200 and 'id="phone-pin-locked"' in body
    assert "three times today" in body and NUMBER not in body
