"""What a transport promises the outbox worker (bot/delivery.py), part of the contract
(bot/transports/contract.py).

A :class:`Sender` sends or edits one item in a chat and returns the service's message id;
a :class:`MediaSource` hands over a file people sent on its service (a voice message for a
chat on another one). Both fail with a :class:`DeliveryError` that says whether trying
again is worth it.

A repeated send comes out once where the service takes a client's key for it (Matrix
transaction ids): :func:`sending` names what is being sent (an outbox item, the answers to
one update), :func:`send_key` gives each platform request within it its key, and
:func:`answer_key` is the key of one kept answer.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

from handlers.messages import Outgoing


class DeliveryError(Exception):
    """A send failed. ``permanent``: never worth repeating; ``transient``: the service is
    away or busy, repeat for as long as it takes; neither: unexplained, repeat a few times.
    ``maybe_sent``: the request reached the service and no answer came (a time-out, a
    connection lost mid-answer), so the message may have gone out: repeated, it is in
    doubt, like a send cut off by a crash. ``closed``: the person closed the chat for good
    (blocked the bot, deleted their account) - permanent, and the chat is their address no
    more (the dispatcher's ``chat_refused``); the service says so, so its transport judges it.
    ``unstarted``: the person never opened a chat with the bot (Telegram's "bot can't
    initiate conversation with a user") - permanent too, but no block: nothing of theirs
    ends, and the coordinators learn that the bot cannot write to them (the dispatcher's
    ``chat_unstarted``)."""

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        transient: bool = True,
        maybe_sent: bool = False,
        closed: bool = False,
        unstarted: bool = False,
    ) -> None:
        super().__init__(reason)
        permanent = permanent or closed or unstarted
        self.closed = closed
        self.unstarted = unstarted and not closed
        self.permanent = permanent
        self.retry_after = retry_after
        self.transient = transient and not permanent
        self.maybe_sent = maybe_sent and not permanent


class Sender(Protocol):
    platform: str

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        """Send (or edit) one item; return the platform's message id; raise DeliveryError."""


class MediaSource(Protocol):
    """Where files of one platform can be fetched (a transport that can download them)."""

    platform: str

    async def fetch_media(self, file_id: str) -> tuple[bytes, str]:
        """The file's bytes and MIME type ("" if unknown); raise DeliveryError."""


def voice_filename(mime_type: str) -> str:
    """A file name for an uploaded voice message whose ending names its format (Telegram
    plays OGG/Opus, MP3 and M4A as voice; OGG/Opus is what both platforms record)."""
    endings = {"audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/x-m4a": "m4a"}
    return "voice." + endings.get(mime_type.split(";")[0].strip().lower(), "ogg")


# What is being sent now (an outbox item, or the answers to one update), as a key that is
# the same each time the same thing is sent again: a platform whose sends are idempotent
# by a client's key (Matrix transaction ids) makes a repeated send - after a time-out, or
# after a crash between sending and marking it sent - come out once.
_SENDING: ContextVar[tuple[str, Iterator[int]] | None] = ContextVar("sending", default=None)


@contextmanager
def sending(key: str) -> Iterator[None]:
    """Within this block the sends are of the thing ``key`` names (letters, digits, dots)."""
    token = _SENDING.set((key, itertools.count(1)))
    try:
        yield
    finally:
        _SENDING.reset(token)


def send_key() -> str | None:
    """The key of the next send of what is being sent (its first, second … platform
    request), or None outside :func:`sending`."""
    current = _SENDING.get()
    if current is None:
        return None
    key, count = current
    return f"{key}.{next(count)}"


def answer_key(update_id: str | None, index: int) -> str | None:
    """The key of the ``index``-th answer to an update (kept answers sent again after a
    restart come out once too)."""
    if not update_id:
        return None
    return "a" + hashlib.sha256(update_id.encode()).hexdigest()[:20] + f".{index}"
