"""Events from the homeserver as the handlers' events: text, commands ("!" or "/"),
reactions and typed numbers as button presses, locations, media, edits and redactions;
each taken with the one kept-answer protocol (bot/transports/contract.py)."""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import nio

from bot.delivery import DeliveryError
from bot.transports.contract import take_update
from bot.transports.matrix.media import file_id
from bot.transports.matrix.parts import MatrixParts
from bot.transports.matrix.render import (
    _GEO,
    PLATFORM,
    press_for,
)
from db.transport_state import GREET, UNDECRYPTED
from handlers.messages import (
    ButtonPress,
    Command,
    Edited,
    Event,
    Incoming,
    Location,
    Media,
    Message,
    Removed,
    Sender,
    Text,
)
from locales import DEFAULT_LANGUAGE, N_, translator

log = logging.getLogger(__name__)

# The events the transport takes (decrypted ones arrive as nio's RoomEncrypted* media and
# ordinary messages; MegolmEvent is one whose key has not arrived).
EVENTS = (
    nio.RoomMessageText,
    nio.RoomMessageUnknown,
    nio.RoomMessageAudio,
    nio.RoomMessageImage,
    nio.RoomMessageFile,
    nio.RoomMessageVideo,
    nio.RoomEncryptedAudio,
    nio.RoomEncryptedImage,
    nio.RoomEncryptedFile,
    nio.RoomEncryptedVideo,
    nio.ReactionEvent,
    nio.RedactionEvent,
    nio.MegolmEvent,
)
# Said once for a message whose key never came.
UNREADABLE = N_("🔒 I could not read your last message. Please send it again.")


