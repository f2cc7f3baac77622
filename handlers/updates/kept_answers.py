"""The answers kept with an update until the transport sent them (bot/transports/contract.py
``take_update``): kept in the update's row (db/users.py ``finish_statement``), marked sent
after, and at a transport's start the ones a process that died never sent go out first.

No button data, no states.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from db import Database
from db.data_rights import about_value
from handlers.messages import (
    ButtonPress,
    Incoming,
    Outgoing,
    Sender,
    Speech,
    Text,
    decode,
    encode,
    shown,
)

log = logging.getLogger(__name__)

# How long an answer kept through a crash is still worth sending at the next start.
KEPT_ANSWERS_MAX_AGE = timedelta(hours=1)


def keep(incoming: Incoming, replies: list[Outgoing]) -> str:
    """The answers of an update as kept until sent, with the message whose button was
    pressed (what an answer with ``edit`` changes, also when sent after a restart)."""
    answers = [encode(item) for item in replies]
    pressed = incoming.event.message_id if isinstance(incoming.event, ButtonPress) else None
    kept_: object = {"pressed": pressed, "answers": answers} if pressed else answers
    return json.dumps(kept_, ensure_ascii=False)


def kept(text: str) -> tuple[str | None, list[Outgoing]]:
    """The pressed message (if any) and the answers of :func:`keep` (or of a version
    that kept the answers alone)."""
    found = json.loads(text)
    if isinstance(found, dict):
        return found.get("pressed"), [decode(item) for item in found["answers"]]
    return None, [decode(item) for item in found]


async def answered(
    db: Database, incoming: Incoming, outgoing: list[Outgoing], wake: Callable[[], None]
) -> None:
    """The transport sent the answers: a redelivery of this update needs none.
    Nothing was kept for an update without answers, so there is nothing to mark.

    The answers said aloud (:class:`Speech`, handlers/read_aloud.py) go into the outbox
    now, with the mark: after the texts they say are out, and never lost (a process
    that dies before this sends the kept answers, speech included, at its start);
    ``wake`` wakes the outbox worker for them."""
    speech = [item for item in outgoing if isinstance(item, Speech)]
    if not (incoming.update_id and outgoing) and not speech:
        return
    if not speech:
        # The common case: one statement, without a transaction's BEGIN and COMMIT.
        assert incoming.update_id
        await db.users.mark_answered(incoming.sender.platform, incoming.update_id)
        return
    async with db.transaction():
        for item in speech:
            await db.outbox.enqueue(
                incoming.sender.platform,
                incoming.chat_id,
                encode(item),
                recipient_id=item.listener or None,
                about=about_value([item.listener or None]),
            )
        if incoming.update_id and outgoing:
            await db.users.mark_answered(incoming.sender.platform, incoming.update_id)
    wake()


async def unanswered(
    db: Database, platform: str, now: datetime | None = None
) -> list[tuple[Incoming, list[Outgoing]]]:
    """Answers kept for updates the bot committed but died before sending.

    The transport sends them at start, before it fetches anything, so they go out once
    whether or not the platform delivers the update again (a redelivery then finds them
    sent; one that comes first gets them from the duplicate check). Not after a long
    outage, though: an answer to something asked hours ago ("here are the
    places near you") would only confuse, so those are dropped."""
    oldest = (now or datetime.now(UTC)) - KEPT_ANSWERS_MAX_AGE
    dropped = await db.users.drop_unanswered(platform, oldest)
    if dropped:
        log.warning("%s: %d kept answers were too old to send after the restart", platform, dropped)
    pending = []
    for update_id, chat_id, text in await db.users.unanswered(platform, oldest):
        pressed, answers = kept(text)
        # An answer that edits the message whose button was pressed edits it still.
        event = ButtonPress("", pressed) if pressed else Text("")
        incoming = Incoming(Sender(platform, chat_id), chat_id, event, update_id=update_id)
        pending.append((incoming, answers))
    return pending


async def send_kept(
    db: Database,
    platform: str,
    send: Callable[[Incoming, list[Outgoing]], Awaitable[None]],
    wake: Callable[[], None],
) -> None:
    """At a transport's start: send each kept answer with ``send`` and mark it sent."""
    for incoming, outgoing in await unanswered(db, platform):
        try:
            await send(incoming, shown(outgoing))
            await answered(db, incoming, outgoing, wake)
        except Exception:
            log.exception("%s: sending a kept answer failed", platform)
