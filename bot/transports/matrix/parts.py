"""What the parts of the Matrix transport share (:class:`Shared`), and the membership-aware
client."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import uuid4

import nio

from bot.transports.matrix.config import MatrixSection
from bot.transports.matrix.decrypt_budget import DecryptBudget, Limits
from bot.transports.matrix.held_olm import HeldOlm, take
from bot.transports.matrix.render import PLATFORM
from bot.transports.matrix.vouched_devices import KeysQueryResponse, Vouching
from bot.transports.numbered_choices import NumberedChoices
from db import Database
from db.transport_state import NotHolder, TransportStateStore
from handlers.channels import Ports, Standing

log = logging.getLogger(__name__)


DIRECT, GROUP, EMPTY, GONE = "direct", "group", "empty", "gone"
# A room the bot leaves after the next sync (rooms.py): served no more meanwhile.
LEAVING_ROOM = "leaving"
# A direct chat its person left (and the bot with her), kept while it may be her address:
# what is queued for it goes to another direct chat with her, or one the bot opens and
# invites her to (rooms.py ``address``).
LEFT = "left"
# The lines before the bot leaves a room, and the first in a chat it opened again, are
# worded by the features (handlers/updates/chats.py ``Chats.leaving``, ``reopened``: asked
# through ``Ports.chats``).
# Direct chats the bot stays in with one person: anyone can open direct chats one after
# another, and each one the bot joins is synced and kept from then on. People who lost a
# chat open a new one; more than a few is not someone looking for help.
DIRECT_CHATS_PER_PERSON = 5

if not hasattr(nio.AsyncClient, "_handle_joined_rooms"):  # pragma: no cover
    raise ImportError("matrix-nio without AsyncClient._handle_joined_rooms: see _Client")


class Retired(RuntimeError):
    """A request of a client whose process no longer holds the Matrix role."""


# Requests that publish a private key's public half or carry Olm ciphertext (room keys in
# ``m.room.encrypted`` to-device messages, which matrix-nio sends as these two).
_CHECKPOINTED = (nio.KeysUploadResponse, nio.ShareGroupSessionResponse, nio.ToDeviceResponse)


class _Client(nio.AsyncClient):
    """matrix-nio's client, telling the transport which rooms' membership changed before
    the events of the same sync are handled: a message right after a third person joined
    must already be judged by the new membership. Membership changes arrive as events in
    a room's timeline or, after a gap (a restart, a long outage), only in its state block,
    which nio does not pass to event callbacks at all."""

    membership_changed: Callable[[set[str]], Awaitable[None]] | None = None
    # The sync being handled asked for the full state (the first after taking the role).
    full_state = False
    # Called before device keys or one-time keys are uploaded, and before Olm-encrypted
    # to-device messages (room keys) are sent, with the store up to date: the transport
    # writes it to the database first (see crypto_state.py), so no published key's private
    # half, and no Olm ratchet step that left the process, exists only in memory (restored
    # older, a session would encrypt again at a chain index the person already used).
    checkpoint_before_sending: Callable[[], Awaitable[None]] | None = None
    # Set when this process no longer holds the Matrix role: nothing more leaves it.
    retired = False
    # The work spent on encrypted events (decrypt_budget.py) and where a sender stands,
    # set by the transport; without them every event is decrypted.
    budget: DecryptBudget | None = None
    standing: Callable[[str], Awaitable[Standing]] | None = None
    # Where strangers' Olm messages past the budget are held (held_olm.py), set with it.
    held: HeldOlm | None = None
    # An Olm message came or device owners were read again since the strangers' keys
    # were last looked at (stranger_keys.Pruning takes it): they may be beyond a bound.
    keys_changed = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per member of the bot's encrypted rooms, what their identity vouches for, as last
        # read from /keys/query (vouched_devices.py); members only, so it stays as small as
        # the rooms.
        self.vouching: dict[str, Vouching] = {}
        # Room events of this sync not decrypted for the budget: event id -> why (its
        # OWN or ALL), read by the transport's inbound part as the events are handled.
        self.over_budget: dict[str, str] = {}
        # The held Olm messages handled in this process since the last checkpoint: released
        # (held_olm.py) once it saved the keys they brought (transport.py).
        self.released: list[int] = []

    def encrypt(
        self, room_id: str, message_type: str, content: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        """As matrix-nio encrypts, with the relation (an edit's, a reaction's) also outside
        the ciphertext, where the spec keeps it so that clients and the homeserver can
        group edits and reactions with their message."""
        encrypted_type, encrypted = super().encrypt(room_id, message_type, content)
        if "m.relates_to" in content:
            encrypted = {**encrypted, "m.relates_to": content["m.relates_to"]}
        return encrypted_type, encrypted

    async def room_send(
        self,
        room_id: str,
        message_type: str,
        content: dict[str, Any],
        tx_id: str | None = None,
        ignore_unverified_devices: bool = False,
    ) -> Any:
        """matrix-nio sends reactions unencrypted even in encrypted rooms (it predates
        encrypted reactions); Element encrypts them, and so does the bot.

        Into an encrypted room, the keys of people whose devices changed are asked for
        first (matrix-nio would send under the room key it has): a device newly signed
        gets the next message, one whose owner no longer vouches for it does not."""
        room = self.rooms.get(room_id)
        if (
            self.olm is not None
            and room is not None
            and room.encrypted
            and self.users_for_key_query & room.users.keys()
        ):
            await self.keys_query()
        if message_type != "m.reaction" or self.olm is None or room is None or not room.encrypted:
            return await super().room_send(
                room_id, message_type, content, tx_id, ignore_unverified_devices
            )
        if not room.members_synced:
            await self.joined_members(room_id)
        if self.should_query_keys:
            await self.keys_query()
        if self.olm.should_share_group_session(room_id):
            await self.share_group_session(
                room_id, ignore_unverified_devices=ignore_unverified_devices
            )
        encrypted_type, encrypted = self.encrypt(room_id, message_type, content)
        method, path, data = nio.Api.room_send(
            self.access_token, room_id, encrypted_type, encrypted, tx_id or str(uuid4())
        )
        return await self._send(nio.RoomSendResponse, method, path, data, (room_id,))

    async def share_group_session(
        self, room_id: str, ignore_unverified_devices: bool = False
    ) -> nio.ShareGroupSessionResponse | nio.ShareGroupSessionError:
        """A new room key for the room, shared only with the devices their owners vouch
        for: members whose identity is not known in this process yet (after a start,
        matrix-nio has their devices from its store but not their identity) are asked
        for first."""
        room = self.rooms.get(room_id)
        if self.olm is not None and room is not None:
            unknown = set(room.users) - self.vouching.keys()
            if unknown:
                self.olm.add_changed_users(unknown)
            if self.should_query_keys:
                await self.keys_query()
        return await super().share_group_session(room_id, ignore_unverified_devices)

    async def keys_query(self) -> nio.KeysQueryResponse | nio.KeysQueryError:
        """matrix-nio's query of the keys of the users it marked outdated, read once more
        for their cross-signing identities, which then decide who gets room keys."""
        if not self.users_for_key_query:
            raise nio.LocalProtocolError("No key query required.")
        method, path, data = nio.Api.keys_query(self.access_token, self.users_for_key_query)
        response = await self._send(KeysQueryResponse, method, path, data)
        if isinstance(response, KeysQueryResponse) and self.olm is not None:
            self.keys_changed = True  # who owns a device key may be known now
            self._vouch(response.vouching)
        return response

    def _vouch(self, found: dict[str, Vouching]) -> None:
        """Room keys only to the devices their owner vouches for: the others are put on
        matrix-nio's blacklist, which its key sharing skips, and taken off it once
        vouched for (or once their owner has no identity). Either change, like a new
        identity, drops the outbound room key of the owner's rooms, so the next message
        goes out under a new key to the devices vouched for now."""
        members = self._encrypted_members()
        left_out = taken_back = changed = 0
        for user_id, vouching in found.items():
            before = self.vouching.get(user_id)
            if before is not None and (before.has_identity, before.master) != (
                vouching.has_identity,
                vouching.master,
            ):
                changed += 1
                for room in self.rooms.values():
                    if room.encrypted and user_id in room.users:
                        self.invalidate_outbound_session(room.room_id)
            for device in self.device_store.active_user_devices(user_id):
                if user_id == self.user_id and device.id == self.device_id:
                    continue
                if vouching.vouches_for(device.id, device.ed25519, device.curve25519):
                    if device.blacklisted:
                        self.unblacklist_device(device)
                        taken_back += 1
                elif not device.blacklisted:
                    self.blacklist_device(device)
                    left_out += 1
            if user_id in members:
                self.vouching[user_id] = vouching
        for user_id in self.vouching.keys() - members:
            del self.vouching[user_id]
        if left_out or taken_back or changed:
            log.info(
                "matrix: room keys no longer to %d device(s) (not signed by their owner's"
                " identity), again to %d; %d identity change(s)",
                left_out,
                taken_back,
                changed,
            )

    def _encrypted_members(self) -> set[str]:
        """Everyone in the bot's encrypted rooms."""
        return {user_id for room in self.rooms.values() if room.encrypted for user_id in room.users}

    # The homeserver did not answer the last request (matrix-nio tries it again for ever,
    # with a growing pause): said once when it goes, and once when it answers again.
    out_of_reach = False

    async def get_timeout_retry_wait_time(self, got_timeouts: int) -> float:
        if not self.out_of_reach:
            self.out_of_reach = True
            log.warning(
                "matrix: the homeserver %s cannot be reached; trying again", self.homeserver
            )
        wait: float = await super().get_timeout_retry_wait_time(got_timeouts)
        return wait

    async def _send(self, response_class: type, *args: Any, **kwargs: Any) -> Any:
        if self.retired:
            raise Retired("this process no longer holds the Matrix role")
        if response_class in _CHECKPOINTED and self.olm is not None:
            if response_class is nio.KeysUploadResponse:
                self.olm.save_account()
            if self.checkpoint_before_sending is not None:
                try:
                    await self.checkpoint_before_sending()
                except NotHolder:
                    self.retired = True
                    raise
        response = await super()._send(response_class, *args, **kwargs)
        if self.out_of_reach:
            self.out_of_reach = False
            log.warning("matrix: the homeserver %s answers again", self.homeserver)
        return response

    async def _learn(self, senders: list[str]) -> None:
        """Where the senders of encrypted events stand, asked before matrix-nio decrypts
        them (it does not wait)."""
        if self.budget is not None and self.standing is not None and senders:
            await self.budget.learn(senders, self.standing)

    async def _handle_to_device(self, response: nio.SyncResponse) -> None:
        """Olm messages of running help and known people are decrypted always; a
        stranger's past the hour's budget is held for the next hour (in the database,
        held_olm.py), not dropped: it carries a room key, and a room key lost is not sent
        again for its session (a stranger told to write again after the hour could not be
        read then). What they store is bounded by stranger_keys.py as well."""
        if self.budget is not None and self.held is not None:
            try:
                events, released = await take(
                    self.budget, self.held, response.to_device_events, self._learn
                )
            except Exception as exc:
                # Within matrix-nio's handling of a sync whose token moved on already:
                # raised, the error would lose the sync's events. Nothing could be held,
                # so the sync's Olm messages are decrypted now, past the budget.
                log.warning("matrix: holding Olm messages failed: %s", type(exc).__name__)
            else:
                response.to_device_events = events
                self.released.extend(released)
        # Held ones handled now count as having come now (their keys may pass a bound).
        olm = any(isinstance(e, nio.OlmEvent) for e in response.to_device_events)
        self.keys_changed = self.keys_changed or olm
        await super()._handle_to_device(response)

    def _handle_timeline_event(
        self, event: Any, room_id: str, room: nio.MatrixRoom, encrypted_rooms: set[str]
    ) -> Any:
        """A room message past its sender's budget is not decrypted: noted in
        ``over_budget`` for the answer, and handled as the encrypted event it is."""
        if isinstance(event, nio.MegolmEvent) and self.olm is not None and self.budget is not None:
            why = self.budget.spend(event.sender)
            if why is not None:
                event.room_id = room_id
                self.over_budget[event.event_id] = why
                return None
        return super()._handle_timeline_event(event, room_id, room, encrypted_rooms)

    async def _handle_joined_rooms(self, response: nio.SyncResponse) -> None:
        self.over_budget = {}
        await self._learn(
            [
                event.sender
                for info in response.rooms.join.values()
                for event in info.timeline.events
                if isinstance(event, nio.MegolmEvent)
            ]
        )
        if self.olm is not None and response.device_list.changed:
            # matrix-nio marks the people whose devices or identity changed only after the
            # events are handled: an answer to one of them must already ask for their keys
            # (room_send), or it goes out under the room key of the devices vouched for before.
            self.olm.add_changed_users(
                set(response.device_list.changed) & self._encrypted_members()
            )
        if self.membership_changed is not None:
            changed = {
                room_id
                for room_id, info in response.rooms.join.items()
                if any(
                    isinstance(event, nio.RoomMemberEvent)
                    # A full-state sync names every member of every room in the state
                    # block: only a gap in the timeline can hide a change there.
                    for event in (
                        *(info.state if info.timeline.limited or not self.full_state else ()),
                        *info.timeline.events,
                    )
                )
            }
            if changed:
                await self.membership_changed(changed)
        await super()._handle_joined_rooms(response)


