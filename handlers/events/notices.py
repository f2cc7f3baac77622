"""Telling people about events: followers learn of changes and cancellations, subscribers of a
place or district learn of new events there. Messages go through the outbox in the caller's
transaction; announcements wait for the morning instead of arriving at night.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta

from markupsafe import Markup

from db import Database
from db.events import Event
from handlers.events.recurrence import local, next_occurrences
from handlers.events.reminders import occurrence_key, sync_event
from handlers.messages import Button, Message
from handlers.messenger import Messenger
from locales import TIMEZONE, Translator

# Announcements are not sent between these hours (Europe/Berlin).
QUIET_FROM, QUIET_UNTIL = 21, 8


def not_before(now: datetime) -> datetime | None:
    """The end of the night if ``now`` falls into it, else None (send now)."""
    local_now = now.astimezone(TIMEZONE)
    if QUIET_UNTIL <= local_now.hour < QUIET_FROM:
        return None
    day = local_now.date() if local_now.hour < QUIET_UNTIL else local_now.date() + timedelta(days=1)
    return datetime.combine(day, time(QUIET_UNTIL), TIMEZONE)


def _next_start(event: Event, now: datetime) -> datetime:
    upcoming = next_occurrences(event, now, 1)
    return upcoming[0] if upcoming else local(event.starts_local)


def _when(t: Translator, event: Event, now: datetime) -> str:
    return t.datetime(_next_start(event, now), "medium")


def _details(t: Translator, event: Event, now: datetime) -> list[list[Button]]:
    upcoming = next_occurrences(event, now, 1)
    key = f":{occurrence_key(upcoming[0])}" if upcoming else ""
    return [[Button("📅 " + t._("Details"), f"ev:d:{event.id}{key}")]]


async def _subscribers(db: Database, event: Event) -> set[int]:
    users: set[int] = set()
    if event.place_id:
        users |= set(await db.events.subscribers("place", str(event.place_id)))
    if event.stadtbezirk:
        users |= set(await db.events.subscribers("district", event.stadtbezirk))
    return users


async def _followers(db: Database, event: Event) -> list[int]:
    """Everyone who asked for a reminder or subscribed to the event's place or district."""
    following = {user_id for user_id, _, _ in await db.events.follows(event_id=event.id)}
    return sorted(following | await _subscribers(db, event))


async def _send_all(
    mail: Messenger, user_ids: Iterable[int], text_of, buttons_of, when: datetime | None
) -> int:
    """Queue the message for each user, in their language; how many could be reached."""
    return await mail.to_users(
        user_ids,
        lambda t: Message(text_of(t), buttons_of(t)),
        not_before=when,
        consented=True,
    )


def changed_materially(old: Event, new: Event) -> bool:
    return any(
        getattr(old, name) != getattr(new, name)
        for name in ("starts_local", "duration_minutes", "rrule", "exdates", "address", "place_id")
    )


async def event_changed(mail: Messenger, event_id: int, now: datetime) -> int:
    db = mail.db
    """The event's time or place changed: mark it, move reminders, tell followers."""
    await db.events.set_status(event_id, "changed")
    event = await db.events.get(event_id)
    await sync_event(db, event_id, now)
    if event is None:
        return 0

    def text(t: Translator) -> Markup:
        return t.t(
            "⚠️ <b>{title}</b> has changed. Next date: {when}",
            title=event.title_in(t.lang),
            when=_when(t, event, now),
        )

    return await _send_all(
        mail, await _followers(db, event), text, lambda t: _details(t, event, now), None
    )


async def event_cancelled(mail: Messenger, event_id: int, now: datetime) -> int:
    db = mail.db
    await db.events.set_status(event_id, "cancelled")
    event = await db.events.get(event_id)
    await sync_event(db, event_id, now)
    if event is None:
        return 0
    return await _send_all(
        mail,
        await _followers(db, event),
        lambda t: t.t("❌ <b>{title}</b> is cancelled.", title=event.title_in(t.lang)),
        lambda t: [],
        None,
    )


async def announce_new(
    mail: Messenger, event_id: int, now: datetime, users: Iterable[int] | None = None
) -> int:
    """Tell the subscribers of the event's place and district (once each), or ``users``."""
    db = mail.db
    event = await db.events.get(event_id)
    if event is None or event.status == "cancelled":
        return 0
    users = set(users) if users is not None else await _subscribers(db, event)
    when = not_before(now)

    def text(t: Translator) -> Markup:
        return t.t(
            "📬 New event: <b>{title}</b>, {when}",
            title=event.title_in(t.lang),
            when=_when(t, event, now),
        )

    return await _send_all(mail, sorted(users), text, lambda t: _details(t, event, now), when)


async def apply_import(
    mail: Messenger, updates: list[tuple[int, Event]], created: list[int], now: datetime
) -> int:
    """After an import: cancellations and changes reach followers, new events subscribers."""
    queued = 0
    db = mail.db
    async with db.transaction():
        for event_id, old in updates:
            new = await db.events.get(event_id)
            if new is None:
                continue
            if new.status == "cancelled" and old.status != "cancelled":
                queued += await event_cancelled(mail, event_id, now)
            elif changed_materially(old, new):
                queued += await event_changed(mail, event_id, now)
            else:
                await sync_event(db, event_id, now)
        queued += await _announce_imported(mail, created, now)
    return queued


# How many titles a summary of an import names before "and N more".
SUMMARY_TITLES = 3


async def _announce_imported(mail: Messenger, created: list[int], now: datetime) -> int:
    """New events from one import, told to each subscriber once: the event itself when it
    is one, else one summary (a big calendar must not become a hundred messages)."""
    db = mail.db
    news: dict[int, list[Event]] = {}
    for event_id in created:
        event = await db.events.get(event_id)
        if event is None or event.status == "cancelled":
            continue
        for user_id in await _subscribers(db, event):
            news.setdefault(user_id, []).append(event)
    single = {u for u, events in news.items() if len(events) == 1}
    queued = 0
    for event_id in created:
        users = sorted(u for u in single if news[u][0].id == event_id)
        if users:
            queued += await announce_new(mail, event_id, now, users)
    when = not_before(now)
    for user_id, events in sorted(news.items()):
        if user_id in single:
            continue
        queued += await _send_all(
            mail,
            [user_id],
            lambda t, events=events: _summary(t, events, now),
            lambda t: [[Button("🗓 " + t._("This week"), "ev:week")]],
            when,
        )
    return queued


def _summary(t: Translator, events: list[Event], now: datetime) -> Markup:
    first = sorted(events, key=lambda e: (_next_start(e, now), e.id))[:SUMMARY_TITLES]
    lines = [t.t("📬 New events: {count}", count=len(events))]
    lines += [
        t.t("• <b>{title}</b>, {when}", title=e.title_in(t.lang), when=_when(t, e, now))
        for e in first
    ]
    if len(events) > SUMMARY_TITLES:
        more = len(events) - SUMMARY_TITLES
        lines.append(t.t("… and {count} more.", count=more))
    return Markup("\n").join(lines)
