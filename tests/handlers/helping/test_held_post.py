"""One crowd is one post in the group, not 32 (issue 100, point 4). While the flood rule
holds a crowd back, the group has one post for the hold, edited in place as it grows ("⏸
12 held until 02:19" and a line each); when the rush has thinned out, what went on is one
list as /pending shows it (a button a request opening its card), and the hold's post says
nothing is held any more. Played through the dispatcher's chat and its backchannel, the
held requests' job on a moved clock. Failed before: a "⏸ held" post a request, then a
review post a request."""

from __future__ import annotations

from dataclasses import replace

from handlers.helping import held_requests, posting_limits
from handlers.helping.review import held_post
from handlers.messages import Edit
from handlers.messenger import backchannel_language
from tests.support.clock import Clock
from tests.support.help_story import GROUP, post_request

CROWD = 12


async def test_a_crowd_is_one_post_edited_as_it_grows_and_one_list_at_the_release(story, db):
    story.dispatcher.settings = replace(
        story.dispatcher.settings, new_user_cooldown_minutes=10, new_account_flood_requests=2
    )
    await post_request(story, "first1", "en", "Please help me with the shopping")
    await post_request(story, "first2", "en", "Please help me with the forms")
    await story.flush()
    before = len(story.inbox[GROUP])
    for n in range(CROWD):
        await post_request(story, f"crowd{n}", "en", f"Please help me, number {n}")
        await story.flush()
    held = await db.requests.held()
    assert len(held) == CROWD
    bt = backchannel_language()
    during = story.inbox[GROUP][before:]
    posts = [item for item in during if not isinstance(item, Edit)]
    # The flood rule's notice and one post for the hold; the rest are edits of that post.
    assert [str(item.text) for item in posts] == [
        str(posting_limits.flood_on_text(bt)),
        str(held_post.text(bt, held[:1])),
    ]
    edits = [item for item in during if isinstance(item, Edit)]
    assert len(edits) == CROWD - 1 and len({edit.outbox_id for edit in edits}) == 1
    now = str(edits[-1].text)
    assert now.startswith(str(held_post.heading(bt, CROWD, held_post.last_until(held)))), now
    assert all(f"#{request.id} " in now for request in held)

    released_from = len(story.inbox[GROUP])
    clock = Clock()
    clock.pass_(minutes=11)
    await held_requests.tick(story.dispatcher.db, story.dispatcher.settings, clock())
    await story.flush()
    after = story.inbox[GROUP][released_from:]
    new = [item for item in after if not isinstance(item, Edit)]
    # One list (as /pending: its first page, each a button to the card) and the rule's end;
    # no review post a request.
    assert len(new) == 2, [str(item.text) for item in new]
    listing = str(new[0].buttons)
    assert sum(f"mod:pc:{request.id}:1" in listing for request in held) == 8
    assert not any(f"mod:ok:{request.id}" in str(after) for request in held)
    assert str(new[1].text) == str(posting_limits.flood_off_text(bt))
    # The hold's post now says nothing is held.
    assert str([item for item in after if isinstance(item, Edit)][-1].text) == str(
        held_post.text(bt, [])
    )
