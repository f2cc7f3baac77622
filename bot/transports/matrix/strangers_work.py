"""What the budget of work on strangers' encrypted events (decrypt_budget.py) means for
people: who counts as known, the line a stranger whose message was not read gets, and the
coordinators' notices while a limit is active. No button data, no states."""

from __future__ import annotations

import logging

from bot.transports.matrix import decrypt_budget
from bot.transports.matrix.decrypt_budget import OWN
from bot.transports.matrix.outbound import Outbound
from bot.transports.matrix.parts import Shared
from bot.transports.matrix.render import PLATFORM
from bot.transports.sending import DeliveryError
from db.transport_state import GREET
from db.users import User
from handlers.helping.render import someone
from handlers.messages import Message
from handlers.messenger import tell_coordinators
from handlers.reader import reader_of
from locales import N_, Translator

log = logging.getLogger(__name__)

# Roles that make someone known whether or not they agreed to the notice (every new row has
# "resident": a resident is known once they agreed).
STAFF_ROLES = frozenset({"volunteer", "coordinator", "admin"})

# To a stranger whose message was not read: their own hour's budget, or all strangers'.
OWN_ANSWER = N_(
    "⏳ You have sent me a great many messages this hour. I cannot read any more of them "
    "until {time}. Please send your message again then."
)
ALL_ANSWER = N_(
    "⏳ Very many people are writing to me for the first time right now. I cannot read "
    "your message until {time}. Please send it again then."
)
# To the coordinators, once an hour each.
ALL_NOTICE = N_(
    "🔒 Matrix: people the bot does not know yet sent it more than {count} encrypted "
    "messages this hour. Until {time} it reads only those of residents, volunteers and "
    "coordinators; the others are told in their chat when to write again."
)
OWN_NOTICE = N_(
    "🔒 Matrix: {who}, not yet a resident, volunteer or coordinator, sent the bot more "
    "than {count} encrypted messages this hour. Until {time} it reads none of them; "
    "they are told in their chat when to write again."
)
SOMEONE_NEW = N_("someone new")


class StrangersWork:
    """The people's side of the budget in ``shared.budget``; lines go out through
    ``outbound``."""

    def __init__(self, shared: Shared, outbound: Outbound) -> None:
        self.shared = shared
        self.outbound = outbound

    async def is_known(self, sender: str) -> bool:
        """The bot, anyone in the coordinators' room, and a person with a row who is not
        banned and agreed to the privacy notice or is a volunteer, coordinator or admin."""
        if sender == self.shared.config.user_id:
            return True
        client = self.shared.client
        if client is not None and any(
            sender in room.users
            for room_id, room in client.rooms.items()
            if self.shared.is_backchannel(room_id)
        ):
            return True
        user = await self.shared.db.users.find(PLATFORM, sender)
        return (
            user is not None
            and user.banned_at is None
            and (user.consent_at is not None or bool(user.roles & STAFF_ROLES))
        )

    async def not_read(self, room_id: str, sender: str, why: str) -> None:
        """``sender``'s message in ``room_id`` (a room the bot serves) was not decrypted
        for the budget: told when to write again, once an hour (within the budget's
        answers), and then not greeted as well. Past that answer nothing of theirs is read
        or written: each event past the budget would cost more than its decryption."""
        budget = self.shared.budget
        if not budget.may_answer(sender) or not await self._in_a_chat_of(room_id, sender):
            return
        await self.shared.db.transport_state.delete(GREET + room_id)
        user = await self.shared.db.users.find(PLATFORM, sender)
        t = reader_of(user).t
        text = t.t(OWN_ANSWER if why == OWN else ALL_ANSWER, time=t.time(budget.until))
        try:
            await self.outbound.send(room_id, Message(text, typed_choices=False))
        except DeliveryError as exc:
            log.warning("matrix: telling a stranger of the hour's limit failed: %s", exc)

    async def _in_a_chat_of(self, room_id: str, sender: str) -> bool:
        """A direct chat with ``sender`` (the coordinators' room is never answered: its
        members are known)."""
        room = await self.shared.db.transport_state.matrix_room(room_id)
        return room is not None and room.peer == sender

    async def tell_coordinators(self) -> None:
        """After each sync: the coordinators hear of a limit that became active."""
        all_ran_out, stopped = self.shared.budget.notices_due()
        if not (all_ran_out or stopped):
            return
        until = self.shared.budget.until
        db = self.shared.db
        backchannels = self.shared.dispatcher.settings.backchannels
        wake = self.shared.dispatcher.on_queued
        if all_ran_out:
            log.warning("matrix: the hour's budget for strangers' encrypted events is used up")

            def compose_all(t: Translator) -> Message:
                count = t.number(decrypt_budget.ALL_STRANGERS)
                return Message(
                    t.t(ALL_NOTICE, count=count, time=t.time(until)), typed_choices=False
                )

            await tell_coordinators(db, backchannels, compose_all, wake=wake)
        for sender in stopped:
            log.warning("matrix: a stranger's hourly budget for encrypted events is used up")
            user = await db.users.find(PLATFORM, sender)

            def compose_own(t: Translator, user: User | None = user) -> Message:
                who = someone(t, user) if user is not None else t.t(SOMEONE_NEW)
                count = t.number(decrypt_budget.PER_STRANGER)
                return Message(
                    t.t(OWN_NOTICE, who=who, count=count, time=t.time(until)),
                    typed_choices=False,
                )

            about = (user.id,) if user is not None else ()
            await tell_coordinators(db, backchannels, compose_own, about=about, wake=wake)
