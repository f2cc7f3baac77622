"""Buttons of the help story pressed when they are spent change nothing and ask nothing: a
volunteer who taps "I can help" again on a request they already took (a double tap, an
older copy of the offer) is not told "already taken" (by someone else, in most languages),
and the message with their contact's buttons is not replaced; a requester's old "Help is
done" (or "End contact") of a withdrawn request asks no question."""

from __future__ import annotations

from db import Database
from handlers.helping.lifecycle import TAKEN
from handlers.messages import Command, Message
from locales import translator
from tests.support.help_story import GROUP, grant_role_to, post_request, press, register_volunteer
from tests.support.memory_transport import MemoryTransport, texts


async def test_a_second_tap_on_i_can_help_changes_nothing(story: MemoryTransport, db: Database):
    vera = await register_volunteer(story, db, "vera", "uk")
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    await story.in_group("cora", Command("verify", str(vera)), chat=GROUP)
    request_id = await post_request(story, "amira", "fa", "من به کمک خرید نیاز دارم")
    await story.in_group("cora", press(f"mod:ok:{request_id}"), chat=GROUP)
    await story.flush()
    await story.press("vera", f"mt:acc:{request_id}")
    out = await story.press("vera", f"mt:acc:{request_id}")
    taken = translator("uk").t(TAKEN, id=request_id)
    assert taken not in texts(out)
    assert not [item for item in out if isinstance(item, Message) and item.edit]
    request = await db.requests.get(request_id)
    assert (request.state, request.volunteer_id) == ("matched", vera)


async def test_an_old_help_is_done_of_a_withdrawn_request_asks_nothing(
    story: MemoryTransport, db: Database
):
    """After Amira withdrew her matched request, her old "✅ Help is done" and "🚪 End
    contact" are spent: not a question whose yes then does nothing."""
    vera = await register_volunteer(story, db, "vera", "uk")
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    await story.in_group("cora", Command("verify", str(vera)), chat=GROUP)
    request_id = await post_request(story, "amira", "ar")
    await story.in_group("cora", press(f"mod:ok:{request_id}"), chat=GROUP)
    await story.flush()
    await story.press("vera", f"mt:acc:{request_id}")
    await story.press("amira", f"hr:wdy:{request_id}")
    for old in ("rl:done", "rl:end"):
        out = await story.press("amira", f"{old}:{request_id}")
        assert not [item for item in out if isinstance(item, Message)], old
    assert (await db.requests.get(request_id)).state == "withdrawn"
