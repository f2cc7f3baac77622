"""Feedback after help made only of invisible marks (zero-width spaces, a word joiner, a
bidi mark) is nothing anyone could read: it is refused like other empty input - asked for a
text, with the step's Skip - the step kept and nothing saved. Before, it was saved empty
and thanked for (handlers/context.py ``expect_text`` looked for spaces alone)."""

from __future__ import annotations

from db import Database
from tests.support.help_story import grant_role_to, matched_through_lifecycle, register_volunteer
from tests.support.memory_transport import MemoryTransport


async def test_feedback_of_invisible_marks_alone_is_refused(story: MemoryTransport, db: Database):
    await story.onboard("amira", "de")
    amira = (await db.users.find("memory", "amira")).id
    vera = await register_volunteer(story, db, "vera")
    await story.onboard("cora", "de")
    cora = await grant_role_to(db, "cora", "coordinator")
    await db.volunteers.verify(vera, cora)
    request_id = await matched_through_lifecycle(db, story.dispatcher.settings, amira, vera, cora)
    await story.press("amira", f"rl:done:{request_id}")
    await story.press("amira", f"rl:doney:{request_id}")
    before = await db.users.get_state(amira)
    assert before is not None and before.state == "relay.feedback"

    out = await story.text("amira", "\u200b\u2060\u200e\ufeff\u200b")
    after = await db.users.get_state(amira)
    assert after is not None and (after.state, after.data) == (before.state, before.data)
    assert await db.fetch_all("SELECT text FROM feedback") == []
    # Asked again, with the step's one choice: Skip still ends it without feedback.
    assert [b.data for m in out for row in getattr(m, "buttons", []) for b in row] == [
        f"rl:fb:{request_id}"
    ]
    await story.text("amira", "Sehr nett, danke")
    assert [tuple(r) for r in await db.fetch_all("SELECT text FROM feedback")] == [
        ("Sehr nett, danke",)
    ]
