"""A resident a coordinator entered without a chat becomes a phone person on the desk:
the number typed (read as German, E.164) is their id and chat on the phone platform, the
identity a call from that number gets; the outbox's notices for them go to it. Through the
real web server and the chat's login link."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from bot.transports.phone.calls.callers_number import caller_id
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from tests.support.channels import channels
from tests.support.desk_client import at_the_desk, entered_for_erna, log_in
from tests.support.memory_transport import MemoryTransport
from tests.support.web_site import browser_session, csrf_of, serving

EN = {"Accept-Language": "en"}
NUMBER = "+492319876543"


async def _entered(db: Database, cora: int, **values) -> int:
    """A request as /enter makes it: no requester, the contact the coordinator typed."""
    values.setdefault("category", "shopping")
    values.setdefault("description", "Einkauf für Frau Erna")
    values.setdefault("stadtbezirk", "Innenstadt-Nord")
    values.setdefault("languages", ("tr", "de"))
    values.setdefault("offline_contact", "Erna, Tel. 0231 9876543")
    request = await db.requests.create(None, cora, state="open", entered_by=cora, **values)
    return request.id


@asynccontextmanager
async def _entered_page(
    db: Database, settings, *running: str
) -> AsyncIterator[tuple[aiohttp.ClientSession, str, int, str]]:
    """A city running ``running``: Cora logged in to its desk, on the page of a request she
    entered (the browser, the desk's address, the request's id, the page)."""
    city = replace(settings, channels=channels(*running))
    async with serving(db, city) as (site, base), browser_session(headers=EN) as browser:
        web_chat = MemoryTransport(Dispatcher(db, build_router(), site.settings))
        cora = await log_in(web_chat, db, browser)
        request_id = await _entered(db, cora)
        async with browser.get(f"{base}/desk/requests/{request_id}") as page:
            body = await page.text()
        yield browser, base, request_id, body


async def _for_phone(db: Database, number: str = NUMBER) -> list[dict]:
    later = datetime.now(UTC) + timedelta(days=1)
    return [item.payload for item in await db.outbox.waiting("phone", number, later)]


async def test_a_typed_number_makes_the_resident_a_phone_person_told_by_call_back(
    db, site, web_chat
):
    _site, base = site
    async with browser_session(headers=EN) as browser:
        cora = await log_in(web_chat, db, browser)
        request_id = await _entered(db, cora)
        async with browser.get(f"{base}/desk/requests/{request_id}") as page:
            body = await page.text()
        assert page.status == 200 and 'id="phone-form"' in body
        assert '<option value="tr" selected>' in body  # the request's first language
        token = csrf_of(body)
        form = {"csrf": token, "first_name": "Erna", "language": "tr"}
        # A number that is none: a clear error, nothing changed.
        for typed in ("0231 98", "Frau Erna", ""):
            async with browser.post(
                f"{base}/desk/requests/{request_id}/phone", data={**form, "number": typed}
            ) as r:
                assert r.status == 422, typed
                assert "not a phone number we can call" in await r.text()
        # A number the bot may not call (locales/phone_numbers.py): said so, nothing changed.
        for typed in ("0900 5 123456", "01805 123456", "+44 909 123 4567", "+881 612 345678"):
            async with browser.post(
                f"{base}/desk/requests/{request_id}/phone", data={**form, "number": typed}
            ) as r:
                assert r.status == 422, typed
                assert "The bot may not call this number" in await r.text()
        assert await db.users.find("phone", "+499005123456") is None
        async with browser.post(
            f"{base}/desk/requests/{request_id}/phone",
            data={**form, "number": "0231 9876543", "language": "xx"},
        ) as r:
            assert r.status == 422 and "choose a language" in await r.text()
        assert (await db.requests.get(request_id)).requester_id is None
        assert await db.users.find("phone", NUMBER) is None
        async with browser.post(
            f"{base}/desk/requests/{request_id}/phone",
            data={**form, "number": "0231 / 98 76 54-3"},
        ) as r:
            assert r.status == 200
            body = await r.text()
        assert "is now called on this number" in body and 'id="phone-form"' not in body
        assert "Reached by phone from now on" in body  # the history
    resident = await db.users.find("phone", NUMBER)
    assert resident is not None
    assert (resident.chat_id, resident.first_name, resident.language) == (NUMBER, "Erna", "tr")
    assert (await db.requests.get(request_id)).requester_id == resident.id
    # A call from that number is the same person.
    assert caller_id("sip:02319876543@sipgate.de") == resident.platform_user_id
    # The published notice waits for a call-back, in Turkish.
    [published] = await _for_phone(db)
    assert f"#{request_id}" in published["text"] and "yayın" in published["text"].lower()


async def test_an_existing_phone_person_is_reused_and_a_taken_request_tells_who_comes(
    db, site, web_chat
):
    _site, base = site
    known = await db.users.seen("phone", NUMBER, NUMBER, "Erna")
    await db.users.set_language(known.id, "de")
    vera = (await db.users.seen("memory", "vera", "vera", "Vera")).id
    async with browser_session(headers=EN) as browser:
        cora = await log_in(web_chat, db, browser)
        request_id = await _entered(db, cora)
        await db.requests.transition(
            request_id, "matched", vera, volunteer_id=vera, door_code="APFEL"
        )
        async with browser.get(f"{base}/desk/requests/{request_id}") as page:
            token = csrf_of(await page.text())
        async with browser.post(
            f"{base}/desk/requests/{request_id}/phone",
            data={"csrf": token, "number": "+49 231 9876543", "first_name": "E.", "language": "ar"},
        ) as r:
            assert r.status == 200
    assert (await db.requests.get(request_id)).requester_id == known.id
    again = await db.users.find("phone", NUMBER)
    assert (again.id, again.first_name, again.language) == (known.id, "Erna", "de")
    said = " ".join(item["text"] for item in await _for_phone(db))
    assert "Vera" in said and "APFEL" in said


async def test_only_a_coordinator_now_with_the_forms_token_changes_it(db, site, web_chat):
    _site, base = site
    async with browser_session(headers=EN) as browser:
        cora = await log_in(web_chat, db, browser)
        request_id = await _entered(db, cora)
        async with browser.get(f"{base}/desk/requests/{request_id}") as page:
            token = csrf_of(await page.text())
        form = {"number": "0231 9876543", "first_name": "Erna", "language": "de"}
        for data, headers in (
            (form, {}),
            ({**form, "csrf": "x" * 43}, {}),
            ({**form, "csrf": token}, {"Origin": "https://evil.example"}),
        ):
            async with browser.post(
                f"{base}/desk/requests/{request_id}/phone", data=data, headers=headers
            ) as r:
                assert r.status == 403
        # No longer a coordinator: refused at the moment of acting.
        await db.users.revoke_role(cora, "coordinator")
        async with browser.post(
            f"{base}/desk/requests/{request_id}/phone", data={**form, "csrf": token}
        ) as r:
            assert r.status == 403
    assert (await db.requests.get(request_id)).requester_id is None
    assert await db.users.find("phone", NUMBER) is None


async def test_where_sms_runs_too_the_coordinator_chooses_texts_for_the_resident(db, settings):
    async with _entered_page(db, settings, "phone", "sms") as (browser, base, request_id, body):
        assert 'name="channel" value="sms"' in body
        # Nothing in the form promises a call when a text may be chosen.
        assert "Call back by phone" not in body and "Call-backs by phone" not in body
        assert "as a call or a text message" in body and "Save the number" in body
        form = {"csrf": csrf_of(body), "number": "0231 9876543", "first_name": "Erna"}
        async with browser.post(
            f"{base}/desk/requests/{request_id}/phone",
            data={**form, "language": "tr", "channel": "sms"},
        ) as r:
            assert r.status == 200
            assert "as a text message" in await r.text()
    resident = await db.users.find("sms", NUMBER)
    assert resident is not None and resident.platform == "sms"
    assert (await db.requests.get(request_id)).requester_id == resident.id
    # A call from that number is the same person, who still gets texts.
    assert (await db.users.seen("phone", NUMBER, NUMBER)).id == resident.id
    assert await _for_phone(db) == []
    later = datetime.now(UTC) + timedelta(days=1)
    [published] = [item.payload for item in await db.outbox.waiting("sms", NUMBER, later)]
    assert f"#{request_id}" in published["text"]


async def test_without_sms_texts_are_not_offered_nor_taken(db, site, web_chat):
    _site, base = site
    async with browser_session(headers=EN) as browser:
        cora = await log_in(web_chat, db, browser)
        request_id = await _entered(db, cora)
        async with browser.get(f"{base}/desk/requests/{request_id}") as page:
            body = await page.text()
        assert 'name="channel"' not in body
        assert "Call back by phone" in body  # only calls: the form says so
        async with browser.post(
            f"{base}/desk/requests/{request_id}/phone",
            data={
                "csrf": csrf_of(body),
                "number": "0231 9876543",
                "first_name": "Erna",
                "language": "de",
                "channel": "sms",
            },
        ) as r:
            assert r.status == 422 and "call or a text message" in await r.text()
    assert await db.users.find("sms", NUMBER) is None


async def test_the_residents_language_is_one_the_city_offers(db, settings):
    """A city offering German, English and Turkish (bot.languages): the form lists those,
    and another language - which the chats' own choice would not offer either - is refused,
    translated, with nothing changed (before, any of the ten was listed and taken)."""
    city = replace(settings, languages=("de", "en", "tr"))
    async with serving(db, city) as (site, base), browser_session(headers=EN) as browser:
        web_chat = MemoryTransport(Dispatcher(db, build_router(), site.settings))
        cora = await log_in(web_chat, db, browser)
        request_id = await _entered(db, cora, languages=("fa", "de"))
        async with browser.get(f"{base}/desk/requests/{request_id}") as page:
            body = await page.text()
        chooser = body.split('id="phone-language"', 1)[1].split("</select>", 1)[0]
        assert sorted(re.findall(r'<option value="(\w+)"', chooser)) == ["de", "en", "tr"]
        form = {"csrf": csrf_of(body), "number": "0231 9876543", "first_name": "Erna"}
        address = f"{base}/desk/requests/{request_id}/phone"
        async with browser.post(address, data={**form, "language": "fa"}) as r:
            assert r.status == 422 and "choose a language" in await r.text()
        async with browser.post(
            address, data={**form, "language": "fa"}, headers={"Accept-Language": "de"}
        ) as r:
            assert r.status == 422 and "Bitte eine Sprache aus der Liste wählen" in await r.text()
        assert (await db.requests.get(request_id)).requester_id is None
        assert await db.users.find("phone", NUMBER) is None
        async with browser.post(address, data={**form, "language": "tr"}) as r:
            assert r.status == 200
    assert (await db.users.find("phone", NUMBER)).language == "tr"


@pytest.mark.parametrize(("running", "warned"), [((), True), (("phone",), False)])
async def test_a_city_without_a_phone_line_says_nobody_is_called_yet(running, warned, db, settings):
    """Entering a resident's number where the city runs no phone line (it may be set up
    later; the calls wait for it): the form and the page after saving say that nobody is
    called yet, so that the coordinator calls the resident; where a line runs, neither."""
    async with _entered_page(db, settings, *running) as (browser, base, request_id, body):
        assert ('id="no-phone-line"' in body) is warned
        form = {"csrf": csrf_of(body), "first_name": "Erna", "language": "de"}
        async with browser.post(
            f"{base}/desk/requests/{request_id}/phone", data={**form, "number": "0231 9876543"}
        ) as r:
            assert r.status == 200
            saved = await r.text()
        assert "is now called on this number" in saved
        assert ("runs no phone line yet" in saved) is warned


async def test_a_refused_number_keeps_what_the_coordinator_typed(db, settings):
    """On a phone at the desk, with the resident on the line: a number typed too short
    is refused - and the number, the name, the language and the channel chosen are still
    in the form to correct, not to type again from the start (in real Chromium)."""
    from tests.support.desk_client import desk_in_chromium

    city = replace(settings, channels=channels("phone", "sms"))
    async with serving(db, city) as (site, base):
        web_chat = MemoryTransport(Dispatcher(db, build_router(), site.settings))
        async with desk_in_chromium(web_chat, db) as desk:
            request_id = await _entered(db, desk.user_id)
            page = desk.page
            await page.goto(f"{base}/desk/requests/{request_id}")
            form = page.locator("#phone-form")
            await form.get_by_label("Phone number").fill("0231 98")
            await form.get_by_label("First name").fill("Wilhelmina")
            await form.get_by_label("Language").select_option("uk")
            await form.get_by_label("as a text message").check()
            async with page.expect_navigation():
                await form.get_by_role("button").click()
            assert "not a phone number we can call" in await page.locator("main").inner_text()
            assert await form.get_by_label("Phone number").input_value() == "0231 98"
            assert await form.get_by_label("First name").input_value() == "Wilhelmina"
            assert await form.get_by_label("Language").input_value() == "uk"
            assert await form.get_by_label("as a text message").is_checked()
    assert (await db.requests.get(request_id)).requester_id is None


async def test_a_name_longer_than_kept_is_refused_not_cut_short(db, site, web_chat):
    _site, base = site
    async with browser_session(headers=EN) as browser:
        cora = await log_in(web_chat, db, browser)
        request_id = await _entered(db, cora)
        async with browser.get(f"{base}/desk/requests/{request_id}") as page:
            token = csrf_of(await page.text())
        long_name = "Erna " + "Müller-" * 10  # 75 characters: the field holds 50
        async with browser.post(
            f"{base}/desk/requests/{request_id}/phone",
            data={
                "csrf": token,
                "number": "0231 9876543",
                "first_name": long_name,
                "language": "de",
            },
        ) as r:
            body = await r.text()
        assert r.status == 422
        assert "Too long: 75 characters, at most 50 fit here. Nothing was changed." in body
        assert 'value="0231 9876543"' in body and long_name in body  # kept to correct
    assert await db.users.find("phone", NUMBER) is None
    assert (await db.requests.get(request_id)).requester_id is None


async def test_a_colleague_entering_another_number_first_is_named_and_the_typed_one_kept(
    db, site, web_chat
):
    """Cora and Carl both type a number for Erna's request: Cora's is saved first. Carl's
    form is refused (the request has its resident now, so the form is gone from the page),
    saying who entered one and when, with the number Carl typed, to compare or pass on."""
    _site, base = site
    async with (
        at_the_desk(web_chat, db, base, "cora") as cora,
        at_the_desk(web_chat, db, base, "carl") as carl,
    ):
        request = await entered_for_erna(db, cora.user_id)
        path = f"/desk/requests/{request.id}/phone"
        fields = {"first_name": "Erna", "language": "de"}
        status, _ = await cora.post(path, {"number": "0231 1111111", **fields})
        assert status == 200
        reached = (await db.requests.get(request.id)).requester_id
        status, page = await carl.post(path, {"number": "0231 2222222", **fields})
        assert status == 409
        error = page[page.index('id="request-error"') :]
        error = error[: error.index("</p>")]
        assert "Cora" in error and "0231 2222222" in error, error
    assert (await db.requests.get(request.id)).requester_id == reached
