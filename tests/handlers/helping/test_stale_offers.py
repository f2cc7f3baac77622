"""Buttons pressed after their request moved on: a volunteer's "I can help" on an offer of
a request that left the search without anyone taking it (changed and back in review,
withdrawn) changes nothing and says what happened - not that someone else took it; a
coordinator's ✏️/❓/📝 on a gone request says so at once, before they write anything."""

from __future__ import annotations

import pytest

from db import Database
from handlers.context import Backstage
from handlers.helping import lifecycle
from handlers.messages import Command
from locales import translator
from tests.support.help_story import (
    grant_role_to,
    post_request,
    press,
    register_volunteer,
    withdrawn_in_review,
)
from tests.support.memory_transport import MemoryTransport, readable


def _said(out) -> str:
    return readable(" ".join(str(getattr(item, "text", "")) for item in out))


@pytest.mark.parametrize("gone", ["pulled back", "withdrawn"])
async def test_an_offer_pressed_after_the_request_left_the_search(
    story: MemoryTransport, db: Database, gone: str
):
    request_id = await post_request(story)
    vera = await register_volunteer(story, db, "vera", "uk")
    await story.onboard("cora", "de")
    cora = await grant_role_to(db, "cora", "coordinator")
    await story.in_group("cora", Command("verify", str(vera)))
    await story.in_group("cora", press(f"mod:ok:{request_id}"))
    await story.flush()
    assert await db.volunteers.was_offered(request_id, vera)
    if gone == "pulled back":
        async with db.transaction():
            await lifecycle.pull_back(
                Backstage(db, story.dispatcher.settings), await db.users.get(cora), request_id
            )
    else:
        await story.press("amira", f"hr:wdy:{request_id}")
    await story.flush()
    state = (await db.requests.get(request_id)).state

    out = await story.press("vera", f"mt:acc:{request_id}")
    assert (await db.requests.get(request_id)).state == state
    assert (await db.requests.get(request_id)).volunteer_id is None
    uk = translator("uk")
    assert readable(str(uk.t(lifecycle.TAKEN, id=request_id))) not in _said(out)
    assert _said(out).strip()  # told something


@pytest.mark.parametrize("action", ["sum", "ed", "ask"])
async def test_a_coordinator_is_not_asked_to_write_about_a_request_that_is_gone(
    story: MemoryTransport, db: Database, action: str
):
    """✏️/❓/📝 on the post of a withdrawn request: the coordinator is told at once, not
    asked to write a text in the private chat that would then be refused and lost."""
    request_id = await withdrawn_in_review(story, db)
    story.inbox.pop("cora", None)

    out = await story.in_group("cora", press(f"mod:{action}:{request_id}"))
    await story.flush()
    assert not story.inbox.get("cora")  # no prompt to write
    assert _said(out).strip()  # told why, where they pressed
    answer = await story.text("cora", "Welcher Laden?")
    assert (await db.requests.get(request_id)).state == "withdrawn"
    assert not [item for item in answer if "Welcher" in str(getattr(item, "text", ""))]
