"""The help request's "which day?" takes a written day as the person wrote it, but a date
in digits must be one: "31.02.", a past "01.01.2020" or a number no month has ("99") is
refused with the reason, the step and the draft unchanged; "Tuesday afternoon", a day of
the month ("25") or a real date goes through."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db import Database
from handlers.helping.requests_flow import local_today
from tests.support.memory_transport import MemoryTransport, texts


async def _at_day(chat: MemoryTransport, db: Database, who: str, lang: str) -> int:
    await chat.onboard(who, lang)
    await chat.press(who, "hr:new")
    await chat.press(who, "hr:cat:shopping")
    await chat.text(who, "Bitte Hilfe beim Einkaufen")
    await chat.text(who, "44137")
    await chat.press(who, "hr:when:date")
    user = await db.users.find("memory", who)
    assert (await db.users.get_state(user.id)).state == "request.when_day"
    return user.id


# "99", "۹۹", "0": a number no month has - a wrong button number at the console, or a
# slip - was passed on to the helpers as the day (a black-box pass at the console).
@pytest.mark.parametrize("typed", ["31.02.", "01.01.2020", "٣١/٠٤", "99", "۹۹", "0"])
async def test_a_day_that_is_none_is_refused(chat: MemoryTransport, db: Database, typed: str):
    user_id = await _at_day(chat, db, "mila", "uk")
    before = await db.users.get_state(user_id)
    out = texts(await chat.text("mila", typed))
    assert typed in out
    after = await db.users.get_state(user_id)
    assert (after.state, after.data) == (before.state, before.data)


@pytest.mark.parametrize("written", ["Dienstag Nachmittag", "next", "25"])
async def test_a_real_day_goes_through(chat: MemoryTransport, db: Database, written: str):
    user_id = await _at_day(chat, db, "rudi", "de")
    text = (local_today() + timedelta(days=20)).strftime("%d.%m.") if written == "next" else written
    await chat.text("rudi", text)
    state = await db.users.get_state(user_id)
    assert state.state == "request.languages" and state.data["draft"]["when_text"] == text
