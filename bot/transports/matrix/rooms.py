"""Which rooms the bot is in and which are private: asked from the homeserver, kept per room
and asked again when membership changes; invites accepted for direct chats and the
coordinators' room only, other rooms left with one line of explanation. A direct chat its
person left is her address no more: what is meant for it goes to a new direct chat the bot
opens and invites her to, once at a time; one she refuses closes her chat.

Kept besides ``matrix.room:`` (db/transport_state.py): ``matrix.rejoin:<person>``, the
direct chat the bot opened for someone who left theirs (``room``), whether the chat she
left was encrypted (``encrypted``), whether she was told in it why it is there (``told``),
and whether she refused the new one (``refused``);
removed when she joins it or opens a chat herself.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import nio

from bot.transports.matrix.outbound import Outbound
from bot.transports.matrix.parts import (
    DIRECT,
    DIRECT_CHATS_PER_PERSON,
    EMPTY,
    GONE,
    GROUP,
    LEAVING_ROOM,
    LEFT,
    Shared,
    take_due,
)
from bot.transports.matrix.render import (
    PLATFORM,
    render,
)
from bot.transports.sending import DeliveryError
from db.transport_state import GREET, LEAVE, MatrixRoom

log = logging.getLogger(__name__)

# What the bot says before it leaves a room, by the name kept for a leave that waits.
# A room no sync has shown this long after the bot joined it is left without a note (and
# greeted without waiting longer: inbound.py).
LEAVE_WAIT = timedelta(minutes=5)
# The direct chat the bot opened for a person who left hers (see above), per person.
REJOIN = "matrix.rejoin:"
# How long a send waits for the sync that shows a chat the bot just opened (an encrypted
# one is written to only then); after it, the send is tried again later as any other.
OPENED_WAIT = 10.0
MEGOLM = {"algorithm": "m.megolm.v1.aes-sha2"}


class Rooms:
    """Room membership: joining, leaving, and whether a room is a direct chat. The note
    before leaving a room goes out through ``outbound``."""

    def __init__(self, shared: Shared, outbound: Outbound) -> None:
        self.shared = shared
        self.outbound = outbound
        # Invites the first sync of a new installation brought: room -> inviter.
        self.invites_waiting: dict[str, str] = {}
        # One new chat at a time: the messages of one round queued for a person who left
        # open one chat between them, not one each.
        self._opening = asyncio.Lock()

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
                if before is None:
                    # A chat being opened for someone who left hers may show before the
                    # bot knows it is hers (_reopen): judged once it does.
                    async with self._opening:
                        before = await self.shared.db.transport_state.matrix_room(room_id)
                if before is not None and before.kind == LEAVING_ROOM:
                    continue  # left after this sync (leave_due), whoever joins meanwhile
                room = await self._room(room_id, fresh=True)
                person = before.peer if before is not None and before.peer else None
                if person and await self._invitation_under_way(room_id, person, room):
                    continue
                if room is not None and room.kind in (GROUP, EMPTY):
                    encrypted = self._encrypted(room_id)
                    await self._leave(room_id, explain=room.kind == GROUP, person=person)
                    if room.kind == EMPTY and person:
                        await self._left_by(room_id, person, encrypted)
            except Exception as exc:
                log.warning("matrix: a membership change failed: %s", type(exc).__name__)

    def _encrypted(self, room_id: str) -> bool:
        client = self.shared.client
        room = client.rooms.get(room_id) if client is not None else None
        return bool(room is not None and room.encrypted)

    async def _rejoin(self, person: str) -> dict[str, Any]:
        """What is kept of the chat the bot opens for ``person``, who left hers (``REJOIN``)."""
        return dict(json.loads(await self.shared.db.transport_state.get(REJOIN + person) or "{}"))

    async def _note_rejoin(self, person: str, rejoin: dict[str, Any]) -> None:
        await self.shared.db.transport_state.set(REJOIN + person, json.dumps(rejoin))

    async def _left_by(self, room_id: str, person: str, encrypted: bool) -> None:
        """``person`` left the direct chat ``room_id`` (the bot has left it too). The chat
        the bot opened for her, left before she joined it, is one she refused: her chat
        is closed as a blocked bot's (the dispatcher's ``chat_closed``), and she is not
        invited again until she writes herself. Her address (the chat the database sends
        to) is kept as left, so that what is queued for it reaches her in another chat;
        any other chat of hers is forgotten."""
        state = self.shared.db.transport_state
        rejoin = await self._rejoin(person)
        user = await self.shared.db.users.find(PLATFORM, person)
        if rejoin.get("room") == room_id:
            await self._note_rejoin(person, {**rejoin, "refused": True})
            log.info("matrix: a person refused the new direct chat; their chat is closed")
            address = await self._room(user.chat_id) if user and user.chat_id else None
            if user is not None and address is not None and address.kind == LEFT:
                await self.shared.ports.chats.closed(
                    PLATFORM, person, user.chat_id, f"refused:{room_id}"
                )
            return
        if user is None or user.chat_id != room_id:
            return  # nothing is sent to it: forgotten, as any room the bot left
        await state.remember_matrix_room(room_id, MatrixRoom(LEFT, person))
        await self._note_rejoin(person, {"encrypted": encrypted})
        # Bounded as her chats are: anyone can open and leave chat after chat.
        for other in (await state.rooms_like(MatrixRoom(LEFT, person)))[DIRECT_CHATS_PER_PERSON:]:
            if other != room_id:
                await state.forget_matrix_room(other)

    async def _invitation_under_way(
        self, room_id: str, person: str, room: MatrixRoom | None
    ) -> bool:
        """Whether ``room_id``, the chat the bot opened for ``person``, waits for her: the
        first sync can show it before her invitation is in (the bot alone in it), and
        that is not a chat she left. Once she has joined it, it is a direct chat as any
        other."""
        state = self.shared.db.transport_state
        rejoin = await self._rejoin(person)
        if rejoin.get("room") != room_id:
            return False
        assert self.shared.client is not None
        response = await self.shared.client.room_get_state_event(room_id, "m.room.member", person)
        membership = (
            response.content.get("membership")
            if isinstance(response, nio.RoomGetStateEventResponse)
            else None
        )
        if membership == "join":
            await state.delete(REJOIN + person)
            return False
        if room is not None and room.kind == EMPTY and membership in (None, "invite"):
            await state.remember_matrix_room(room_id, MatrixRoom(DIRECT, person))
            return True
        return False

    async def address(self, room_id: str) -> str:
        """Where to send what is meant for the person of ``room_id``: the room itself, if
        it is a direct chat or the coordinators' room; for a direct chat she left, another
        direct chat with her (her address first), or one the bot opens now and invites her
        to. Raises DeliveryError where there is none: nothing meant for one person goes
        into a room others read."""
        if self.shared.is_backchannel(room_id):
            return room_id
        room = await self._room(room_id)
        if room is None:
            raise DeliveryError("room members unknown")
        if room.kind == LEFT:
            async with self._opening:
                room_id, encrypted = await self._reopen(room.peer)
            await self._until_shown(room_id, room.peer, encrypted)
            await self._say_why(room_id, room.peer)
            return room_id
        if room.kind != DIRECT:
            raise DeliveryError(f"not a direct chat ({room.kind})", permanent=True)
        return room_id

    async def _until_shown(self, room_id: str, person: str, encrypted: bool) -> None:
        """Until a sync has shown the chat ``room_id`` opened for ``person`` as it is: with
        her invited, and encrypted if it was made so. A sync can show a new room before
        all its first events: sent to before, a message would be plain text in an
        encrypted chat, or its room key go to nobody. DeliveryError (tried again later)
        if none has in ``OPENED_WAIT``."""
        client = self.shared.client
        loop = asyncio.get_running_loop()
        deadline = loop.time() + OPENED_WAIT
        while client is not None:
            room = client.rooms.get(room_id)
            if room is not None and person in room.users and (room.encrypted or not encrypted):
                return
            if loop.time() > deadline:
                break
            await asyncio.sleep(0.05)
        raise DeliveryError("the new chat is not synced yet")

    async def _say_why(self, room_id: str, person: str) -> None:
        """The first line in ``room_id``, the chat the bot opened for ``person``: why it
        is there and how to stop it, in her language, once, before anything queued for
        her (a DeliveryError tries that again later, the line first)."""
        async with self._opening:
            rejoin = await self._rejoin(person)
            if rejoin.get("room") != room_id or rejoin.get("told"):
                return
            words = await self.shared.ports.words.words_of(PLATFORM, person)
            line = self.shared.ports.chats.reopened(words)
            await self.outbound.room_send(room_id, render(line, []))
            await self._note_rejoin(person, {**rejoin, "told": True})

    async def _reopen(self, person: str) -> tuple[str, bool]:
        """A direct chat with ``person``, who left the one the database sends to: one she
        is in (or invited to), else one opened now - once: one she refused closes her chat
        until she writes herself (DeliveryError ``closed``)."""
        state = self.shared.db.transport_state
        rejoin = await self._rejoin(person)
        chats = await state.rooms_like(MatrixRoom(DIRECT, person))
        if chats:
            user = await self.shared.db.users.find(PLATFORM, person)
            chat = user.chat_id if user is not None and user.chat_id in chats else chats[0]
            return chat, chat == rejoin.get("room") and rejoin.get("encrypted", True)
        if rejoin.get("refused"):
            raise DeliveryError("the person refused a new chat", closed=True)
        assert self.shared.client is not None
        client = self.shared.client
        encrypted = rejoin.get("encrypted", client.olm is not None)
        initial_state: list[dict[str, object]] = [
            # Read from her invitation on: what the bot says before she joins is hers.
            {
                "type": "m.room.history_visibility",
                "state_key": "",
                "content": {"history_visibility": "invited"},
            }
        ]
        if encrypted:
            initial_state.append({"type": "m.room.encryption", "state_key": "", "content": MEGOLM})
        try:
            response = await client.room_create(
                is_direct=True,
                preset=nio.RoomPreset.trusted_private_chat,
                invite=[person],
                initial_state=initial_state,
            )
        except Exception as exc:
            raise DeliveryError(type(exc).__name__) from None
        if not isinstance(response, nio.RoomCreateResponse):
            status = str(getattr(response, "status_code", ""))
            if status in ("M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN"):
                # She cannot be invited (gone, or refusing invites): as a refusal.
                await self._note_rejoin(person, {**rejoin, "refused": True})
                raise DeliveryError(f"no new chat: {status}", closed=True)
            raise DeliveryError(f"no new chat: {status or '?'}")
        room_id = response.room_id
        await state.remember_matrix_room(room_id, MatrixRoom(DIRECT, person))
        await self._note_rejoin(person, {**rejoin, "room": room_id, "encrypted": encrypted})
        log.info("matrix: opened a new direct chat for a person who left theirs")
        return room_id, encrypted

    async def _leave(
        self, room_id: str, *, explain: bool, person: str | None = None, why: str = "group"
    ) -> None:
        """Leave a room that is neither a direct chat nor the coordinators' room (or one
        direct chat too many); the note ``why`` ("group", or "enough": one direct chat too many,
        worded by the features: ``Ports.chats.leaving``) is in the language of
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
            words = self.shared.ports.words
            t = await words.words_of(PLATFORM, person) if person else words.nobodys(PLATFORM)
            text = self.shared.ports.chats.leaving(t, too_many=why == "enough")
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
                # She opened a chat herself: any chat she refused is forgiven.
                await self.shared.db.transport_state.delete(REJOIN + kind.peer)
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
                "matrix: the history of a direct chat stays visible to later members: %s",
                getattr(response, "status_code", response),
            )

    async def history_to_members_of_old_chats(self) -> None:
        """After the first sync of a start, which shows every room's state: the direct
        chats joined before the bot made a new chat's history its members' of the time
        (:meth:`_history_for_members_only`) still share it with anyone who joins later;
        they are changed where the bot has the power (a chat Element or Element X made),
        and left as they are elsewhere (asked of the power levels, not tried)."""
        client = self.shared.client
        if client is None:
            return
        for room_id, room in list(client.rooms.items()):
            if room.history_visibility not in ("shared", "world_readable"):
                continue
            if self.shared.is_backchannel(room_id):
                continue  # the coordinators' room is theirs to set
            kept = await self.shared.db.transport_state.matrix_room(room_id)
            if kept is None or kept.kind != DIRECT:
                continue
            if await self._may_set_history(room_id, room):
                await self._history_for_members_only(room_id)

    async def _may_set_history(self, room_id: str, room: nio.MatrixRoom) -> bool:
        """Whether the bot may set the room's history visibility: by its power level, or,
        from room version 12 on, as one of the room's creators (MSC4289: Element X's
        direct chats make the person invited an additional creator, whose power is above
        any level and not listed among them; matrix-nio knows nothing of it)."""
        bot = self.shared.config.user_id
        if room.power_levels.can_user_send_state(bot, "m.room.history_visibility"):
            return True
        assert self.shared.client is not None
        response = await self.shared.client.room_get_state_event(room_id, "m.room.create")
        if not isinstance(response, nio.RoomGetStateEventResponse):
            return False
        content = response.content
        version = str(content.get("room_version") or "1")
        creators = content.get("additional_creators")
        creators = creators if isinstance(creators, list) else []
        # (The bot creates only chats whose history is never shared: rooms.py _reopen.)
        return version.isdigit() and int(version) >= 12 and bot in creators

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
            kept = await state.matrix_room(room.room_id)
            if kept is None or kept.kind != LEFT:
                await state.forget_matrix_room(room.room_id)
            await state.delete(LEAVE + room.room_id)

    async def is_private(self, room_id: str) -> bool | None:
        """True for a direct chat, False for the coordinators' room, None for any other
        room (or one the homeserver could not be asked about): not served."""
        if self.shared.is_backchannel(room_id):
            return False
        room = await self._room(room_id)
        return True if room is not None and room.kind == DIRECT else None
