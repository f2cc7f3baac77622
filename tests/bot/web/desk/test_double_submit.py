"""A form sent twice acts once: a coordinator on a phone whose network is slow presses a
second time, and the browser sends the form again (in Chromium, a second press after the
first has left replaces the first's navigation: the second answer is the one shown). Both
answers say what the first did; nothing is made or told twice. Through the real web
server and the chat's login link."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

from db import Database
from db.places import Place
from db.statements import fetch_one
from locales import TIMEZONE
from tests.support.desk_client import asked_in_review, at_the_desk

UID = re.compile(r'name="uid" value="(desk-[0-9a-f]{12})"')


async def _count(db: Database, sql: str) -> int:
    row = await fetch_one(db.transactions, sql)
    return int(row[0])


async def test_a_new_event_sent_twice_is_published_and_announced_once(db, site, web_chat):
    _site, base = site
    place_id = await db.places.upsert(
        Place(
            source="test",
            source_id="nordmarkt",
            name="Treff Nordmarkt",
            category="neighbourhood_centre",
            lat=51.523,
            lon=7.456,
            stadtbezirk="Innenstadt-Nord",
            stadtteil="Nordmarkt",
        ),
        "test",
    )
    await web_chat.onboard("subi", "tr")
    subscriber = await db.users.find("memory", "subi")
    await db.events.subscribe(subscriber.id, "place", str(place_id))
    day = (datetime.now(TIMEZONE) + timedelta(days=10)).date().isoformat()
    async with at_the_desk(web_chat, db, base) as desk:
        status, html = await desk.get(f"/desk/events/new?place={place_id}")
        found = UID.search(html)
        assert status == 200 and found, "the new event's form carries its UID"
        form = {
            "uid": found.group(1),
            "title_de": "Sprachcafé",
            "description_de": "Deutsch üben bei Kaffee",
            "place": str(place_id),
            "address": "",
            "start_date": day,
            "start_time": "17:00",
            "end_date": "",
            "end_time": "19:00",
            "repeat": "none",
        }
        # Two presses at once, then a third after the first answer.
        answers = await asyncio.gather(*(desk.post("/desk/events/new", form) for _ in range(2)))
        answers.append(await desk.post("/desk/events/new", form))
        [event] = await db.events.active()
        for status, html in answers:
            assert status == 200, html
            assert f"#{event.id}" in html and "Sprachcafé" in html
        assert await _count(db, "SELECT COUNT(*) FROM events") == 1
        assert await _count(db, "SELECT COUNT(*) FROM outbox") == 1  # the subscriber, once
        # A refused form keeps its UID, so that its correction is the same event too.
        status, html = await desk.get("/desk/events/new")
        uid = UID.search(html)
        assert uid
        refused = {**form, "uid": uid.group(1), "title_de": ""}
        status, html = await desk.post("/desk/events/new", refused)
        assert status == 422 and f'name="uid" value="{uid.group(1)}"' in html
        # A UID that is no desk form's is not taken: a new one is made.
        status, html = await desk.post(
            "/desk/events/new", {**form, "uid": "imported-1", "title_de": "Nähcafé"}
        )
        assert status == 200
        [made] = [e for e in await db.events.active() if e.title == "Nähcafé"]
        assert re.fullmatch(r"desk-[0-9a-f]{12}", made.uid), made.uid


async def test_a_residents_number_sent_twice_says_it_is_saved_both_times(db, site, web_chat):
    _site, base = site
    async with at_the_desk(web_chat, db, base) as desk:
        request = await db.requests.create(
            None,
            desk.user_id,
            state="open",
            entered_by=desk.user_id,
            category="shopping",
            description="Einkauf für Frau Erna",
            stadtbezirk="Innenstadt-Nord",
            languages=("de",),
            offline_contact="Erna",
        )
        form = {"number": "0231 9876543", "first_name": "Erna", "language": "de"}
        path = f"/desk/requests/{request.id}/phone"
        answers = await asyncio.gather(*(desk.post(path, form) for _ in range(2)))
        answers.append(await desk.post(path, form))
        for status, html in answers:
            assert status == 200, html
            assert "is now called on this number" in html and "can no longer be changed" not in html
        # Another number is still refused: the request is someone's already (who entered
        # one is named, the number typed said back: test_phone_residents).
        status, html = await desk.post(path, {**form, "number": "0231 1234567"})
        assert status == 409 and "0231 1234567" in html and "Nothing was saved" in html
    resident = await db.users.find("phone", "+492319876543")
    assert resident is not None
    assert (await db.requests.get(request.id)).requester_id == resident.id
    assert await db.users.find("phone", "+492311234567") is None
    told = "SELECT COUNT(*) FROM outbox WHERE chat_id = '+492319876543'"
    assert await _count(db, told) == 1  # "published", said once


def _once(html: str, action: str) -> str:
    """The token of the queue's form for ``action`` (its own, made with the page)."""
    found = re.search(
        rf'action="{re.escape(action)}">\s*<input type="hidden" name="csrf" value="[\w-]+">'
        r'<input type="hidden" name="once" value="([\w-]+)">',
        html,
    )
    assert found, f"no token in the form for {action}"
    return found.group(1)


async def test_a_question_and_a_decision_sent_twice_act_once(db, site, web_chat):
    _site, base = site
    request = await asked_in_review(web_chat, db, "rita", "de", "Bitte um Hilfe beim Einkauf")
    async with at_the_desk(web_chat, db, base) as desk:
        status, html = await desk.get("/desk/queue")
        ask = f"/desk/queue/{request.id}/ask"
        form = {"text": "Wann genau brauchen Sie die Hilfe?", "once": _once(html, ask)}
        answers = await asyncio.gather(*(desk.post(ask, form) for _ in range(2)))
        answers.append(await desk.post(ask, form))
        for status, html in answers:
            assert status == 200 and "Your question was sent" in html, html
        asked = "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%Wann genau%'"
        assert await _count(db, asked) == 1  # rita reads the question once
        # Asked again from a fresh page (its own token): that is a second question.
        status, html = await desk.get("/desk/queue")
        assert (await desk.post(ask, {**form, "once": _once(html, ask)}))[0] == 200
        assert await _count(db, asked) == 2
        # Publish pressed twice: published, and neither answer says "already decided".
        status, html = await desk.get("/desk/queue")
        publish = f"/desk/queue/{request.id}/publish"
        token = _once(html, publish)
        answers = await asyncio.gather(*(desk.post(publish, {"once": token}) for _ in range(2)))
        for status, html in answers:
            assert status == 200 and f"Request #{request.id} is published" in html, html
            assert "Already decided" not in html
    assert (await db.requests.get(request.id)).state == "open"
