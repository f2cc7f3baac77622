"""Issue 41, point 14: a review post edited after a decision says the decision first (not
"🆕 Request #N - please check" above it), and the hours a helper picks are acknowledged
above the next question."""

from __future__ import annotations

from db import Database
from handlers.context import Backstage
from handlers.helping import lifecycle, moved_on
from handlers.messages import Command, Edit, Message
from locales import translator
from tests.support.help_story import (
    GROUP,
    buttons_of,
    grant_role_to,
    post_request,
    press,
    register_volunteer,
    withdrawn_in_review,
)
from tests.support.memory_transport import MemoryTransport, readable, texts

DE = translator("de")


def _first_line(text: str) -> str:
    return readable(text).strip().splitlines()[0]


async def test_the_pressed_post_says_published_first(story: MemoryTransport, db: Database):
    request_id = await post_request(story)
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    out = await story.in_group("cora", press(f"mod:ok:{request_id}"))
    post = texts([item for item in out if isinstance(item, Message)])
    assert _first_line(post) == readable(str(DE.t("✅ Published by {name}.", name="Cora")))
    assert "please check" not in post and DE._("🆕 <b>Request #{id}</b> - please check")[
        :12
    ] not in readable(post)
    assert f"#{request_id}" in post  # which request it was stays in the post


async def test_a_post_edited_by_the_lifecycle_says_its_state_first(
    story: MemoryTransport, db: Database
):
    request_id = await post_request(story)
    await story.flush()
    await story.onboard("cora", "de")
    cora = await grant_role_to(db, "cora", "coordinator")
    # Decided elsewhere (the desk): the group's post is edited through the outbox.
    async with db.transaction():
        await lifecycle.publish(
            Backstage(db, story.dispatcher.settings), await db.users.get(cora), request_id
        )
    await story.flush()
    [edit] = [item for item in story.inbox[GROUP] if isinstance(item, Edit)]
    assert _first_line(str(edit.text)) == readable(
        str(DE.t("✅ Published by {name}.", name="Cora"))
    )
    heading = readable(str(DE.t("🆕 <b>Request #{id}</b> - please check", id=request_id)))
    assert heading not in readable(str(edit.text))


async def test_the_hours_picked_are_acknowledged(story: MemoryTransport, db: Database):
    request_id = await post_request(story)
    vera = await register_volunteer(story, db, "vera")
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    await story.in_group("cora", Command("verify", str(vera)))
    await story.in_group("cora", press(f"mod:ok:{request_id}"))
    await story.flush()
    await story.press("vera", f"mt:acc:{request_id}")
    await story.press("amira", f"rl:done:{request_id}")
    await story.press("amira", f"rl:doney:{request_id}")
    await story.flush()
    assert f"rl:min:{request_id}:60" in [b.data for b in buttons_of(story.last("vera"))]
    out = await story.press("vera", f"rl:min:{request_id}:60")
    t = translator((await db.users.get(vera)).language)
    shown = readable(texts(out))
    noted = readable(str(t.t("⏱ Time reported: {duration}", duration=t.duration(60))))
    assert noted in shown
    # Before the next question, not after it.
    assert shown.index(noted) < shown.index(
        readable(str(t.t("🛒 How much money did you lay out? For example 12,50. Send 0 if none.")))
    )


async def test_a_stale_decision_on_a_withdrawn_request_leaves_its_posts_true(
    story: MemoryTransport, db: Database
):
    """A coordinator presses ✅ on a review post after the requester withdrew the request:
    the request stays withdrawn, the posts keep saying so (no "decided by ?" written over
    them), and the coordinator is told the requester withdrew it and when, not that
    someone decided it."""
    request_id = await withdrawn_in_review(story, db)
    assert (await db.requests.get(request_id)).state == "withdrawn"
    before = list(story.inbox[GROUP])
    for data in (f"mod:ok:{request_id}", f"mod:rr:{request_id}:scope"):
        out = await story.in_group("cora", press(data))
        await story.flush()
        assert (await db.requests.get(request_id)).state == "withdrawn"
        assert story.inbox[GROUP] == before  # no post rewritten by the stale press
        assert not [item for item in out if isinstance(item, Message)]  # nor the pressed one
        said = " ".join(str(getattr(item, "text", "")) for item in out)
        # Who withdrew it and when (handlers/helping/moved_on.py).
        move = await moved_on.last_move(db, request_id, "withdrawn")
        assert move is not None
        withdrawn = DE.t(moved_on.WITHDRAWN_BY_REQUESTER, id=request_id, time=DE.time(move.at))
        assert readable(str(withdrawn)) in readable(said)
