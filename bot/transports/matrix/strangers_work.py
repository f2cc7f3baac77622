"""What the budget of work on encrypted events (decrypt_budget.py) means for people: where
a sender stands (asked of the handlers' one rule through ``Dispatcher.standing``; the bot
and the coordinators' room are the transport's own to say), the line someone whose message
was not read gets, and the coordinators' notices while a limit is active. No button data,
no states."""

from __future__ import annotations

import logging

from bot.transports.matrix.decrypt_budget import ALL, OWN
from bot.transports.matrix.outbound import Outbound
from bot.transports.matrix.parts import Shared
from bot.transports.matrix.render import PLATFORM
from bot.transports.sending import DeliveryError
from db.transport_state import GREET
from db.users import User
from handlers.channels import Standing
from handlers.helping.render import someone
from handlers.messages import Message
from handlers.messenger import tell_coordinators
from handlers.reader import reader_of
from locales import N_, Translator

log = logging.getLogger(__name__)

# To a stranger whose message was not read: their own hour's budget, or all strangers'.
OWN_ANSWER = N_(
    "⏳ You have sent me a great many messages this hour. I cannot read any more of them "
    "until {time}. Please send your message again then."
)
ALL_ANSWER = N_(
    "⏳ Very many people are writing to me for the first time right now. I cannot read "
    "your message until {time}. Please send it again then."
)
# To someone known whose message was not read for all their group's budget.
BUSY_ANSWER = N_(
    "⏳ Very many people are writing to me right now. I cannot read your message until "
    "{time}. Please send it again then."
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
KNOWN_ALL_NOTICE = N_(
    "🔒 Matrix: residents and volunteers with no help under way sent the bot more than "
    "{count} encrypted messages this hour. Until {time} it reads no more of theirs (people "
    "with help under way and coordinators are still read); they are told in their chat when "
    "to write again."
)
RUNNING_ALL_NOTICE = N_(
    "🔒 Matrix: people with help under way and coordinators sent the bot more than {count} "
    "encrypted messages this hour. Until {time} it reads no more of theirs; they are told in "
    "their chat when to write again. If this is no attack, ask whoever runs the bot to raise "
    "the limit (matrix.decrypt_running)."
)
PERSON_NOTICE = N_(
    "🔒 Matrix: {who} sent the bot more than {count} encrypted messages this hour. Until "
    "{time} it reads none of them; they are told in their chat when to write again."
)
# To the coordinators, once an hour while held Olm messages are dropped (the oldest beyond
# what is held for strangers: decrypt_budget.py, held_olm.py).
DROPPED_NOTICE = N_(
    "🔒 Matrix: people the bot does not know yet sent it more key messages than it can keep "
    "for later. Until {time} it drops the oldest of them ({count} so far); messages of their "
    "senders that need those keys stay unreadable until their app sends new ones."
)
SOMEONE_NEW = N_("someone new")
# The notice of a group whose budget ran out, and of one person of it whose own did.
ALL_NOTICES = {
    Standing.RUNNING: RUNNING_ALL_NOTICE,
    Standing.KNOWN: KNOWN_ALL_NOTICE,
    Standing.STRANGER: ALL_NOTICE,
}
OWN_NOTICES = {
    Standing.RUNNING: PERSON_NOTICE,
    Standing.KNOWN: PERSON_NOTICE,
    Standing.STRANGER: OWN_NOTICE,
}


class StrangersWork:
    """The people's side of the budget in ``shared.budget``; lines go out through
    ``outbound``."""

    def __init__(self, shared: Shared, outbound: Outbound) -> None:
        self.shared = shared
        self.outbound = outbound

    async def standing(self, sender: str) -> Standing:
        """The bot and anyone in the coordinators' room stand with running help (they
        coordinate it); anyone else where the handlers' rule says
        (handlers/helping/standing.py)."""
        if sender == self.shared.config.user_id:
            return Standing.RUNNING
        client = self.shared.client
        if client is not None and any(
            sender in room.users
            for room_id, room in client.rooms.items()
            if self.shared.is_backchannel(room_id)
        ):
            return Standing.RUNNING
        return await self.shared.ports.chats.standing(PLATFORM, sender)

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
        answer = OWN_ANSWER if why == OWN else ALL_ANSWER
        if why == ALL and budget.standing_of(sender) is not Standing.STRANGER:
            answer = BUSY_ANSWER  # not their first time
        text = t.t(answer, time=t.time(budget.until))
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
        ran_out, stopped = self.shared.budget.notices_due()
        for group, figure in ran_out:
            log.warning("matrix: the hour's budget for encrypted events of a group is used up")
            await self._notice(ALL_NOTICES[group], figure, None)
        for group, sender, figure in stopped:
            log.warning("matrix: a person's hourly budget for encrypted events is used up")
            user = await self.shared.db.users.find(PLATFORM, sender)
            await self._notice(OWN_NOTICES[group], figure, user or SOMEONE_NEW)
        dropped = self.shared.budget.dropped_due()
        if dropped:
            log.warning("matrix: held Olm messages of strangers are dropped this hour")
            await self._notice(DROPPED_NOTICE, dropped, None)

    async def _notice(self, msgid: str, figure: int, who: User | str | None) -> None:
        """One notice to the coordinators (``who``: the person it is about, a row or the
        words for someone without one; None: a group)."""
        until = self.shared.budget.until

        def compose(t: Translator) -> Message:
            values: dict[str, object] = {"count": t.number(figure), "time": t.time(until)}
            if who is not None:
                values["who"] = someone(t, who) if isinstance(who, User) else t.t(who)
            return Message(t.t(msgid, **values), typed_choices=False)

        about = (who.id,) if isinstance(who, User) else ()
        ports = self.shared.ports
        await tell_coordinators(
            self.shared.db, ports.chats.backchannels, compose, about=about, wake=ports.wake
        )
