"""The coordinators' one post of what the posting limits hold back (issue 100, point 4).

A launch crowd was one "⏸ held" post a request in the group, then one review post a
request at the release: 32 posts in a night. Now the group has one post for the hold,
edited in place as it grows and shrinks - "⏸ 15 held until 02:19", then each held request
as a line (a caller who wants to talk now and the urgent ones first and marked:
:func:`posting_limits.first_held`), at most :data:`LINES` of them - and when the last has
gone on, it says so ("▶️ Nothing is held back now."). The edits go through the outbox as
every edit of a post does (``Messenger.edit``); the posts' outbox ids are kept in the
database (``transport_state`` key :data:`KEY`, one per backchannel: several bot processes
serve one city), and a new hold after an empty one starts a new post. What the group is
sent at the release is the lifecycle's (``lifecycle.release_all``: one list, as /pending
shows it).

No button data and no conversation states here.
"""

from __future__ import annotations

import json

from markupsafe import Markup

from db.requests import HelpRequest
from handlers.helping import posting_limits
from handlers.helping.scene import Scene
from handlers.messages import Message
from handlers.messenger import backchannel_language
from locales import N_, Translator

KEY = "help.held_post"
# The held requests a post names line by line; the rest are counted.
LINES = 15

HELD_UNTIL = N_("⏸ Request #{id} is held back: {reason}. It goes to review at {time}.")
HELD_UNTIL_ALLOWED = N_(
    "⏸ Request #{id} is held back: {reason}. It goes to review when the limit allows."
)
NOTHING_HELD = N_("▶️ Nothing is held back now.")


def held_line(t: Translator, request: HelpRequest) -> Markup:
    """A held request as the coordinators read it: its number, why and until when; a
    talk or an urgent request marked so (posting_limits.mark)."""
    reason = t._(posting_limits.COORDINATOR_REASONS[request.held_reason])
    if request.held_until:
        until = posting_limits.when(t, request.held_until)
        line = t.t(HELD_UNTIL, id=request.id, reason=reason, time=until)
    else:
        line = t.t(HELD_UNTIL_ALLOWED, id=request.id, reason=reason)
    mark = posting_limits.mark(t, request)
    return Markup("{0} · {1}").format(line, mark) if mark else line


def heading(t: Translator, count: int, until: str | None) -> Markup:
    """ "⏸ 15 held until 02:19": how many, and until when the last of them is held
    (``until``, stored; None: until the limits allow). The backlog's line says it too."""
    if until:
        when = posting_limits.when(t, until)
        return t.tn("⏸ {n} held until {time}", "⏸ {n} held until {time}", count, time=when)
    return t.tn("⏸ {n} held until the limits allow", "⏸ {n} held until the limits allow", count)


def last_until(held: list[HelpRequest]) -> str | None:
    """Until when the last of ``held`` is held (None: none has a time)."""
    return max((request.held_until for request in held if request.held_until), default=None)


def text(t: Translator, held: list[HelpRequest]) -> Markup:
    """The post: the heading, then a line a held request, the first :data:`LINES`."""
    if not held:
        return t.t(NOTHING_HELD)
    ordered = posting_limits.first_held(held)
    top = heading(t, len(held), last_until(held))
    lines = [top, *(held_line(t, request) for request in ordered[:LINES])]
    if len(ordered) > LINES:
        more = len(ordered) - LINES
        lines.append(t.tn("… and {n} more.", "… and {n} more.", more))
    return Markup("\n").join(lines)


async def show(scene: Scene) -> None:
    """The group's post of what is held now: edited where there is one, else posted (when
    anything is held). When nothing is held any more, the post says so and is let go."""
    db = scene.db
    held = await db.requests.held()
    kept = await db.transport_state.get(KEY)
    posts: list[int] = json.loads(kept) if kept else []
    bt = backchannel_language()
    shown = text(bt, held)
    edited = [
        outbox_id
        for outbox_id in posts
        if await scene.mail.edit(outbox_id, lambda _t: Message(shown))
    ]
    if not held:
        await db.transport_state.delete(KEY)
        return
    if not edited:
        edited = await scene.mail.to_backchannel(lambda _t: Message(shown))
    await db.transport_state.set(KEY, json.dumps(edited))
