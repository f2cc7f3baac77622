"""The held requests' job, run by the scheduler (``bot/city_service.py``, every minute): a
request a posting limit held back (``posting_limits``: kept as a ``draft`` with its reason)
goes on to review as soon as the limits allow - its wait is over, the day's count or the
person's open requests have room again - through :func:`lifecycle.release`, which tells
the requester; what went on in one tick is posted for review together
(:func:`lifecycle.released`: one alone as any request, more as one list, as /pending
shows it), and the group's post of what is held is edited to what is left. One still
held for another reason, or until later, keeps waiting with that reason (the desk and
the person read the new one). When the last request the flood rule held has gone on,
the coordinators' group is told the rule is off (:func:`lifecycle.flood_over`;
withdrawing the last one tells it too).

A held request of a banned person stays held (the ban withdraws it: lifecycle.end_all_for).
Takes the time so tests can move it; messages go through the outbox in the same
transaction as the moves. No button data and no conversation states here.
"""

from __future__ import annotations

from datetime import datetime

from db import Database
from db.clock import to_text
from handlers.context import Backstage
from handlers.helping import lifecycle, posting_limits
from handlers.settings import HandlerSettings


async def tick(db: Database, settings: HandlerSettings, now: datetime) -> int:
    """Send on what may go on now; how many messages were queued."""
    scene = Backstage(db, settings)
    async with db.transaction():
        # The talk and the urgent ones first: they reach review first.
        held = posting_limits.first_held(await db.requests.held())
        flooded = any(request.held_reason == posting_limits.FLOOD for request in held)
        released = []
        for request in held:
            if request.held_until and request.held_until > to_text(now):
                continue
            requester = await db.users.get(request.requester_id) if request.requester_id else None
            if requester is None or requester.banned_at:
                continue
            refusal = await posting_limits.may_post(scene, requester, now, releasing=True)
            if refusal is None:
                moved = await lifecycle.release(scene, request, post=False)
                released += [moved] if moved is not None else []
            elif refusal.hold is not None:
                hold = refusal.hold
                await db.requests.hold_on(request.id, hold.reason, hold.stored_until())
        if released:
            # One post for what went on together, as /pending shows it (lifecycle.released).
            await lifecycle.released(scene, released)
        if flooded:
            await lifecycle.flood_over(scene)
    return scene.mail.queued