async def take_due(
    state: TransportStateStore, prefix: str, is_due: Callable[[str, dict[str, Any]], bool]
) -> tuple[list[tuple[str, dict[str, Any]]], bool]:
    """What waits per room under ``prefix`` (a greeting, a leave: JSON, db/transport_state.py)
    and is due now by ``is_due(room id, what waits)``: taken off the list before the caller
    acts on it (said once at most: better lost than said twice), as (room id, what waited);
    and whether anything is still waiting."""
    taken: list[tuple[str, dict[str, Any]]] = []
    waiting = False
    for key in await state.keys_under(prefix):
        value = await state.get(key)
        if value is None:
            continue  # gone meanwhile (a greeting's person wrote first)
        room_id, data = key.removeprefix(prefix), json.loads(value)
        if not is_due(room_id, data):
            waiting = True
            continue
        await state.delete(key)
        taken.append((room_id, data))
    return taken, waiting


class Shared:
    """What the parts of the Matrix transport share (rooms, inbound, outbound: each a part
    the transport holds): the client and the state of this process's connection, set up
    and changed by the transport (transport.py), read by the parts."""

    def __init__(self, db: Database, config: MatrixSection, ports: Ports) -> None:
        # What the transport asks besides its updates (handlers/channels.py ``Ports``).
        self.ports: Ports = ports
        self.db = db
        self.config = config
        self.client: _Client | None = None
        # Logged in without keys: what the processes not holding the Matrix role use.
        self.plain: _Client | None = None
        # Only the role holder sends Matrix messages (see crypto_state.py); its sends go
        # one at a time, and the client is swapped only between them.
        self.delivering = False
        self.send_lock = asyncio.Lock()
        # Events are taken (from the first sync after taking the role on).
        self.ready = False
        # Events being handled now: a stop lets them finish (their answers go out).
        self.in_flight = 0
        # This database's namespace of Matrix transaction ids (outbound.py).
        self.transactions = ""
        # Written "!name" in everything the bot sends here (render.bang_commands).
        self.commands = frozenset(ports.updates.command_names())
        # Typed numbers and reactions pressing buttons, kept in the database.
        self.choices = NumberedChoices(db.transport_state, self.is_backchannel)
        # The hour's work on encrypted events (decrypt_budget.py), on the city's clock,
        # within the [matrix] section's budgets.
        self.budget = DecryptBudget(lambda: ports.now(), Limits.of(config))
        # Strangers' Olm messages held past it, in the database.
        self.held = HeldOlm(db.transactions)

    def is_backchannel(self, room_id: str) -> bool:
        return room_id == self.config.backchannel_room or self.ports.chats.is_backchannel(
            PLATFORM, room_id
        )
