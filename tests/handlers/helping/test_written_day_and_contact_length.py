"""A written day ("request.when_day", "request.when_text") is kept to 200 characters (and
so, declared alike, is the contact a coordinator enters, "request.contact"): the steps declare it
(``Router.input_limits``), so the dispatcher, the one owner of input length, refuses a
longer text with the limit, the step and the draft as they were - not, as it was, cut to
200 without the person knowing (text_safety.clean_name's ``limit``). One of exactly the
limit is kept whole."""

from __future__ import annotations

import pytest

from db import Database
from handlers.dispatcher import TOO_LONG
from handlers.helping.requests_flow import WRITTEN_SHORT
from locales import translator
from tests.support.memory_transport import MemoryTransport, texts


async def _at(chat: MemoryTransport, db: Database, who: str, when: str) -> int:
    await chat.onboard(who, "de")
    await chat.press(who, "hr:new")
    await chat.press(who, "hr:cat:shopping")
    await chat.text(who, "Bitte Hilfe beim Einkaufen")
    await chat.text(who, "44137")
    await chat.press(who, f"hr:when:{when}")
    user = await db.users.find("memory", who)
    return user.id


@pytest.mark.parametrize("when", ["date", "window"])
async def test_a_written_day_one_over_the_limit_is_refused_and_one_at_it_kept_whole(
    chat: MemoryTransport, db: Database, when: str
):
    user_id = await _at(chat, db, "rudi", when)
    before = await db.users.get_state(user_id)
    assert before is not None and before.state.startswith("request.when_")
    written = ("Dienstag Nachmittag oder Mittwoch früh, " * 10)[: WRITTEN_SHORT - 4] + "ENDE"
    out = texts(await chat.text("rudi", "z" + written))
    de = translator("de")
    assert de.t(TOO_LONG, length=WRITTEN_SHORT + 1, limit=WRITTEN_SHORT) in out
    after = await db.users.get_state(user_id)
    assert after is not None and (after.state, after.data) == (before.state, before.data)

    await chat.text("rudi", written)
    state = await db.users.get_state(user_id)
    assert state.state == "request.languages" and state.data["draft"]["when_text"] == written
