"""Events from the homeserver as the handlers' events: text, commands ("!" or "/"),
reactions and typed numbers as button presses, locations, media, edits and redactions;
each taken with the one kept-answer protocol (bot/transports/contract.py)."""

from __future__ import annotations

import logging
from typing import Any

import nio

from bot.transports.contract import take_update
from bot.transports.matrix.parts import MatrixParts
from bot.transports.matrix.render import (
    _GEO,
    PLATFORM,
    press_for,
)
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
from locales import DEFAULT_LANGUAGE, translator

log = logging.getLogger(__name__)


class Inbound(MatrixParts):
    """Taking events: from a room event to an answered update."""

    async def _greet(self, room: nio.MatrixRoom, person: str) -> None:
        """A new direct chat begins with the bot's greeting, as if the person had sent
        /start: the onboarding (greeting and language picker) for someone new, the main
        menu for someone known. Once per room, also when the invite is seen again."""
        self._in_flight += 1
        try:
            name = room.user_name(person) or person.split(":")[0].lstrip("@")
            incoming = Incoming(
                Sender(PLATFORM, person, name, None),
                room.room_id,
                Command(name="start"),
                update_id=f"joined:{room.room_id}",
                is_private=True,
            )
            await take_update(self, incoming)
        finally:
            self._in_flight -= 1

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
            if body.isdigit() and not self._is_backchannel(room.room_id):
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
        if isinstance(event, nio.RoomMessageAudio):
            info = event.source.get("content", {}).get("info") or {}
            duration = info.get("duration") if isinstance(info, dict) else None
            mime_type = info.get("mimetype") if isinstance(info, dict) else None
            return Media(
                kind="voice",
                file_id=event.url,
                duration_seconds=duration / 1000 if isinstance(duration, int) else None,
                mime_type=mime_type if isinstance(mime_type, str) else "",
            )
        if isinstance(event, nio.RoomMessageImage):
            return Media(kind="photo", file_id=event.url)
        if isinstance(event, nio.RoomMessageVideo):
            return Media(kind="video", file_id=event.url)
        if isinstance(event, nio.RoomMessageFile | nio.RoomMessageUnknown):
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
                await self._encrypted(room, event)
                return
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

    async def _encrypted(self, room: nio.MatrixRoom, event: nio.MegolmEvent) -> None:
        user = await self.db.users.find(PLATFORM, event.sender)
        t = translator(user.language if user and user.language else DEFAULT_LANGUAGE)
        await self._send(
            room.room_id,
            Message(
                t.t(
                    "🔒 I cannot read encrypted messages. Please start a new direct chat with me "
                    "and switch encryption off for it."
                )
            ),
        )
