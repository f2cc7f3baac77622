"""The chats the bot serves, apart from their updates: a chat its person closed (the
service's report, a send refused for good), a chat never started, and the happenings the
transports report (handlers/channels.py ``Happening``), each to the features that take its
kind (``Router.happenings``) in a transaction of its own.

No button data, no states.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from markupsafe import Markup

from db import Database
from db.users import User
from handlers.channels import ChatClosed, Happening, Standing
from handlers.context import Backstage
from handlers.helping.render import someone
from handlers.helping.standing import standing
from handlers.messages import Message, Recipient
from handlers.messenger import Messenger
from handlers.router import Router
from handlers.settings import HandlerSettings
from locales import N_, Translator

log = logging.getLogger(__name__)

# To the coordinators when the bot cannot write to someone who never started a chat with
# it (:meth:`Chats.unstarted`): no block, so nothing of theirs was ended.
CANNOT_WRITE = N_(
    "📭 The bot cannot write to {who}: they have never started a chat with it. Messages "
    "for them are not delivered until they write to the bot once. If you can reach them "
    "another way, please ask them to."
)

# Posted to the inviter before the bot leaves a chat that is not a direct chat (a chat app's
# room: Matrix).
LEAVING = N_(
    "👋 I only talk in direct chats, so I am leaving this room. Please start a direct chat with me."
)
# Posted in a new direct chat of someone who has as many direct chats with the bot as it
# stays in (Matrix: DIRECT_CHATS_PER_PERSON) before the bot leaves it.
ENOUGH_CHATS = N_(
    "👋 You already have several chats with me, so I am leaving this one. "
    "Please write to me in one of the others."
)
# The first line in the direct chat the bot opens for someone who left hers, before what
# was queued for her: why this chat, and how to stop it (an invitation she declines closes
# her chat until she writes herself).
REOPENED = N_(
    "👋 You left your earlier chat with me, so I opened this one: my messages reach you "
    "here now. To stop them, leave this chat and decline my next invitation."
)


class Chats:
    """The city's chats on ``db``, its ``settings`` read when used (a city's are composed
    after its transports are made), ``router``'s takers of happenings; ``wake`` wakes the
    outbox worker once something was queued. The lines a chat's person is told of the
    chat itself (the bot leaves it, the bot opened it again: :meth:`leaving`,
    :meth:`reopened`) are worded here; the transport decides when and posts them."""

    def __init__(
        self,
        db: Database,
        settings: Callable[[], HandlerSettings],
        router: Router,
        wake: Callable[[], None],
    ) -> None:
        self.db = db
        self.settings = settings
        self.router = router
        self.wake = wake

    @property
    def backchannels(self) -> frozenset[tuple[str, str]]:
        return self.settings().backchannels

    def is_backchannel(self, platform: str, chat_id: str) -> bool:
        return (platform, chat_id) in self.settings().backchannels

    def leaving(self, t: Translator, *, too_many: bool) -> Markup:
        return t.t(ENOUGH_CHATS if too_many else LEAVING)

    def reopened(self, t: Translator) -> Markup:
        return t.t(REOPENED)

    async def happened(self, what: Happening) -> None:
        """What a transport reports (a call of the bot's given up, handlers/channels.py
        ``Happening``): each feature that takes its kind acts on it in a transaction of its
        own (whom to tell, in which words), and the outbox worker is woken where one
        queued something."""
        takers = self.router.happenings.get(type(what), [])
        if not takers:
            log.warning("nobody takes a report of %s", type(what).__name__)
            return
        scene = Backstage(self.db, self.settings())
        for take in takers:
            async with self.db.transaction():
                await take(scene, what)
        self._wake_for(scene)

    async def closed(self, platform: str, user_id: str, chat_id: str, update_id: str) -> None:
        """``user_id`` on ``platform`` closed their private chat ``chat_id`` with the bot
        (blocked it), as the service reported (``update_id``: the report's, so that one
        delivered again after that update changes nothing): :meth:`_unreachable`."""
        scene = Backstage(self.db, self.settings())
        async with self.db.transaction():
            if await self.db.users.handled(platform, update_id):
                return
            await self.db.users.note_handled(platform, update_id)
            await self._unreachable(scene, await self.db.users.find(platform, user_id), chat_id)
        self._wake_for(scene)

    async def refused(self, platform: str, chat_id: str, person_id: int) -> None:
        """A send to ``person_id``'s chat ``chat_id`` on ``platform`` was refused for good
        because they closed it (bot/delivery.py, DeliveryError ``closed``: they blocked the
        bot before the service reported blocks to it, or deleted their account):
        :meth:`_unreachable`, as if the service had reported it."""
        scene = Backstage(self.db, self.settings())
        async with self.db.transaction():
            person = await self.db.users.get(person_id)
            if person is not None and person.platform == platform:
                await self._unreachable(scene, person, chat_id)
        self._wake_for(scene)

    async def unstarted(self, platform: str, chat_id: str, person_id: int, refusal: str) -> None:
        """A send to ``person_id``'s chat ``chat_id`` on ``platform`` was refused because
        they never started a chat with the bot (bot/delivery.py, DeliveryError
        ``unstarted``; ``refusal``: as the outbox kept it). No block: nothing of theirs ends
        and the chat stays their address (it works once they write). The coordinators
        are told that the bot cannot write to them - once, at the first refusal since they
        were last seen, however many messages fail after it."""
        scene = Backstage(self.db, self.settings())
        async with self.db.transaction():
            person = await self.db.users.get(person_id)
            if person is None or person.platform != platform or person.chat_id != chat_id:
                return
            refused = await self.db.outbox.refused_since(
                person.id, platform, chat_id, refusal, person.seen_at
            )
            if refused != 1:
                return
            log.info("a %s person never started their chat with the bot", platform)
            await scene.mail.to_backchannel(
                lambda t: Message(t.t(CANNOT_WRITE, who=someone(t, person))), about=[person.id]
            )
        self._wake_for(scene)

    async def standing(self, platform: str, chat_id: str) -> Standing:
        """Where ``chat_id``'s person on ``platform`` stands when a transport's shared
        engine must choose whose work comes first (the rule is
        handlers/helping/standing.py's): running help, known, or a stranger."""
        return await standing(self.db, await self.db.users.find(platform, chat_id))

    async def keep_for(
        self, platform: str, chat_id: str, text: Markup, person_id: int, *, secret: bool = False
    ) -> None:
        """``text`` of a transport's own for ``person_id``'s chat ``chat_id`` on ``platform``
        into the outbox, in the transaction under way (handlers/messenger.py ``to_chat``;
        ``secret``: it carries a code, kept only until it is sent or given up)."""
        await Messenger(self.db).to_chat(
            Recipient(platform, chat_id),
            Message(text, typed_choices=False),
            recipient_id=person_id,
            secret=secret,
        )

    async def _unreachable(self, scene: Backstage, person: User | None, chat_id: str) -> None:
        """The one owner of "this person closed their chat": nothing is offered or sent to
        them there (handlers/helping/matching/who_may_help.py ``UNREACHABLE``,
        ``Messenger.reachable``) until their next private update gives the chat back
        (db/users.py ``arrive``), and the features that take :class:`ChatClosed` act on it in
        this transaction (the offers they will not answer count as "not this time":
        handlers/helping/offers.py). Nothing if ``chat_id`` is no longer their address."""
        if person is None or not await self.db.users.close_chat(
            person.platform, person.platform_user_id, chat_id
        ):
            return
        log.info("a %s person closed their chat with the bot", person.platform)
        for take in self.router.happenings.get(ChatClosed, []):
            await take(scene, ChatClosed(person.id))

    def _wake_for(self, scene: Backstage) -> None:
        """Once committed, the outbox worker is woken if ``scene`` queued something."""
        if scene.mail.queued_ids:
            self.wake()
