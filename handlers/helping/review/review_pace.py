"""A review that keeps pace (issue 63 point 3): how long the oldest request has waited for
a coordinator's review, who is on duty, and the reminder of a review that waits too long.

- :func:`oldest_line`: "⏳ Oldest waiting for review: 2 h 10 min (#12)", shown above the
  desk's queue and the backchannel's /pending; counted from asking (the request's
  creation), as the statistics count.
- On duty: a coordinator says "on duty now" or "off" (``/duty`` in the backchannel toggles,
  the desk's queue has a button); stored in ``coordinators_on_duty``
  (db/personal_data.py, the "account" purpose). A simple toggle, not a weekly schedule:
  volunteer coordinators' hours change week to week, and a schedule kept by nobody would
  send reminders to people who are not there.
- :func:`remind`, the scheduler's job (bot/city_service.py, every 5 minutes): a request
  waiting for review past ``[help] review_remind_minutes`` reminds the coordinators on
  duty, privately (``review_reminded_at``; when nobody is on duty, every coordinator);
  after twice as long every coordinator (``review_escalated_at``). Each once a request;
  roles are checked when the reminder goes, not when someone said "on duty". Messages go
  through the outbox (handlers/messenger.py) in the transaction that marks them.

No button data and no conversation states here; the command is ``/duty``
(handlers/helping/moderation.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from babel.dates import format_timedelta
from markupsafe import Markup

from db import Database
from db.clock import from_text, to_text
from db.request_states import REVIEW
from db.requests import HelpRequest
from db.users import User
from handlers.context import Backstage
from handlers.messages import Message
from handlers.settings import HandlerSettings
from handlers.staff import is_staff
from locales import N_, Translator

OLDEST = N_("⏳ Oldest waiting for review: {duration} (#{id})")
REMIND = N_(
    "⏳ Request #{id} has waited {duration} for a review. Please publish or reject it:"
    " /pending in the group, or the desk's queue."
)
ON_DUTY = N_("🟢 You are on duty now: requests waiting too long for review remind you.")
OFF_DUTY = N_("⚪ You are off duty: no reminders of the review for you.")

# The roles that may be on duty and are reminded: the desk's and the backchannel's.
COORDINATOR_ROLES = ("coordinator", "admin")


def waited(t: Translator, since: str, now: datetime) -> str:
    """How long since ``since`` in the reader's words, hours and minutes ("2 h 10 min"),
    each part by Babel in the reader's locale."""
    minutes = max(0, int((now - from_text(since)).total_seconds() // 60))
    hours, rest = divmod(minutes, 60)

    def part(delta: timedelta, unit: Literal["hour", "minute"]) -> str:
        return format_timedelta(
            delta, granularity=unit, threshold=10_000, format="short", locale=t.locale
        )

    parts = [part(timedelta(hours=hours), "hour")] if hours else []
    if rest or not hours:
        parts.append(part(timedelta(minutes=rest), "minute"))
    return str(t.digits(" ".join(parts)))


async def oldest(db: Database) -> HelpRequest | None:
    """The request that has waited longest for review (None: nothing waits)."""
    waiting = await db.requests.in_state(REVIEW)
    return min(waiting, key=lambda r: (r.created_at, r.id)) if waiting else None


async def oldest_line(db: Database, t: Translator, now: datetime) -> Markup | None:
    request = await oldest(db)
    if request is None:
        return None
    return t.t(OLDEST, duration=waited(t, request.created_at, now), id=request.id)


async def set_on_duty(db: Database, user: User, on_duty: bool) -> str | None:
    """Say on duty or off; what to answer (a message id to translate), or None when
    ``user`` is no coordinator at this moment (nothing changes)."""
    if not is_staff(user):
        return None
    await db.users.set_on_duty(user.id, on_duty)
    return ON_DUTY if on_duty else OFF_DUTY


async def is_on_duty(db: Database, user: User) -> bool:
    return any(person.id == user.id for person in await db.users.on_duty())


async def _coordinators(db: Database) -> list[User]:
    people: dict[int, User] = {}
    for role in COORDINATOR_ROLES:
        for person in await db.users.with_role(role):
            if is_staff(person):
                people[person.id] = person
    return list(people.values())


async def remind(db: Database, settings: HandlerSettings, now: datetime, minutes: int) -> int:
    """Remind of requests waiting too long for review; how many messages were queued."""
    scene = Backstage(db, settings)
    first = to_text(now - timedelta(minutes=minutes))
    later = to_text(now - timedelta(minutes=2 * minutes))
    async with db.transaction():
        for request in await db.requests.in_state(REVIEW):
            if request.review_escalated_at is None and request.created_at <= later:
                await db.requests.mark(request.id, "review_escalated_at")
                await db.requests.mark(request.id, "review_reminded_at")
                await _tell(scene, request, await _coordinators(db), now)
            elif request.review_reminded_at is None and request.created_at <= first:
                await db.requests.mark(request.id, "review_reminded_at")
                on_duty = [person for person in await db.users.on_duty() if is_staff(person)]
                await _tell(scene, request, on_duty or await _coordinators(db), now)
    return scene.mail.queued


async def _tell(scene: Backstage, request: HelpRequest, people: list[User], now: datetime) -> None:
    # No name or text of the requester: a number and a time are enough to find it.
    await scene.mail.to_users(
        [person.id for person in people],
        lambda t: Message(t.t(REMIND, id=request.id, duration=waited(t, request.created_at, now))),
    )
