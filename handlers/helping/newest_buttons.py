"""One set of contact buttons in a chat: only the newest message of a contact carries them.

Every message the relay passes on (relay/chat.py), and the requester's notice that the contact
began (contact.py ``open_contact``), carries the ways to answer: write back, done or hand back,
end, report (render.py ``relay_buttons``). Repeated under every message, those rows turned
a busy chat into a wall of buttons. So where the reader's transport can change a message it
sent (``HandlerSettings.channels``: the channel's ``edits``, which Telegram and Matrix have),
the contact's earlier message loses its buttons as soon as a newer one carries them: an
:class:`~handlers.messages.Edit` through the outbox (``ctx.mail.edit``), queued in the same
transaction as the new message, so the one never goes without the other. Where a transport
cannot change a sent message (a text message, a call) nothing is changed: an edit there
would be another text; every message keeps its buttons (numbered choices) as before.

Which message carries a contact's buttons for its reader is kept in ``notices`` (db/relay.py:
kind ``relay:<request id>``, subject ``user:<reader id>``, so the reader's erasure takes it
along): the outbox id of the message, and of each in-place correction of it
(relay/edits.py). The edit that takes the buttons off names the message itself (the lowest
id: Matrix replaces only an original event) and keeps the newest correction's text.

No buttons, no states of its own.
"""

from __future__ import annotations

from collections.abc import Iterable

from db.users import User
from handlers.helping.scene import Scene
from handlers.messages import Edit, Message, decode


def _kind(request_id: int) -> str:
    return f"relay:{request_id}"


def _subject(reader: User) -> str:
    return f"user:{reader.id}"


def _edits(scene: Scene, reader: User) -> bool:
    return scene.settings.channels.edits(reader.platform)


async def carried(
    scene: Scene, reader: User, request_id: int, outbox_id: int | None, *, writer: int
) -> None:
    """``outbox_id`` (queued just now, with the contact's buttons) is the newest message of
    the contact ``request_id`` in ``reader``'s chat: the one before it loses its buttons.
    ``writer``: the other side of the contact, whose words those messages carry."""
    if outbox_id is None or not _edits(scene, reader):
        return
    kind, subject = _kind(request_id), _subject(reader)
    earlier = await scene.db.relay.notice_posts(kind, subject)
    if earlier and outbox_id not in earlier:
        # The message itself, as its newest correction reads.
        await _without_buttons(scene, min(earlier), max(earlier), reader, writer)
    await scene.db.relay.drop_notice_posts(kind, subject)
    await scene.db.relay.add_notice_post(kind, subject, outbox_id)


async def carries(scene: Scene, reader: User, request_id: int, outbox_ids: Iterable[int]) -> bool:
    """Whether the message sent as ``outbox_ids`` (a copy and its corrections) still carries
    the contact's buttons in ``reader``'s chat: a correction keeps them only then. Where
    nothing was recorded (a transport that cannot edit, a contact from before) it does."""
    if not _edits(scene, reader):
        return True
    newest = await scene.db.relay.notice_posts(_kind(request_id), _subject(reader))
    return not newest or bool(set(newest) & set(outbox_ids))


async def corrected(
    scene: Scene, reader: User, request_id: int, copies: Iterable[int], correction: int
) -> None:
    """A copy (``copies``: it and its earlier corrections) was corrected in place by the
    outbox item ``correction``: if it carries the buttons, the correction's text is the one
    kept when they go."""
    kind, subject = _kind(request_id), _subject(reader)
    if set(await scene.db.relay.notice_posts(kind, subject)) & set(copies):
        await scene.db.relay.add_notice_post(kind, subject, correction)


async def _without_buttons(
    scene: Scene, message: int, newest: int, reader: User, writer: int
) -> None:
    """The message ``message`` as ``newest`` (it, or its newest correction) reads, without
    its buttons. Nothing where either failed, was taken back, or its content was cleared
    (it is old: a button pressed there is answered as out of date)."""
    sent = await scene.db.outbox.sent(message)
    latest = await scene.db.outbox.sent(newest)
    if sent is None or latest is None or sent.failed_at or latest.failed_at:
        return
    if latest.payload.get("type") not in ("Message", "Edit"):
        return
    shown = decode(latest.payload)
    if not isinstance(shown, Message | Edit) or not shown.buttons:
        return
    text = shown.text
    if message != newest:
        # The message was corrected: an edit of it, never a new message, even if it waits.
        await scene.mail.edit(message, lambda _t: Edit(message, text), reader, about=[writer])
    else:
        await scene.mail.edit(
            message, lambda _t: Message(text, typed_choices=False), reader, about=[writer]
        )
