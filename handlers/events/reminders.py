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
from handlers.model import Button, Message, encode
from locales import DEFAULT_LANGUAGE, translator

HORIZON = timedelta(days=60)
GRACE = timedelta(minutes=30)


def occurrence_key(moment: datetime) -> str:
    """Compact occurrence id for button data: local YYYYMMDDHHMM."""
    return local_text(moment).replace("-", "").replace(":", "").replace("T", "")


def from_key(key: str) -> str:
    """The stored local start text for an occurrence key."""
    return f"{key[:4]}-{key[4:6]}-{key[6:8]}T{key[8:10]}:{key[10:12]}"


async def sync_event(db: Database, event_id: int, now: datetime) -> int:
    """Bring the event's pending reminders in line; return how many are wanted."""
    event = await db.events.get(event_id)
    follows = await db.events.follows(event_id=event_id)
    wanted: list[tuple[int, str, int, str]] = []
    if event is not None and event.status != "cancelled" and follows:
        upcoming = occurrences(event, now, now + HORIZON)
        offsets = await db.users.reminder_offsets(sorted({f[0] for f in follows}))
        for user_id, _event_id, only in follows:
            chosen = [o for o in upcoming if local_text(o) == only] if only else upcoming
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


def _reminder_text(event: Event, occurrence: datetime, lang: str) -> Markup:
    t = translator(lang)
    lines = [
        t.t("🔔 <b>Reminder:</b> {title}", title=event.title_in(lang)),
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
            lang = user.language or DEFAULT_LANGUAGE
            occurrence = local(reminder.occurrence_local)
            t = translator(lang)
            message = Message(
                _reminder_text(event, occurrence, lang),
                [[Button("📅 " + t._("Details"), f"ev:d:{event.id}:{occurrence_key(occurrence)}")]],
            )
            await db.outbox.enqueue(user.platform, user.chat_id, encode(message))
            sent.append(reminder.id)
        await db.events.mark(sent, "sent")
        await db.events.mark(skipped, "skipped")
    return len(sent), len(skipped)
