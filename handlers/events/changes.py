"""Publishing, changing and cancelling an event, with what each tells others: the one way
the chat's editing and the desk do it. Call inside a transaction; messages go through the
outbox with it. ``action`` names the audit entry (``event.create`` in the chat,
``desk.event.create`` on the desk …)."""

from __future__ import annotations

from datetime import UTC, datetime

from db.events import Event
from handlers.events import notices
from handlers.messenger import Messenger


async def publish(mail: Messenger, event: Event, user_id: int, action: str) -> tuple[int, int]:
    """Store a new event and tell the subscribers of its place and district:
    (event id, how many were told)."""
    event_id, _, _ = await mail.db.events.upsert(event)
    await mail.db.requests.audit(user_id, action, f"event:{event_id}")
    return event_id, await notices.announce_new(mail, event_id, datetime.now(UTC))


async def change(mail: Messenger, old: Event, new: Event, user_id: int, action: str) -> int:
    """Store the changed event; followers are told when its time or place changed (how many)."""
    await mail.db.events.upsert(new)
    await mail.db.requests.audit(user_id, action, f"event:{old.id}")
    if notices.changed_materially(old, new):
        return await notices.event_changed(mail, old.id or 0, datetime.now(UTC))
    return 0


async def cancel(mail: Messenger, event_id: int, user_id: int, action: str) -> int:
    """Cancel the event and tell everyone who follows it (how many)."""
    told = await notices.event_cancelled(mail, event_id, datetime.now(UTC))
    await mail.db.requests.audit(user_id, action, f"event:{event_id}")
    return told
