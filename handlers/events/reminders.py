"""Reminders: materialised from follows, delivered through the outbox exactly once.

``sync_event`` makes an event's pending reminders match its follows, its occurrences in the
coming ``HORIZON`` and each follower's reminder times; it runs when someone follows, when an
event changes, and daily (``sync_all``) to reach further into recurring events.
``deliver_due`` runs every minute: a due reminder is queued in the outbox and marked sent in
one transaction, so a crash either does both or neither. One whose time passed while the bot
was down is still sent within the grace period and skipped after it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from markupsafe import Markup

from db import Database
from db.clock import to_text
from db.events import Event
from handlers.events.recurrence import local, local_text, occurrences
from handlers.messages import Button, Message
from handlers.messenger import Messenger
from locales import Translator

HORIZON = timedelta(days=60)
GRACE = timedelta(minutes=30)
# Dates of one event that get reminders at a time: a daily event has 60 in the horizon. The
# daily sync_all reaches further as they pass.
MAX_REMINDED = 90


def occurrence_key(moment: datetime) -> str:
    """Compact occurrence id for button data: local YYYYMMDDHHMM."""
    return local_text(moment).replace("-", "").replace(":", "").replace("T", "")


def from_key(key: str) -> str:
    """The stored local start text for an occurrence key."""
    return f"{key[:4]}-{key[4:6]}-{key[6:8]}T{key[8:10]}:{key[10:12]}"


def _one_date(event: Event, only: str, now: datetime) -> list[datetime]:
    """The followed date of the event if it still is one and lies in the horizon."""
    try:
        moment = local(only)
    except ValueError:
        return []
    if not now <= moment < now + HORIZON:
        return []
    found = occurrences(event, moment, moment + timedelta(minutes=1), limit=1)
    return [o for o in found if local_text(o) == only]


async def sync_event(db: Database, event_id: int, now: datetime) -> int:
    """Bring the event's pending reminders in line; return how many are wanted."""
    event = await db.events.get(event_id)
    follows = await db.events.follows(event_id=event_id)
    wanted: list[tuple[int, str, int, str]] = []
    if event is not None and event.status != "cancelled" and follows:
        # "Every time" gets the first MAX_REMINDED dates in the horizon, never more.
        upcoming = (
            occurrences(event, now, now + HORIZON, limit=MAX_REMINDED)
            if any(not only for _, _, only in follows)
            else []
        )
        offsets = await db.users.reminder_offsets(sorted({f[0] for f in follows}))
        for user_id, _event_id, only in follows:
            chosen = _one_date(event, only, now) if only else upcoming
            for occurrence in chosen:
                for minutes in offsets.get(user_id, ()):
                    fire = occurrence - timedelta(minutes=minutes)
                    if fire > now:
                        wanted.append((user_id, local_text(occurrence), minutes, to_text(fire)))
    await db.events.set_pending(event_id, None, wanted, now)
    return len(wanted)


async def sync_all(db: Database, now: datetime) -> int:
    total = 0
    for event_id in await db.events.followed_event_ids():
        async with db.transaction():
            total += await sync_event(db, event_id, now)
    return total


def _reminder_text(event: Event, occurrence: datetime, t: Translator) -> Markup:
    lines = [
        t.t("🔔 <b>Reminder:</b> {title}", title=event.title_in(t.lang)),
        t.t("🕓 {when}", when=t.datetime(occurrence, "medium")),
    ]
    if event.address:
        lines.append(t.format("📍 {address}", address=event.address))
    if event.status == "changed":
        lines.append(t.t("⚠️ This event was changed - please check the details."))
    return Markup("\n").join(lines)


async def deliver_due(db: Database, now: datetime, grace: timedelta = GRACE) -> tuple[int, int]:
    """Queue every due reminder (or skip it if too late); return (queued, skipped)."""
    events: dict[int, Event | None] = {}
    mail = Messenger(db)
    async with db.transaction():
        due = await db.events.due(now)
        sent, skipped = [], []
        for reminder in due:
            fire = datetime.fromisoformat(reminder.fire_at.replace("Z", "+00:00"))
            if reminder.event_id not in events:
                events[reminder.event_id] = await db.events.get(reminder.event_id)
            event = events[reminder.event_id]
            user = await db.users.get(reminder.user_id)
            if (
                now - fire > grace
                or event is None
                or event.status == "cancelled"
                or user is None
                or not user.chat_id
                or not user.consent_at
            ):
                skipped.append(reminder.id)
                continue
            occurrence = local(reminder.occurrence_local)
            details = f"ev:d:{event.id}:{occurrence_key(occurrence)}"

            def compose(
                t: Translator, event: Event = event, at: datetime = occurrence, key: str = details
            ) -> Message:
                return Message(
                    _reminder_text(event, at, t), [[Button("📅 " + t._("Details"), key)]]
                )

            await mail.to_user(user, compose)
            sent.append(reminder.id)
        await db.events.mark(sent, "sent")
        await db.events.mark(skipped, "skipped")
    return len(sent), len(skipped)
