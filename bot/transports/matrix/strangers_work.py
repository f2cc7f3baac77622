"""What the budget of work on encrypted events (decrypt_budget.py) means for people: where
a sender stands (asked of the handlers' one rule through the chats' port; the bot and the
coordinators' room are the transport's own to say), when someone whose message was not read
is told so (reported, ``NotReadThisHour``: the line is worded and sent through the outbox by
handlers/limits/encrypted_work.py), and the report of a limit while it is active
(``DecryptLimited``: the coordinators' notices are handlers/limits/encrypted_work.py's). No
button data, no states."""

from __future__ import annotations

import logging

from bot.transports.matrix.decrypt_budget import ALL, OWN
from bot.transports.matrix.parts import Shared
from bot.transports.matrix.render import PLATFORM
from db.transport_state import GREET
from handlers.channels import DecryptLimited, NotReadThisHour, Standing

log = logging.getLogger(__name__)


class StrangersWork:
    """The people's side of the budget in ``shared.budget``."""

    def __init__(self, shared: Shared) -> None:
        self.shared = shared

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
        for the budget: reported (``NotReadThisHour``: the feature tells them when to write
        again, through the outbox - said aloud to someone who hears the bot), once an hour
        (within the budget's answers), and then not greeted as well. Past that answer
        nothing of theirs is read or written: each event past the budget would cost more
        than its decryption."""
        budget = self.shared.budget
        if not budget.may_answer(sender) or not await self._in_a_chat_of(room_id, sender):
            return
        await self.shared.db.transport_state.delete(GREET + room_id)
        # Their own budget, else all of their group's; "busy" to one not there the first time.
        stranger = why != ALL or budget.standing_of(sender) is Standing.STRANGER
        await self.shared.ports.report(
            NotReadThisHour(PLATFORM, sender, room_id, budget.until, why == OWN, stranger)
        )

    async def _in_a_chat_of(self, room_id: str, sender: str) -> bool:
        """A direct chat with ``sender`` (the coordinators' room is never answered: its
        members are known)."""
        room = await self.shared.db.transport_state.matrix_room(room_id)
        return room is not None and room.peer == sender

    async def tell_coordinators(self) -> None:
        """After each sync: a limit that became active is reported (the coordinators are
        told: handlers/limits/encrypted_work.py)."""
        budget, report = self.shared.budget, self.shared.ports.report
        ran_out, stopped = budget.notices_due()
        for group, figure in ran_out:
            log.warning("matrix: the hour's budget for encrypted events of a group is used up")
            await report(DecryptLimited(PLATFORM, budget.until, figure, group))
        for group, sender, figure in stopped:
            log.warning("matrix: a person's hourly budget for encrypted events is used up")
            await report(DecryptLimited(PLATFORM, budget.until, figure, group, who=sender))
        dropped = budget.dropped_due()
        if dropped:
            log.warning("matrix: held Olm messages of strangers are dropped this hour")
            await report(DecryptLimited(PLATFORM, budget.until, dropped, dropped=True))
