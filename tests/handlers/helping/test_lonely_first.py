"""A lonely caller is not held with the crowd (issue 100, point 1). While the flood rule
holds a launch crowd back, a request to "📞 just talk" goes to review at once, with its
decision buttons, as its talk notice says; an urgent one held with the crowd is marked
"⚡ as soon as possible" in the group and is listed first when the rush has thinned out. A
flood of talk requests is held all the same. Played through the dispatcher's chat and its
backchannel, the held requests' job on a moved clock, on both database backends. Failed
before: the talk request was a draft held ten minutes like the rest, and the held lines
named no urgency."""

from __future__ import annotations

from dataclasses import replace

import pytest

from db import Database
from db.request_states import DRAFT, REVIEW
from handlers.helping import held_requests, posting_limits
from handlers.messenger import backchannel_language
from tests.support.clock import Clock
from tests.support.help_story import GROUP, NORDMARKT, post_request
from tests.support.memory_transport import MemoryTransport, button_data

pytestmark = pytest.mark.both_backends


async def _ask(story: MemoryTransport, who: str, kind: str, when: str = "asap") -> None:
    """A new person asks for ``kind`` of help, ``when`` ("asap" or "window")."""
    await story.onboard(who, "en")
    await story.press(who, "hr:new")
    await story.press(who, f"hr:cat:{kind}")
    await story.text(who, "I live alone and would like someone to talk to")
    await story.location(who, *NORDMARKT)
    await story.press(who, f"hr:when:{when}")
    if when != "asap":
        await story.text(who, "any evening this week")
    out = await story.press(who, "hr:langs-done")
    assert "hr:send" in button_data(out)
    await story.press(who, "hr:send")


async def _own(db: Database, who: str):
    person = await db.users.find("memory", who)
    return (await db.requests.for_requester(person.id))[0]


async def test_a_talk_request_passes_the_flood_and_an_urgent_held_one_goes_first(story, db):
    story.dispatcher.settings = replace(
        story.dispatcher.settings, new_user_cooldown_minutes=10, new_account_flood_requests=2
    )
    await post_request(story, "c1", "en", "Please help me with the shopping")
    await post_request(story, "c2", "en", "Please help me with the forms")
    await _ask(story, "later", "shopping", when="window")
    await _ask(story, "lonely", "talk")
    await _ask(story, "quick", "shopping")
    await story.flush()
    later, lonely, quick = [await _own(db, who) for who in ("later", "lonely", "quick")]
    # The crowd is held; the lonely caller is not: she is for review at once.
    assert later.state == DRAFT and quick.state == DRAFT
    assert lonely.state == REVIEW and not lonely.held_reason
    group = str(story.inbox[GROUP])
    assert f"mod:ok:{lonely.id}" in group
    # The urgent held one is marked so in the group; the one for later is not.
    bt = backchannel_language()
    posted = "\n".join(str(item.text) for item in story.inbox[GROUP]).splitlines()
    held_lines = {
        request.id: next(line for line in posted if f"#{request.id} " in line)
        for request in (later, quick)
    }
    assert str(posting_limits.mark(bt, quick)) in held_lines[quick.id]
    assert "⚡" not in held_lines[later.id]
    # When the rush has thinned out the urgent one is listed first, though it came later.
    before = len(story.inbox[GROUP])
    clock = Clock()
    clock.pass_(minutes=11)
    await held_requests.tick(story.dispatcher.db, story.dispatcher.settings, clock())
    await story.flush()
    released = str([item.buttons for item in story.inbox[GROUP][before:]])
    assert 0 <= released.index(f"mod:pc:{quick.id}:") < released.index(f"mod:pc:{later.id}:")


async def test_a_flood_of_talk_requests_is_held_all_the_same(story, db):
    story.dispatcher.settings = replace(
        story.dispatcher.settings, new_user_cooldown_minutes=10, new_account_flood_requests=2
    )
    for who in ("t1", "t2", "t3"):
        await _ask(story, who, "talk")
    states = [(await _own(db, who)).state for who in ("t1", "t2", "t3")]
    assert states == [REVIEW, REVIEW, DRAFT]
