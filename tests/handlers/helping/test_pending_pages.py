"""/pending on a busy day (issue 79, point 3): fourteen requests wait, the group is shown ten
and told "1–10 of 14" and how to see the rest (/pending 2, or ▶ in the list's message,
handlers/helping/review/pending_list.py); the caller who wants to talk now and the urgent ones come
first, each oldest first. Through the memory transport, as a coordinator types it in the
group."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.clock import to_text
from handlers.messages import Command
from tests.support.help_story import GROUP, grant_role_to, press
from tests.support.memory_transport import MemoryTransport, button_data, texts

# The queue's order and counts (one query with CASE and SUM) on both backends.
pytestmark = pytest.mark.both_backends


async def _waiting(db: Database, minutes: int, **values) -> int:
    requester = await db.users.seen("memory", f"r{minutes}", f"r{minutes}", "Resi")
    request = await db.requests.create(
        requester.id, requester.id, description=f"Bitte um Hilfe {minutes}", **values
    )
    created = datetime.now(UTC) - timedelta(minutes=minutes)
    await db.execute(
        "UPDATE help_requests SET created_at = ? WHERE id = ?", (to_text(created), request.id)
    )
    return request.id


def _shown(out) -> list[int]:
    """The requests listed, in the order they came: the button that opens each one's card
    in /pending's one message (handlers/helping/review/pending_list.py)."""
    return [int(data.split(":")[2]) for data in button_data(out) if data.startswith("mod:pc:")]


async def test_pending_with_fourteen_waiting_says_ten_of_fourteen_and_how_to_see_the_rest(
    story: MemoryTransport, db: Database
):
    await story.onboard("cora", "en")
    await grant_role_to(db, "cora", "coordinator")
    # Twelve for next week (not urgent), the oldest 300 minutes ago; one urgent; and a caller
    # who wants to talk now, the newest of all.
    later = [
        await _waiting(db, 300 - 10 * n, category="shopping", when_kind="date") for n in range(12)
    ]
    urgent = await _waiting(db, 40, category="shopping", when_kind="asap")
    talk = await _waiting(db, 5, category="talk", when_kind="asap")

    out = await story.in_group("cora", Command("pending"), chat=GROUP)
    shown = _shown(out)
    assert shown == [talk, urgent, *later[:8]]
    said = texts(out)
    # The group answers Cora in her language (English): "1–10 of 14", the next page named.
    assert "1–10" in said and "14" in said and "/pending 2" in said, said
    assert "14 requests" in said  # how many wait, first

    out = await story.in_group("cora", Command("pending", "2"), chat=GROUP)
    assert _shown(out) == later[8:]
    said = texts(out)
    assert "11–14" in said and "/pending 2" not in said, said
    # ▶ in the list's message says the same of its page.
    out = await story.in_group("cora", press("mod:pg:2"), chat=GROUP)
    assert _shown(out) == later[8:] and "11–14" in texts(out)

    # A page past the end, or not a number: a clear answer, nothing shown.
    out = await story.in_group("cora", Command("pending", "3"), chat=GROUP)
    assert _shown(out) == [] and "/pending" in texts(out)
    out = await story.in_group("cora", Command("pending", "zwei"), chat=GROUP)
    assert _shown(out) == [] and "/pending 2" in texts(out)
