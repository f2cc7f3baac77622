"""Which rooms the bot is in and which are private: asked from the homeserver, kept per room
and asked again when membership changes; invites accepted for direct chats and the
coordinators' room only, other rooms left with one line of explanation."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import nio

from bot.transports.matrix.outbound import Outbound
from bot.transports.matrix.parts import (
    DIRECT,
    DIRECT_CHATS_PER_PERSON,
    EMPTY,
    ENOUGH_CHATS,
    GONE,
    GROUP,
    LEAVING,
    LEAVING_ROOM,
    Shared,
    take_due,
)
from bot.transports.matrix.render import (
    PLATFORM,
    render,
)
from bot.transports.sending import DeliveryError
from db.transport_state import GREET, LEAVE, MatrixRoom
from handlers.reader import reader_of

log = logging.getLogger(__name__)

# What the bot says before it leaves a room, by the name kept for a leave that waits.
_NOTES = {"group": LEAVING, "enough": ENOUGH_CHATS}
# A room no sync has shown this long after the bot joined it is left without a note.
LEAVE_WAIT = timedelta(minutes=5)


class Rooms:
    """Room membership: joining, leaving, and whether a room is a direct chat. The note
    before leaving a room goes out through ``outbound``."""

    def __init__(self, shared: Shared, outbound: Outbound) -> None:
        self.shared = shared
        self.outbound = outbound
        # Invites the first sync of a new installation brought: room -> inviter.
        self.invites_waiting: dict[str, str] = {}

    async def _ask_room(self, room_id: str) -> MatrixRoom | None:
        """Who is in the room, from the homeserver's member list (joined or invited); None
        if the homeserver could not be asked."""
        assert self.shared.client is not None
        try:
            response = await self.shared.client.room_get_state(room_id)
        except Exception as exc:
            log.warning("matrix: the members of a room could not be read: %s", type(exc).__name__)
            return None
        if not isinstance(response, nio.RoomGetStateResponse):
            if getattr(response, "status_code", None) in ("M_FORBIDDEN", "M_NOT_FOUND"):
                return MatrixRoom(GONE)
            log.warning(
                "matrix: the members of a room could not be read: %s",
                getattr(response, "status_code", "?"),
            )
            return None
        members = {
            event.get("state_key"): event.get("content", {}).get("membership")
            for event in response.events
            if event.get("type") == "m.room.member"
        }
        if members.get(self.shared.config.user_id) != "join":
            return MatrixRoom(GONE)
        others = sorted(
            user
            for user, membership in members.items()
            if user and user != self.shared.config.user_id and membership in ("join", "invite")
        )
        if len(others) == 1:
            return MatrixRoom(DIRECT, peer=others[0])
        return MatrixRoom(GROUP if others else EMPTY)

    async def _room(self, room_id: str, *, fresh: bool = False) -> MatrixRoom | None:
        """The room as last seen (asked once, then kept), or asked now with ``fresh``. A
        room the bot is not in is not kept (anyone can invite the bot into room after
        room, which it leaves): asked again if ever needed, it is gone again."""
        state = self.shared.db.transport_state
        if not fresh:
            known = await state.matrix_room(room_id)
            if known is not None:
                return known
        room = await self._ask_room(room_id)
        if room is not None and room.kind == GONE:
            await state.forget_matrix_room(room_id)
        elif room is not None:
            await state.remember_matrix_room(room_id, room)
        return room

    async def membership_changed(self, room_ids: set[str]) -> None:
        """Someone joined, left or was invited: ask again who the room is for. A direct
        chat that became a group is left, with a word why; one that everybody else left
        is left silently."""
        if not self.shared.ready:
            return  # the first sync of a new installation: rooms are asked when needed
        for room_id in sorted(room_ids):
            if self.shared.is_backchannel(room_id):
                continue
            try:
                before = await self.shared.db.transport_state.matrix_room(room_id)
                if before is not None and before.kind == LEAVING_ROOM:
                    continue  # left after this sync (leave_due), whoever joins meanwhile
                room = await self._room(room_id, fresh=True)
                if room is not None and room.kind in (GROUP, EMPTY):
                    person = before.peer if before is not None and before.peer else None
                    await self._leave(room_id, explain=room.kind == GROUP, person=person)
            except Exception as exc:
                log.warning("matrix: a membership change failed: %s", type(exc).__name__)

    async def _leave(
        self, room_id: str, *, explain: bool, person: str | None = None, why: str = "group"
    ) -> None:
        """Leave a room that is neither a direct chat nor the coordinators' room (or one
        direct chat too many); the note ``why`` (a name in ``_NOTES``) is in the language of
        ``person`` (the inviter, or the one the chat was with). A room just joined is left
        after the next sync (:meth:`leave_due`): matrix-nio knows nothing of it before, and
        an encrypted room is written to only then (never in plain text)."""
        assert self.shared.client is not None
        state = self.shared.db.transport_state
        if explain and room_id not in self.shared.client.rooms:
            await state.remember_matrix_room(room_id, MatrixRoom(LEAVING_ROOM))
            since = datetime.now(UTC).isoformat()
            await state.set(
                LEAVE + room_id, json.dumps({"why": why, "person": person, "since": since})
            )
            return
        if explain:
            user = await self.shared.db.users.find(PLATFORM, person) if person is not None else None
            text = reader_of(user).t.t(_NOTES[why])
            try:
                await self.outbound.room_send(room_id, render(text, []))
            except DeliveryError as exc:
                log.warning("matrix: the note before leaving a room failed: %s", exc)
        await self.shared.client.room_leave(room_id)
        await self.shared.client.room_forget(room_id)
        await state.forget_matrix_room(room_id)
        log.info("matrix: left a room that is not a direct chat")

    async def leave_due(self) -> None:
        """After each sync: leave the rooms that waited for it, with their note where the
        sync has shown the room (without one, if none has in ``LEAVE_WAIT``)."""
        client = self.shared.client
        if client is None:
            return
        given_up = datetime.now(UTC) - LEAVE_WAIT
        taken, _ = await take_due(
            self.shared.db.transport_state,
            LEAVE,
            lambda room_id, leaving: (
                room_id in client.rooms or datetime.fromisoformat(leaving["since"]) <= given_up
            ),
        )
        for room_id, leaving in taken:
            try:
                await self._leave(
                    room_id,
                    explain=room_id in client.rooms,
                    person=leaving.get("person"),
                    why=leaving["why"],
                )
            except Exception as exc:
                log.warning("matrix: leaving a room failed: %s", type(exc).__name__)

    async def on_invite(self, room: nio.MatrixRoom, event: nio.InviteMemberEvent) -> None:
        if event.state_key != self.shared.config.user_id or event.membership != "invite":
            return
        if not self.shared.ready:
            # The first sync of a new installation, before the bot may send: the invite
            # is accepted once it can (a group then still hears why the bot leaves, a
            # direct chat is still greeted).
            self.invites_waiting[room.room_id] = event.sender
            return
        await self._accept(room.room_id, event.sender)

    async def accept_waiting_invites(self) -> None:
        """Accept the invites the first sync brought, now that the bot may send."""
        waiting, self.invites_waiting = self.invites_waiting, {}
        for room_id, sender in waiting.items():
            await self._accept(room_id, sender)

    async def _accept(self, room_id: str, sender: str) -> None:
        """Join a room the bot was invited to; stay only in a direct chat (greeted a moment
        later) or the coordinators' room."""
        assert self.shared.client is not None
        try:
            joined = await self.shared.client.join(room_id)
            if not isinstance(joined, nio.JoinResponse):
                log.warning(
                    "matrix: joining a room failed: %s", getattr(joined, "status_code", "?")
                )
                return
            if self.shared.is_backchannel(room_id):
                return
            # A direct chat is one with the bot and one person; in any other room the bot
            # says why it does not stay (to the inviter, in their language if it knows it).
            kind = await self._room(room_id, fresh=True)
            if kind is not None and kind.kind != DIRECT:
                await self._leave(room_id, explain=kind.kind == GROUP, person=sender)
            elif kind is not None and await self._enough_chats(room_id, kind):
                await self._leave(room_id, explain=True, person=kind.peer, why="enough")
            elif kind is not None:
                await self._history_for_members_only(room_id)
                # Greeted a moment later, unless the person's first message comes first:
                # Element creates a direct chat when its first message is sent, so the
                # invite and that message arrive together, and one greeting is enough.
                since = datetime.now(UTC).isoformat()
                await self.shared.db.transport_state.set(
                    GREET + room_id, json.dumps({"peer": kind.peer, "since": since})
                )
        except Exception as exc:
            log.warning("matrix: accepting an invite failed: %s", type(exc).__name__)

    async def _history_for_members_only(self, room_id: str) -> None:
        """Before the bot says anything in a new direct chat: what is said from now on is
        shown only to those in the room at the time (``joined``). Clients create direct
        chats with the history shared with every later member (``shared``), so someone the
        person invites later could read all the bot told them (a helper's words and name);
        the bot leaves a chat that gains a third person, but that leaves the history
        readable, and clients that share a ``shared`` history's room keys with whoever is
        invited (MSC4268, coming to Element X) would send them the keys. A chat Element
        creates (``trusted_private_chat``) gives the bot the power to change it; where it
        has not, the chat stays as made."""
        assert self.shared.client is not None
        try:
            response = await self.shared.client.room_put_state(
                room_id, "m.room.history_visibility", {"history_visibility": "joined"}
            )
        except Exception as exc:  # the chat is served all the same
            response = type(exc).__name__
        if not isinstance(response, nio.RoomPutStateResponse):
            log.info(
                "matrix: the history of a new direct chat stays visible to later members: %s",
                getattr(response, "status_code", response),
            )

    async def _enough_chats(self, room_id: str, room: MatrixRoom) -> bool:
        """Whether the person of the new direct chat ``room_id`` has
        ``DIRECT_CHATS_PER_PERSON`` others with the bot already (a chat they left, the bot
        left too: it no longer counts)."""
        chats = await self.shared.db.transport_state.rooms_like(room)
        return len([chat for chat in chats if chat != room_id]) >= DIRECT_CHATS_PER_PERSON

    async def on_member(self, room: nio.MatrixRoom, event: nio.RoomMemberEvent) -> None:
        if (
            event.state_key == self.shared.config.user_id
            and event.membership in ("leave", "ban")
            and self.shared.ready
            and self.shared.client is not None
        ):
            await self.shared.client.room_forget(room.room_id)
            state = self.shared.db.transport_state
            await state.forget_matrix_room(room.room_id)
            await state.delete(LEAVE + room.room_id)

    async def is_private(self, room_id: str) -> bool | None:
        """True for a direct chat, False for the coordinators' room, None for any other
        room (or one the homeserver could not be asked about): not served."""
        if self.shared.is_backchannel(room_id):
            return False
        room = await self._room(room_id)
        return True if room is not None and room.kind == DIRECT else None

    async def check_recipient(self, room_id: str) -> None:
        """Nothing meant for one person goes into a room others read: raises DeliveryError
        unless the room is a direct chat (or the coordinators' room)."""
        if self.shared.is_backchannel(room_id):
            return
        room = await self._room(room_id)
        if room is None:
            raise DeliveryError("room members unknown")
        if room.kind != DIRECT:
            raise DeliveryError(f"not a direct chat ({room.kind})", permanent=True)
