"""Feedback after help made only of invisible marks (zero-width spaces, a word joiner, a
bidi mark) is nothing anyone could read: it is refused like other empty input - asked for a
text, with the step's Skip - the step kept and nothing saved. Before, it was saved empty
and thanked for (handlers/context.py ``expect_text`` looked for spaces alone)."""

from __future__ import annotations

from db import Database
from tests.support.help_story import at_feedback
from tests.support.memory_transport import MemoryTransport


async def test_feedback_of_invisible_marks_alone_is_refused(story: MemoryTransport, db: Database):
    amira, request_id = await at_feedback(story, db)
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