class Inbound(MatrixParts):
    """Taking events: from a room event to an answered update."""

    async def _greet(self, room_id: str, person: str) -> None:
        """A new direct chat begins with the bot's greeting, as if the person had sent
        /start: the onboarding (greeting and language picker) for someone new, the main
        menu for someone known. Once per room, also when the invite is seen again."""
        self._in_flight += 1
        try:
            room = self.client.rooms.get(room_id) if self.client is not None else None
            name = (room.user_name(person) if room else None) or person.split(":")[0].lstrip("@")
            incoming = Incoming(
                Sender(PLATFORM, person, name, None),
                room_id,
                Command(name="start"),
                update_id=f"joined:{room_id}",
                is_private=True,
            )
            await take_update(self, incoming)
        finally:
            self._in_flight -= 1

    async def _greet_due(self) -> bool:
        """Greet the direct chats joined ``greeting_wait_seconds`` ago whose person has not
        written yet (a first message is answered instead: one greeting either way). Whether
        greetings are still waiting."""
        state = self.db.transport_state
        due = datetime.now(UTC) - timedelta(seconds=self.config.greeting_wait_seconds)
        waiting = False
        for key in await state.keys_under(GREET):
            value = await state.get(key)
            if value is None:
                continue  # the person's first message came meanwhile
            greeting = json.loads(value)
            if datetime.fromisoformat(greeting["since"]) > due:
                waiting = True
                continue
            await state.delete(key)
            try:
                await self._greet(key.removeprefix(GREET), greeting["peer"])
            except Exception:
                log.exception("matrix: greeting a new direct chat failed")
        return waiting

    async def _event_for(self, room: nio.MatrixRoom, event: Any) -> Event | None:
        content = event.source.get("content", {})
        relation = content.get("m.relates_to") or {}
        if relation.get("rel_type") == "m.replace" and isinstance(event, nio.RoomMessage):
            new = content.get("m.new_content") or {}
            body = new.get("body")
            if new.get("msgtype") != "m.text" or not isinstance(body, str):
                return None  # only texts are corrected
            return Edited(str(relation.get("event_id") or ""), body)
        if isinstance(event, nio.RedactionEvent):
            # Room version 11 moved the redacted event's id into the content.
            redacts = event.redacts or content.get("redacts")
            return Removed(redacts) if redacts else None
        if isinstance(event, nio.RoomMessageText):
            body = event.body.strip()
            if body[:1] in ("!", "/") and len(body) > 1 and body[1].isalpha():
                name, _, args = body[1:].partition(" ")
                return Command(name=name.lower(), args=args.strip())
            if body.isdecimal() and not self._is_backchannel(room.room_id):
                latest = await self.db.transport_state.typed_choices(room.room_id)
                if latest is not None:
                    data = press_for(body, latest[1])
                    if data is not None:
                        return ButtonPress(data=data, message_id=latest[0])
            return Text(event.body)
        if isinstance(event, nio.ReactionEvent):
            buttons = await self.db.transport_state.buttons_of(event.reacts_to)
            data = press_for(event.key, buttons)
            return ButtonPress(data=data, message_id=event.reacts_to) if data else None
        if isinstance(event, nio.RoomMessageUnknown) and event.msgtype == "m.location":
            match = _GEO.match(event.source.get("content", {}).get("geo_uri", ""))
            return Location(float(match.group(1)), float(match.group(2))) if match else None
        if isinstance(event, nio.RoomMessageAudio | nio.RoomEncryptedAudio):
            info = content.get("info") or {}
            duration = info.get("duration") if isinstance(info, dict) else None
            mime_type = info.get("mimetype") if isinstance(info, dict) else None
            return Media(
                kind="voice",
                file_id=file_id(content),
                duration_seconds=duration / 1000 if isinstance(duration, int) else None,
                mime_type=mime_type if isinstance(mime_type, str) else "",
            )
        if isinstance(event, nio.RoomMessageImage | nio.RoomEncryptedImage):
            return Media(kind="photo", file_id=file_id(content))
        if isinstance(event, nio.RoomMessageVideo | nio.RoomEncryptedVideo):
            return Media(kind="video", file_id=file_id(content))
        if isinstance(event, nio.RoomMessageFile | nio.RoomEncryptedFile | nio.RoomMessageUnknown):
            return Media(kind="document")
        return None

    async def _on_event(self, room: nio.MatrixRoom, event: Any) -> None:
        if not self._ready or event.sender == self.config.user_id:
            return
        self._in_flight += 1
        try:
            private = await self._is_private(room.room_id)
            if private is None:
                return  # neither a direct chat nor the coordinators' room: not served
            if isinstance(event, nio.MegolmEvent):
                await self._undecrypted(room.room_id, event)
                return
            if private and await self.db.transport_state.get(GREET + room.room_id) is not None:
                # The person wrote first: their message is answered, not greeted as well.
                await self.db.transport_state.delete(GREET + room.room_id)
            incoming_event = await self._event_for(room, event)
            if incoming_event is None:
                return
            name = room.user_name(event.sender) or event.sender.split(":")[0].lstrip("@")
            incoming = Incoming(
                Sender(PLATFORM, event.sender, name, None),
                room.room_id,
                incoming_event,
                update_id=event.event_id,
                is_private=private,
                message_id=None if isinstance(incoming_event, ButtonPress) else event.event_id,
            )
            await take_update(self, incoming)
        except Exception:
            log.exception("matrix: handling an event failed")
        finally:
            self._in_flight -= 1

    # -- messages whose key has not arrived -------------------------------------------
    async def _undecrypted(self, room_id: str, event: nio.MegolmEvent) -> None:
        """An encrypted message whose room key has not arrived (yet): kept as it came and
        answered once the key is there (:meth:`_retry_undecrypted`); the key is asked for
        from the sender's devices."""
        state = self.db.transport_state
        waiting = json.loads(await state.get(UNDECRYPTED + room_id) or "[]")
        if any(item["event"].get("event_id") == event.event_id for item in waiting):
            return
        waiting.append({"event": event.source, "since": datetime.now(UTC).isoformat()})
        await state.set(UNDECRYPTED + room_id, json.dumps(waiting))
        await self._ask_for_key(event)

    async def _ask_for_key(self, event: nio.MegolmEvent) -> None:
        client = self.client
        if client is None or client.olm is None or not client.device_id:
            return
        try:
            # To every device of the sender (nio's own request_room_key asks only the
            # bot's own devices, which never had the key).
            request = event.as_key_request(event.sender, client.device_id)
            await client.to_device(request)
        except Exception as exc:
            log.warning("matrix: asking for a room key failed: %s", type(exc).__name__)

    async def _key_arrived(self, _event: Any) -> None:
        self._keys_arrived = True

    async def _retry_undecrypted(self) -> None:
        """After each sync: answer the kept messages whose key has come; ask the person to
        send again those that waited ``key_wait_seconds`` in vain. Each is answered once
        (its event id is the update's id)."""
        client = self.client
        if client is None or client.olm is None:
            return
        keys_arrived, self._keys_arrived = self._keys_arrived, False
        state = self.db.transport_state
        given_up = datetime.now(UTC) - timedelta(seconds=self.config.key_wait_seconds)
        for key in await state.keys_under(UNDECRYPTED):
            room_id = key.removeprefix(UNDECRYPTED)
            waiting = json.loads(await state.get(key) or "[]")
            left, readable, unreadable = [], [], []
            for item in waiting:
                event = nio.Event.parse_encrypted_event(item["event"])
                if not isinstance(event, nio.MegolmEvent):
                    continue
                event.room_id = room_id
                decrypted = None
                if keys_arrived:
                    with contextlib.suppress(Exception):
                        decrypted = client.decrypt_event(event)
                if decrypted is not None and not isinstance(decrypted, nio.MegolmEvent):
                    readable.append(decrypted)
                elif datetime.fromisoformat(item["since"]) <= given_up:
                    unreadable.append(event)
                else:
                    left.append(item)
            if len(left) == len(waiting):
                continue
            # Taken off the list first: an apology is better lost than said twice.
            if left:
                await state.set(key, json.dumps(left))
            else:
                await state.delete(key)
            room = client.rooms.get(room_id)
            for event in readable:
                if room is not None:
                    await self._on_event(room, event)
            for event in unreadable:
                await self._unreadable(room_id, event.sender)

    async def _unreadable(self, room_id: str, sender: str) -> None:
        """One short line asking to send again what could not be decrypted."""
        if await self._is_private(room_id) is None:
            return
        user = await self.db.users.find(PLATFORM, sender)
        t = translator(user.language if user and user.language else DEFAULT_LANGUAGE)
        try:
            await self._send(room_id, Message(t.t(UNREADABLE)))
        except DeliveryError as exc:
            log.warning("matrix: asking to send a message again failed: %s", exc)
