"""The one way to send a message to someone other than the person acting.

Handlers (through ``ctx.mail``) and scheduled jobs (reminders, follow-ups, event notices) alike:
the recipient is looked up, the message is composed in the recipient's language, and it goes
into the persistent outbox in the caller's open transaction, so it is delivered if and only if
the change that caused it is committed. Answers to the acting person in the chat they wrote
in are not messages to someone else: they go back through ``ctx.reply``.

A message is composed by a function of the recipient's :class:`~locales.Translator` (their
reader's, handlers/reader.py), so each person reads it in their own language; the backchannel
reads the city's language.

Every message records whom it is for and ``about``: the people whose words or data it
carries (a relayed text: its writer; a request's post or offer: the requester). Erasing a
person then finds every message to or about them (db/personal_data.py, the outbox).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from db import Database
from db.data_rights import about_value
from db.users import User
from handlers.messages import Delete, Edit, Message, Outgoing, Recipient, encode
from handlers.reader import group_reader, reader_of
from locales import Translator

Compose = Callable[[Translator], Outgoing]
# The people a message carries words or data of (None entries are ignored).
About = Iterable[int | None]


def backchannel_language() -> Translator:
    """The coordinators' group is shared: it reads the city's language."""
    return group_reader().t


class Messenger:
    def __init__(self, db: Database, backchannels: Iterable[tuple[str, str]] = ()) -> None:
        self.db = db
        self.backchannels = sorted(backchannels)
        # How many messages this unit of work queued (wakes the delivery worker after commit).
        self.queued = 0
        # Their outbox ids, in order (a relayed message remembers its copies).
        self.queued_ids: list[int] = []

    async def reachable(self, who: int | User | None, *, consented: bool = False) -> User | None:
        """The user behind ``who`` if they can get a message (still there, with a chat, and
        with ``consented``: past the privacy notice)."""
        user = await self.db.users.get(who) if isinstance(who, int) else who
        if user is None or not user.chat_id or (consented and not user.consent_at):
            return None
        return user

    async def to_user(
        self,
        who: int | User | None,
        compose: Compose,
        *,
        not_before: datetime | None = None,
        consented: bool = False,
        about: About = (),
    ) -> int | None:
        """Queue a message for a person, in their language; the outbox id, or None if the
        person cannot be reached (gone, no chat)."""
        user = await self.reachable(who, consented=consented)
        if user is None:
            return None
        item = compose(reader_of(user).t)
        return await self.to_chat(
            Recipient(user.platform, user.chat_id),
            item,
            not_before,
            recipient_id=user.id,
            about=about,
        )

    async def to_users(
        self,
        user_ids: Iterable[int],
        compose: Compose,
        *,
        not_before: datetime | None = None,
        consented: bool = False,
        about: About = (),
    ) -> int:
        """The same message to several people; how many could be reached."""
        told = 0
        about = list(about)
        for user_id in user_ids:
            sent = await self.to_user(
                user_id, compose, not_before=not_before, consented=consented, about=about
            )
            told += sent is not None
        return told

    async def to_backchannel(self, compose: Compose, *, about: About = ()) -> list[int]:
        """Queue a message for every coordinators' backchannel; their outbox ids."""
        bt = backchannel_language()
        about = list(about)
        return [
            await self.to_chat(Recipient(platform, chat_id), compose(bt), about=about)
            for platform, chat_id in self.backchannels
        ]

    async def edit(
        self,
        outbox_id: int,
        compose: Compose,
        reader: User | None = None,
        *,
        about: About = (),
    ) -> bool:
        """Replace an earlier outbox message (an offer that was taken, a post that was
        decided) in its reader's language (the backchannel's when ``reader`` is None)."""
        target = await self.db.outbox.target(outbox_id)
        if target is None:
            return False
        t = reader_of(reader).t if reader is not None else backchannel_language()
        item = compose(t)
        if not isinstance(item, Message | Edit):
            raise TypeError("only a text can replace a message")
        if isinstance(item, Message) and await self.db.outbox.replace_held(
            outbox_id, encode(item), about_value(about), datetime.now(UTC)
        ):
            # Still held for the reader's quiet hours: it goes out as it reads now.
            return True
        edit = Edit(outbox_id, item.text, item.buttons)
        await self.to_chat(
            Recipient(*target),
            edit,
            recipient_id=reader.id if reader is not None else None,
            about=about,
        )
        return True

    async def delete(self, outbox_id: int, reader: User | None = None) -> bool:
        """Remove an earlier outbox message from its reader's chat (once it was sent);
        False if there is no such message any more."""
        target = await self.db.outbox.target(outbox_id)
        if target is None:
            return False
        await self.to_chat(
            Recipient(*target),
            Delete(outbox_id),
            recipient_id=reader.id if reader is not None else None,
        )
        return True

    async def to_chat(
        self,
        recipient: Recipient,
        item: Outgoing,
        not_before: datetime | None = None,
        *,
        recipient_id: int | None = None,
        about: About = (),
        secret: bool = False,
    ) -> int:
        """Queue ``item`` for a known chat (the lowest level: prefer the methods above);
        ``secret``: it carries a code, which its outbox row keeps only until it is sent or
        given up (db/outbox.py ``enqueue``)."""
        self.queued += 1
        outbox_id = await self.db.outbox.enqueue(
            recipient.platform,
            recipient.chat_id,
            encode(item),
            not_before,
            recipient_id=recipient_id,
            about=about_value(about),
            secret=secret,
        )
        self.queued_ids.append(outbox_id)
        return outbox_id


async def tell_coordinators(
    db: Database,
    backchannels: Iterable[tuple[str, str]],
    compose: Compose,
    *,
    about: About = (),
    wake: Callable[[], None] | None = None,
) -> None:
    """A notice for the coordinators from outside a handler (a transport's budget or calls),
    in a transaction of its own; ``wake`` (the outbox worker's) once something was queued."""
    async with db.transaction():
        queued = await Messenger(db, backchannels).to_backchannel(compose, about=about)
    if queued and wake is not None:
        wake()
