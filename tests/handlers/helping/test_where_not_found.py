"""A help request's "where" refuses a postcode or district nobody knows with an answer that
names what was typed and what would be found, not the bare question again; the step and
its draft stay as they were."""

from __future__ import annotations

from db import Database
from tests.support.memory_transport import MemoryTransport, texts


async def test_an_unknown_postcode_is_named_and_changes_nothing(
    chat: MemoryTransport, db: Database
):
    await chat.onboard("olha", "uk")
    await chat.press("olha", "hr:new")
    await chat.press("olha", "hr:cat:shopping")
    await chat.text("olha", "Потрібна допомога з покупками")
    user = await db.users.find("memory", "olha")
    before = await db.users.get_state(user.id)
    assert before.state == "request.where"
    out = texts(await chat.text("olha", "99999"))
    assert "99999" in out and "44137" in out
    after = await db.users.get_state(user.id)
    assert (after.state, after.data) == (before.state, before.data)
