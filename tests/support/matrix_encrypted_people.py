"""People who use Matrix the way Element X does: their own device with uploaded keys,
end-to-end encrypted direct chats and private rooms, encrypted voice messages.

``EncryptedPerson`` keeps ``MatrixPerson``'s API (``received``, ``say``, ``send``,
``wait_for``, ``dm``…), so a test written for plain rooms reads the same: ``received``
holds the decrypted events. Events that cannot be decrypted (yet) wait in
``undecrypted`` and move to ``received`` once their room key arrives, as Element retries
decryption when a key comes in.
"""

from __future__ import annotations

import asyncio
import io
import json
import tempfile
from typing import Any
from uuid import uuid4

import nio
from nio.api import Api, RoomPreset
from nio.crypto import decrypt_attachment

from tests.support import cross_signing
from tests.support.matrix_people import MatrixPerson
from tests.support.synapse_server import Synapse

MEGOLM = "m.megolm.v1.aes-sha2"
ENCRYPTION_STATE = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": MEGOLM}}

# Waits for the homeserver or another client are hang detectors, not speed bounds.
HANG = 60.0


class EncryptedPerson(MatrixPerson):
    """A person on an end-to-end encrypting client.

    ``cross_signed_only``: like Element with "only cross-signed devices": room keys go only
    to devices their owner cross-signed, room keys from other devices are set aside (and
    their messages so never shown) until that device is cross-signed.
    """

    def __init__(
        self,
        synapse: Synapse,
        name: str,
        *,
        cross_signed_only: bool = False,
        device_of: str | None = None,
    ) -> None:
        """A new person, or (``device_of``: a user id) another device of that person's."""
        self._store = tempfile.TemporaryDirectory(prefix="e2e-person-")
        super().__init__(synapse, name, {"user_id": device_of} if device_of else None)
        self.synapse = synapse
        self.homeserver = synapse.url
        self.cross_signed_only = cross_signed_only
        self.undecrypted: list[tuple[str, nio.MegolmEvent]] = []
        # Events that decrypted but came from a device that is not cross-signed.
        self.dropped: list[tuple[str, dict[str, Any]]] = []
        # Room keys from devices not cross-signed: (sender, sender_key) → sessions.
        self.set_aside: dict[tuple[str, str], list[Any]] = {}
        self.cross_signing_keys: cross_signing.CrossSigningKeys | None = None
        # Room keys encrypted for the members but not sent yet (say_withholding_key).
        self._withheld: dict[str, list[tuple[set[tuple[str, str]], dict[str, Any]]]] = {}
        # Key uploads, queries and claims must not overlap: one at a time, like Element's
        # single outgoing-requests loop.
        self._crypto = asyncio.Lock()
        self.client.add_event_callback(self._undecryptable, nio.MegolmEvent)
        self.client.add_to_device_callback(
            self._room_key, (nio.RoomKeyEvent, nio.ForwardedRoomKeyEvent)
        )
        # (sender, type) of every to-device event received, key requests too (nio hands
        # those to no callback, so they are read from the sync answer as it comes).
        self.to_device: list[tuple[str, str]] = []
        receive = self.client.receive_response

        async def noting(response: nio.Response) -> None:
            if isinstance(response, nio.SyncResponse):
                self._note_to_device(response)
            await receive(response)

        self.client.receive_response = noting

    def _make_client(self, synapse: Synapse, registration: dict[str, Any]) -> nio.AsyncClient:
        # Logged in with the password in start(): a device of its own, with its own keys.
        return nio.AsyncClient(
            synapse.url,
            self.user_id,
            store_path=self._store.name,
            config=nio.AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False),
        )

    @property
    def device_id(self) -> str:
        return self.client.device_id

    def another_device(self, name: str) -> EncryptedPerson:
        """The same person on a second device (Element on the laptop beside Element X on
        the phone): its own login, keys and store, in the same rooms; not started yet.
        Events from the person's other device are not collected, as from any own device."""
        return EncryptedPerson(self.synapse, name, device_of=self.user_id)

    async def start(self) -> None:
        response = await self.client.login(self.password, device_name=f"{self.name} Element X")
        assert isinstance(response, nio.LoginResponse), response
        await self._keep_keys()
        await self.client.sync(timeout=0, full_state=True)
        await self._after_sync()
        self._task = asyncio.create_task(self._loop())

    async def _after_sync(self) -> None:
        await self._keep_keys()
        if self.set_aside:
            await self._take_back_keys()
        self._retry_undecrypted()

    async def stop(self) -> None:
        await super().stop()
        self._store.cleanup()

    async def _keep_keys(self) -> None:
        """What a client does between syncs: its own keys up, others' keys in, Olm
        sessions claimed, queued to-device messages out."""
        async with self._crypto:
            if self.client.should_upload_keys:
                await self.client.keys_upload()
            if self.client.should_query_keys:
                await self.client.keys_query()
            if self.client.should_claim_keys:
                await self.client.keys_claim(self.client.get_users_for_key_claiming())
            await self.client.send_to_device_messages()

    # --- receiving -------------------------------------------------------------------

    async def wait_for(self, predicate, *, after: int = 0, timeout: float = HANG) -> dict[str, Any]:
        # Encryption adds round trips (keys, claims, to-device) a busy machine may be slow
        # at: a longer hang detector than plain people's.
        return await super().wait_for(predicate, after=after, timeout=timeout)

    async def _collect(self, room: nio.MatrixRoom, event: Any) -> None:
        if event.sender == self.user_id:
            return
        if (
            self.cross_signed_only
            and getattr(event, "decrypted", False)
            and not await self._sender_cross_signed(event.sender, event.sender_key)
        ):
            self.dropped.append((room.room_id, {**event.source, "room": room.room_id}))
            return
        self._record(room.room_id, event)

    async def _undecryptable(self, room: nio.MatrixRoom, event: nio.MegolmEvent) -> None:
        if event.sender != self.user_id:
            event.room_id = room.room_id
            self.undecrypted.append((room.room_id, event))
            self._changed.set()

    def _note_to_device(self, response: nio.SyncResponse) -> None:
        for event in response.to_device_events:
            self.to_device.append((event.sender, str(event.source.get("type", ""))))

    async def wait_undecryptable(self, room_id: str, event_id: str | None = None) -> str:
        """The id of an event (this one, or any) of the room that this client received
        and could not decrypt, once its sync has handled it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + HANG
        while True:
            for room, event in self.undecrypted:
                if room == room_id and event_id in (None, event.event_id):
                    return event.event_id
            if loop.time() > deadline:
                raise AssertionError(f"{self.name}: no undecryptable {event_id} in {room_id}")
            await asyncio.sleep(0.05)

    async def could_read(self, room_id: str, event_id: str) -> bool:
        """Once this client has received the event: whether it decrypted it (its room key
        came before or in the same sync) or holds it undecryptable."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + HANG
        while True:
            if any(r == room_id and e.get("event_id") == event_id for r, e in self.received):
                return True
            if any(r == room_id and e.event_id == event_id for r, e in self.undecrypted):
                return False
            if loop.time() > deadline:
                raise AssertionError(f"{self.name}: {event_id} did not arrive in {room_id}")
            await asyncio.sleep(0.05)

    def _retry_undecrypted(self) -> None:
        """Decrypt what waited for its key; only cross-signed senders' keys are in the
        store of a cross_signed_only person, so what decrypts here may be shown."""
        waiting, self.undecrypted = self.undecrypted, []
        for room_id, event in waiting:
            try:
                decrypted = self.client.decrypt_event(event)
            except nio.EncryptionError:
                self.undecrypted.append((room_id, event))
                continue
            self._record(room_id, decrypted)

    async def _room_key(self, event: nio.RoomKeyEvent) -> None:
        if not self.cross_signed_only or event.sender == self.user_id:
            return
        if await self._sender_cross_signed(event.sender, event.sender_key):
            return
        # Keys from a device its owner did not cross-sign are not accepted: out of the
        # store (so its messages stay undecrypted), kept aside in case it gets signed.
        sessions = self.client.olm.inbound_group_store[event.room_id][event.sender_key]
        session = sessions.pop(event.session_id, None)
        if session is not None:
            self.set_aside.setdefault((event.sender, event.sender_key), []).append(session)

    async def _take_back_keys(self) -> None:
        for (sender, sender_key), sessions in list(self.set_aside.items()):
            if await self._sender_cross_signed(sender, sender_key):
                for session in sessions:
                    self.client.olm.inbound_group_store.add(session)
                del self.set_aside[(sender, sender_key)]

    async def _cross_signed_curve_keys(self, user_ids: list[str]) -> dict[str, set[str]]:
        """Per user, the Curve25519 keys of the devices the owner cross-signed, asked of the
        homeserver each time (a device may have been signed since)."""
        query = await cross_signing.query_keys(self.homeserver, self.client.access_token, user_ids)
        return {
            user_id: {
                key
                for device in cross_signing.cross_signed_devices(query, user_id).values()
                if (key := cross_signing.device_curve_key(device))
            }
            for user_id in user_ids
        }

    async def _sender_cross_signed(self, sender: str, sender_key: str | None) -> bool:
        return sender_key in (await self._cross_signed_curve_keys([sender]))[sender]

    # --- sending ---------------------------------------------------------------------

    async def _room(self, room_id: str, *members: str) -> nio.MatrixRoom:
        """The room as this client knows it from sync, encrypted, with these members
        (joined or invited)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + HANG
        while True:
            room = self.client.rooms.get(room_id)
            if room is not None and room.encrypted and all(m in room.users for m in members):
                return room
            if loop.time() > deadline:
                raise AssertionError(f"{self.name}: room {room_id} with {members} not synced")
            await asyncio.sleep(0.05)

    async def _ready_to_encrypt(self, room_id: str) -> nio.MatrixRoom:
        """Members and their devices known and Olm sessions claimed, as Element makes sure
        before it encrypts; a cross_signed_only person blocks devices not cross-signed."""
        room = await self._room(room_id)
        if not room.members_synced:
            await self.client.joined_members(room_id)
        if self.client.should_query_keys:
            await self.client.keys_query()
        if self.cross_signed_only:
            await self._share_only_with_cross_signed(room)
        missing = self.client.get_missing_sessions(room_id)
        if missing:
            await self.client.keys_claim(missing)
        return room

    async def _share_only_with_cross_signed(self, room: nio.MatrixRoom) -> None:
        trusted = await self._cross_signed_curve_keys(list(room.users))
        for user_id in room.users:
            for device in self.client.device_store.active_user_devices(user_id):
                signed = device.curve25519 in trusted[user_id]
                # Both calls drop the room's outbound session when they change anything,
                # so the next message goes out under a new key to the right devices.
                if signed and self.client.olm.is_device_blacklisted(device):
                    self.client.unblacklist_device(device)
                elif not signed and not self.client.olm.is_device_blacklisted(device):
                    self.client.blacklist_device(device)

    async def send(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        room = self.client.rooms.get(room_id)
        if room is None or not room.encrypted:
            return await super().send(room_id, event_type, content)
        async with self._crypto:
            await self._ready_to_encrypt(room_id)
            if self.client.olm.should_share_group_session(room_id):
                # Element shares with every device, verified or not.
                await self.client.share_group_session(room_id, ignore_unverified_devices=True)
            return await self._send_encrypted(room_id, event_type, content)

    async def _send_encrypted(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        # Reactions too: Element X encrypts them (nio's room_send would not).
        encrypted_type, encrypted = self.client.encrypt(room_id, event_type, content)
        method, path, data = Api.room_send(
            self.client.access_token, room_id, encrypted_type, encrypted, uuid4()
        )
        response = await self.client._send(nio.RoomSendResponse, method, path, data, (room_id,))
        assert isinstance(response, nio.RoomSendResponse), response
        return response.event_id

    # --- rooms as Element X makes them -----------------------------------------------

    async def _create_dm(self, other_user_id: str) -> str:
        response = await self.client.room_create(
            is_direct=True,
            preset=RoomPreset.trusted_private_chat,
            invite=[other_user_id],
            initial_state=[ENCRYPTION_STATE],
        )
        assert isinstance(response, nio.RoomCreateResponse), response
        # Element X also lists the chat as direct in its account data.
        status, answer = await cross_signing.matrix_request(
            self.homeserver,
            self.client.access_token,
            "PUT",
            f"/_matrix/client/v3/user/{self.user_id}/account_data/m.direct",
            {other_user_id: [response.room_id]},
        )
        assert status == 200, answer
        await self._room(response.room_id, other_user_id)
        return response.room_id

    async def dm_like_element_x(self, other_user_id: str, first_text: str) -> str:
        """A direct chat as Element X starts one: encrypted from its creation, the first
        message sent at once, before the other side joined (its room key goes to the
        invited member's devices). The room id."""
        room_id = await self._create_dm(other_user_id)
        await self.say(room_id, first_text)
        return room_id

    async def dm(self, bot_user_id: str, timeout: float = HANG) -> str:
        """An Element X direct chat, once the other side has joined it (no message yet)."""
        room_id = await self._create_dm(bot_user_id)
        await self.wait_joined(room_id, bot_user_id, timeout=timeout)
        return room_id

    async def create_private_room(self, invite: list[str], name: str = "Coordinators") -> str:
        """An encrypted room as Element creates a private room, the people invited."""
        response = await self.client.room_create(
            name=name,
            preset=RoomPreset.private_chat,
            invite=invite,
            initial_state=[ENCRYPTION_STATE],
        )
        assert isinstance(response, nio.RoomCreateResponse), response
        await self._room(response.room_id, *invite)
        return response.room_id

    async def join(self, room_id: str) -> None:
        """Accept an invitation; returns once this client has the room from sync."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + HANG
        while room_id not in self.client.invited_rooms and room_id not in self.client.rooms:
            if loop.time() > deadline:
                raise AssertionError(f"{self.name}: no invitation to {room_id}")
            await asyncio.sleep(0.05)
        response = await self.client.join(room_id)
        assert isinstance(response, nio.JoinResponse), response
        await self._room(room_id, self.user_id)

    async def next_invitation(self) -> str:
        """The id of a room this person is invited to and has not joined yet."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + HANG
        while not self.client.invited_rooms:
            if loop.time() > deadline:
                raise AssertionError(f"{self.name}: no invitation")
            await asyncio.sleep(0.05)
        return next(iter(self.client.invited_rooms))

    async def wait_for_keys_of(self, user_id: str) -> None:
        """Until the user has a device with published keys (a bot process that has started
        but not yet opened its device's keys has none, and a message encrypted now would
        be shared with nobody)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + HANG
        while True:
            answer = await cross_signing.query_keys(
                self.homeserver, self.client.access_token, [user_id]
            )
            if answer.get("device_keys", {}).get(user_id):
                return
            if loop.time() > deadline:
                raise AssertionError(f"{user_id} has no device with keys")
            await asyncio.sleep(0.1)

    async def wait_joined(self, room_id: str, *user_ids: str, timeout: float = HANG) -> None:
        """Until the homeserver and this client's own sync both have them joined: only then
        does the client know to share its next room key with their devices (as Element
        does, it learns of a member's devices when it sees the join)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            members = await self.client.joined_members(room_id)
            room = self.client.rooms.get(room_id)
            seen = room is not None and all(
                u in room.users and u not in room.invited_users for u in user_ids
            )
            if (
                seen
                and isinstance(members, nio.JoinedMembersResponse)
                and set(user_ids) <= {m.user_id for m in members.members}
            ):
                return
            if loop.time() > deadline:
                raise AssertionError(f"{self.name}: {user_ids} did not join {room_id}")
            await asyncio.sleep(0.2)

    # --- voice -----------------------------------------------------------------------

    async def send_voice(
        self, room_id: str, audio: bytes, duration_ms: int, mimetype: str = "audio/ogg"
    ) -> str:
        """A voice message as Element sends it into an encrypted room: the file encrypted
        on upload, its key in the (encrypted) event."""
        upload, decryption = await self.client.upload(
            io.BytesIO(audio),
            content_type=mimetype,
            filename="voice-message.ogg",
            encrypt=True,
            filesize=len(audio),
        )
        assert isinstance(upload, nio.UploadResponse), upload
        assert decryption is not None
        return await self.send(
            room_id,
            "m.room.message",
            {
                "msgtype": "m.audio",
                "body": "Voice message",
                "file": {**decryption, "url": upload.content_uri, "mimetype": mimetype},
                "info": {"mimetype": mimetype, "duration": duration_ms, "size": len(audio)},
                "org.matrix.msc3245.voice": {},
                "org.matrix.msc1767.audio": {"duration": duration_ms},
            },
        )

    async def download_attachment(self, content: dict[str, Any]) -> bytes:
        """The bytes of a received file: decrypted if it came encrypted (``file``), else
        fetched by its ``url``."""
        encrypted = content.get("file")
        response = await self.client.download(mxc=encrypted["url"] if encrypted else content["url"])
        assert isinstance(response, nio.MemoryDownloadResponse), response
        if not encrypted:
            return response.body
        return decrypt_attachment(
            response.body, encrypted["key"]["k"], encrypted["hashes"]["sha256"], encrypted["iv"]
        )

    # --- late keys -------------------------------------------------------------------

    async def say_withholding_key(self, room_id: str, text: str) -> str:
        """Send a text under a new room key that nobody has yet: the key's to-device
        messages are made and kept back until ``share_withheld_keys``, like a sender whose
        key messages are delayed. Later messages reuse that key until it changes."""
        async with self._crypto:
            room = await self._ready_to_encrypt(room_id)
            olm = self.client.olm
            # nio's own sharing, minus the sending: share_group_session_parallel starts a
            # new outbound session and Olm-encrypts its key for each device.
            pending = list(
                olm.share_group_session_parallel(
                    room_id, list(room.users), ignore_unverified_devices=True
                )
            )
            session = olm.outbound_group_sessions[room_id]
            for sharing_with, _messages in pending:
                session.users_shared_with.update(sharing_with)
            session.shared = True
            self._withheld.setdefault(room_id, []).extend(pending)
            return await self._send_encrypted(
                room_id, "m.room.message", {"msgtype": "m.text", "body": text}
            )

    async def say_many_withholding_key(self, room_id: str, texts: list[str]) -> list[str]:
        """Several texts under one new room key that nobody has yet (see
        ``say_withholding_key``); their event ids."""
        sent = [await self.say_withholding_key(room_id, texts[0])]
        async with self._crypto:
            for text in texts[1:]:
                sent.append(
                    await self._send_encrypted(
                        room_id, "m.room.message", {"msgtype": "m.text", "body": text}
                    )
                )
        return sent

    def lose_withheld_keys(self, room_id: str) -> None:
        """The room keys ``say_withholding_key`` kept back are never sent (a phone lost
        before it sent them); the next message goes under a new key, shared as usual."""
        self._withheld.pop(room_id, None)
        self.client.olm.outbound_group_sessions.pop(room_id, None)

    async def share_withheld_keys(self, room_id: str) -> None:
        """Send the room keys ``say_withholding_key`` kept back."""
        async with self._crypto:
            for sharing_with, messages in self._withheld.pop(room_id, []):
                method, path, data = Api.to_device(
                    self.client.access_token, "m.room.encrypted", messages, uuid4()
                )
                response = await self.client._send(
                    nio.ShareGroupSessionResponse,
                    method,
                    path,
                    data,
                    response_data=(room_id, sharing_with),
                )
                assert isinstance(response, nio.ShareGroupSessionResponse), response

    # --- cross-signing ---------------------------------------------------------------

    async def cross_sign_own_device(self) -> None:
        """Cross-sign this person's device (new master and self-signing keys the first
        time), as Element does once recovery is set up."""
        self.cross_signing_keys = await cross_signing.cross_sign_device(
            self.homeserver,
            self.user_id,
            self.client.access_token,
            self.password,
            self.device_id,
            self.cross_signing_keys,
        )


def stored_text(events: list[dict[str, Any]]) -> str:
    """All stored events of a room as one text, to look for words that must not be there."""
    return "\n".join(json.dumps(event, ensure_ascii=False) for event in events)
