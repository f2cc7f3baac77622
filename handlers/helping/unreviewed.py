"""Published without review after a wait (``[help] publish_unreviewed_after``, minutes;
30 by default, 0 = off; docs/help.md#a-review-that-keeps-pace): a request that has waited
that long for a coordinator's review, counted from asking (its creation), and that nobody
decided, is published by :func:`tick`, the scheduler's job (bot/city_service.py, every
minute; at most :data:`BATCH` a run), through :func:`lifecycle.publish_unreviewed` - its
review posts then say so, with the button to pull it back, and the requester is told as on
any publication, in the same transaction. Only within ``publish_unreviewed_hours`` (08-22
by default, :func:`in_hours`): what comes due at night waits for the morning's first run,
or for a coordinator (nobody reads an offer at night; issue 102, point 3).

Waits for a coordinator all the same (:func:`kept_for_review`):

- **what the checks flag** (returning.flags, the one list: a phone number, an e-mail
  address, a street address, a link, a voice description);
- **a sender who could be forged** (returning.sender_proven, the one rule): a request from
  a phone number - a call or a text - whose proof, if any, was in the moment it was sent,
  which a job cannot see: a caller ID can be forged;
- **what is held back today**: a request a posting limit holds is a draft, never in review;
  while the flood rule holds any request (many new accounts asking at once) the bot
  publishes nothing unread; a blocked requester, or one whose data is gone;
- **what a coordinator has in hand**: anything a coordinator did with it (a question to the
  requester, a corrected text, a summary, a pull-back), and a request published before and
  back in review (pulled back, or changed by its requester).

A text its requester changed while in review waits the city's wait from the change, not
from the asking: nobody read the new text.

A coordinator deciding at the same moment: one conditional UPDATE, exactly one wins; the job
leaves what a coordinator decided, a coordinator who came second reads that the bot had
published it (lifecycle ``_decide``). No button data and no conversation states here.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from db import Database
from db.clock import to_text
from db.request_states import OPEN, REVIEW
from db.requests import HelpRequest
from handlers.context import Backstage
from handlers.helping import lifecycle, posting_limits, returning
from handlers.settings import HandlerSettings
from locales import TIMEZONE

# Publications a run, at most: a backlog after an outage goes out over a few minutes, each
# run's transaction short.
BATCH = 20


async def tick(db: Database, settings: HandlerSettings, now: datetime) -> list[int]:
    """Publish what waited past the city's wait and may go out unread; the requests
    published (none when the setting is off)."""
    minutes = settings.publish_unreviewed_after
    if not minutes or not in_hours(settings, now):
        return []
    # While the flood rule holds any request, nothing goes out unread: one look a run.
    if any(held.held_reason == posting_limits.FLOOD for held in await db.requests.held()):
        return []
    scene = Backstage(db, settings)
    asked_by = to_text(now - timedelta(minutes=minutes))
    waiting = [r for r in await db.requests.in_state(REVIEW) if r.created_at <= asked_by]
    published: list[int] = []
    for request in sorted(waiting, key=lambda r: (r.created_at, r.id)):
        if len(published) >= BATCH:
            break
        async with db.transaction():
            # Read again inside the transaction: the list above may be older than a change
            # of the text (the checks must read what goes out) or a decision.
            current = await db.requests.get(request.id)
            if current is None or current.state != REVIEW:
                continue
            if await kept_for_review(scene, current, asked_by):
                continue
            if await lifecycle.publish_unreviewed(scene, current, minutes) is not None:
                published.append(request.id)
    return published


def in_hours(settings: HandlerSettings, now: datetime) -> bool:
    """Whether ``now`` lies in ``publish_unreviewed_hours`` (Europe/Berlin, [first, last)):
    outside them the job publishes nothing, and what came due waits for the first run in
    them or for a coordinator."""
    first, last = settings.publish_unreviewed_hours
    local = now.astimezone(TIMEZONE)
    return first <= local.hour + local.minute / 60 < last


def first_chance(settings: HandlerSettings, asked: datetime) -> datetime:
    """The first moment the job may publish a request asked at ``asked`` unread: the wait
    after asking, then the next start of ``publish_unreviewed_hours`` if it falls outside
    them (the outcomes bench runs the job then, bench/outcomes_sim.py)."""
    due = asked + timedelta(minutes=settings.publish_unreviewed_after)
    if in_hours(settings, due):
        return due
    first = settings.publish_unreviewed_hours[0]
    local = due.astimezone(TIMEZONE)
    opens = datetime.combine(local.date(), time(first), TIMEZONE)
    return opens if opens > local else opens + timedelta(days=1)


async def kept_for_review(scene: Backstage, request: HelpRequest, asked_by: str) -> bool:
    """Whether ``request``, asked by ``asked_by``, waits for a coordinator (the module's
    docstring): however long it waited, or until the wait has passed since its requester
    last changed it (a changed text is one nobody read; the wait counts from the change)."""
    if returning.flags(request):
        return True
    db = scene.db
    requester = await db.users.get(request.requester_id) if request.requester_id else None
    if requester is None or requester.banned_at:
        return True
    if not await returning.sender_proven(scene, requester):
        return True
    for entry in await db.requests.history(request.id):
        if entry["action"] == f"request.{OPEN}":
            return True
        if entry["action"] == f"request.{REVIEW}" and entry["at"] > asked_by:
            return True  # changed in review since: the wait counts from the change
        if entry["actor_id"] not in (None, requester.id):
            return True
    return False
