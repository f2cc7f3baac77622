"""Sending on Matrix: answers and outbox items rendered as notices, edits, reactions,
redactions, locations, files and voice messages; files fetched for other platforms."""

from __future__ import annotations

import io
import logging
from typing import Any, NoReturn

import aiohttp
import nio
from markupsafe import Markup

from bot.transports.markup import html_to_plain, with_links
from bot.transports.matrix.media import encrypted_file, fetch, is_matrix_file, place
from bot.transports.matrix.parts import Shared
from bot.transports.matrix.render import (
    PLATFORM,
    REACT_HINT,
    bang_commands,
    render,
)
from bot.transports.numbered_choices import numbered
from bot.transports.sending import DeliveryError, send_key, voice_filename
from handlers.messages import (
    SPOKEN,
    Delete,
    Document,
    Edit,
    Message,
    Outgoing,
    Picture,
    React,
    Toast,
    Venue,
    Voice,
    others,
    valued,
)
from locales import Translator

log = logging.getLogger(__name__)


class Outbound:
    """Sending: the answers to the person and the outbox worker's deliveries, rendered
    (whether the room is one the bot may send to is the rooms' part to check)."""

    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    async def send(
        self, room_id: str, item: Outgoing, edit_id: str | None = None, *, alongside: bool = False
    ) -> str | None:
        """Send one item (replacing ``edit_id``); the event id. ``alongside``: it goes with
        an answer's message (see bot/transports/numbered_choices.py)."""
        choices = self.shared.choices
        if isinstance(item, Delete):
            return await self._redact(room_id, edit_id) if edit_id else None
        if isinstance(item, Message | Edit):
            typed = await choices.typing(room_id, item, edit_id)
            buttons = numbered(item.buttons)
            text = with_links(item.text, item.buttons)
            places: list[int] = []
            if typed and valued(item.buttons):
                # A typed number is the value there: the values are asked for in a
                # sentence (the reader chain's, in its reader's words), the others
                # (Cancel) keep their keycaps, to react with (handlers/media/value_choices.py).
                if item.values_asked:
                    text = Markup("{}\n\n{}").format(text, item.values_asked)
                places = [n - 1 for n, _button in others(item.buttons)]
                buttons, typed = [buttons[n] for n in places], False
            hint = await self._react_hint(room_id) if buttons and not typed else ""
            content = render(text, buttons, hint, self.shared.commands, places)
            if edit_id:
                content = {
                    **content,
                    "body": "* " + content["body"],
                    "m.new_content": content,
                    "m.relates_to": {"rel_type": "m.replace", "event_id": edit_id},
                }
            event_id = await self.room_send(room_id, content)
            await choices.sent(room_id, event_id, item, edit_id=edit_id, typed=typed)
            return event_id
        sent_id = await self._send_other(room_id, item)
        await choices.sent(room_id, sent_id, item, alongside=alongside)
        return sent_id

    async def room_send(
        self, room_id: str, content: dict[str, Any], event_type: str = "m.room.message"
    ) -> str:
        async with self.shared.send_lock:
            client = self.shared.client
            if client is None or not self.shared.delivering:
                # Another process holds the Matrix role, and with it the device's keys.
                raise DeliveryError("not the process that sends on Matrix")
            if client.olm is not None and room_id not in client.rooms:
                # A room the sync has not shown yet (just joined): matrix-nio cannot tell
                # whether to encrypt, so the homeserver is asked; never plain text into an
                # encrypted room.
                if await self._encrypted_on_server(client, room_id):
                    raise DeliveryError("encrypted room not synced yet")
                client = self.shared.plain or client
            try:
                # Room keys go to the devices their owners vouch for (parts.py, _vouch),
                # whether the bot verified them or not: the people it serves do not verify.
                response = await client.room_send(
                    room_id,
                    event_type,
                    content,
                    tx_id=self._transaction_id(),
                    ignore_unverified_devices=True,
                )
            except Exception as exc:
                # Unless the homeserver was never reached, the event may have been sent.
                maybe_sent = not isinstance(exc, aiohttp.ClientConnectorError)
                raise DeliveryError(type(exc).__name__, maybe_sent=maybe_sent) from None
        if isinstance(response, nio.RoomSendResponse):
            return response.event_id
        return self._failed(response)

    def _transaction_id(self) -> str | None:
        """The Matrix transaction id of this send: the same when the same thing is sent
        again (the send key, bot/transports/sending.py), so the homeserver keeps one event;
        within this database's own namespace, as a database made anew numbers its outbox
        from 1 again. None (matrix-nio makes a fresh one) for what has no key."""
        key, namespace = send_key(), self.shared.transactions
        return f"nb.{namespace}.{key}" if key and namespace else None

    async def holds(self, room_id: str, event_id: str) -> bool:
        """Whether ``event_id`` is an event of ``room_id`` (False if it cannot be told)."""
        assert self.shared.client is not None
        try:
            response = await self.shared.client.room_get_event(room_id, event_id)
        except Exception:
            return False
        return isinstance(response, nio.RoomGetEventResponse)

    @staticmethod
    async def _encrypted_on_server(client: nio.AsyncClient, room_id: str) -> bool:
        try:
            response = await client.room_get_state_event(room_id, "m.room.encryption")
        except Exception as exc:
            raise DeliveryError(type(exc).__name__) from None
        if isinstance(response, nio.RoomGetStateEventResponse):
            return True
        if getattr(response, "status_code", None) == "M_NOT_FOUND":
            return False
        raise DeliveryError(str(getattr(response, "status_code", "")) or "room state unknown")

    async def _redact(self, room_id: str, event_id: str) -> str:
        """Redact one of the bot's own events."""
        assert self.shared.client is not None
        try:
            response = await self.shared.client.room_redact(room_id, event_id)
        except Exception as exc:
            raise DeliveryError(type(exc).__name__) from None
        if isinstance(response, nio.RoomRedactResponse):
            return response.event_id
        return self._failed(response)

    @staticmethod
    def _failed(response: Any) -> NoReturn:
        """The DeliveryError for a homeserver's refusal."""
        status = str(getattr(response, "status_code", ""))
        retry = getattr(response, "retry_after_ms", None)
        if status == "M_LIMIT_EXCEEDED" or retry:
            raise DeliveryError("rate limited", retry_after=(retry or 1000) / 1000)
        if status in ("M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN_TOKEN"):
            raise DeliveryError(status, permanent=True)
        raise DeliveryError(status or "send failed")

    async def _react_hint(self, room_id: str) -> str:
        """The line asking to react, in the language of the room's person (the city's in
        the coordinators' room)."""
        return (await self._reader_t(room_id))._(REACT_HINT)

    async def _reader_t(self, room_id: str) -> Translator:
        """The words of the room's person (the city's in the coordinators' room)."""
        words = self.shared.ports.words
        if not self.shared.is_backchannel(room_id):
            room = await self.shared.db.transport_state.matrix_room(room_id)
            if room is not None and room.peer:
                return await words.words_of(PLATFORM, room.peer)
        return words.nobodys(PLATFORM)

    async def _send_other(self, room_id: str, item: Outgoing) -> str | None:
        if isinstance(item, React):
            relation = {"rel_type": "m.annotation", "event_id": item.message_id, "key": item.emoji}
            return await self.room_send(room_id, {"m.relates_to": relation}, "m.reaction")
        if isinstance(item, Toast):
            body = bang_commands(item.text, self.shared.commands)
            return await self.room_send(room_id, {"msgtype": "m.notice", "body": body})
        if isinstance(item, Venue):
            return await self.room_send(
                room_id,
                {
                    "msgtype": "m.location",
                    "body": item.title or "📍",
                    "geo_uri": f"geo:{item.latitude},{item.longitude}",
                },
            )
        if isinstance(item, Voice):
            return await self.room_send(room_id, await self._voice(room_id, item))
        if isinstance(item, Picture):
            where = await self._upload(room_id, item.content, item.mime_type, item.filename)
            info: dict[str, Any] = {"mimetype": item.mime_type, "size": len(item.content)}
            if item.width and item.height:
                info |= {"w": item.width, "h": item.height}
            caption = html_to_plain(str(item.caption)) if item.caption else ""
            content: dict[str, Any] = {
                "msgtype": "m.image",
                "body": caption or item.filename,
                **where,
                "info": info,
            }
            if caption:
                # The body is a caption, not a file name (MSC2530).
                content["filename"] = item.filename
            return await self.room_send(room_id, content)
        if isinstance(item, Document):
            where = await self._upload(room_id, item.content, item.mime_type, item.filename)
            event_id = await self.room_send(
                room_id,
                {
                    "msgtype": "m.file",
                    "body": item.filename,
                    **where,
                    "info": {"mimetype": item.mime_type, "size": len(item.content)},
                },
            )
            if item.caption:
                await self.room_send(room_id, render(item.caption, [], "", self.shared.commands))
            return event_id
        return None

    async def fetch_media(self, file_id: str) -> tuple[bytes, str]:
        """A file sent to the bot, for a chat on another platform (or a plain room):
        through the authenticated media endpoints of current homeservers, at most
        ``media.MOST_BYTES``, and decrypted when it came encrypted (its key is in
        ``file_id``, see media.py)."""
        client = self.shared.plain or self.shared.client
        assert client is not None
        return await fetch(client, file_id)

    def _encrypted_room(self, room_id: str) -> bool:
        room = self.shared.client.rooms.get(room_id) if self.shared.client is not None else None
        return bool(room is not None and room.encrypted)

    async def _upload(
        self, room_id: str, content: bytes, mime_type: str, filename: str
    ) -> dict[str, Any]:
        """Put a file into the homeserver's media repository, encrypted for an encrypted
        room; where the message's content names it (``url`` or ``file``)."""
        assert self.shared.client is not None
        encrypt = self._encrypted_room(room_id)
        try:
            upload, keys = await self.shared.client.upload(
                io.BytesIO(content),
                content_type="application/octet-stream" if encrypt else mime_type,
                filename=None if encrypt else filename,
                encrypt=encrypt,
                filesize=len(content),
            )
        except Exception as exc:
            raise DeliveryError(type(exc).__name__) from None
        if not isinstance(upload, nio.UploadResponse):
            status = str(getattr(upload, "status_code", ""))
            if status == "M_TOO_LARGE":
                raise DeliveryError(status, permanent=True)
            raise DeliveryError(f"upload failed {status}".strip())
        return place(upload.content_uri, keys if encrypt else None)

    async def _voice(self, room_id: str, voice: Voice) -> dict[str, Any]:
        """An ``m.audio`` marked as a voice message (MSC3245, with MSC1767's audio
        details), so that clients show a voice player. A file from another platform
        arrives as bytes (fetched by the outbox worker) and is uploaded first; one from
        Matrix is named again as it is where that keeps its protection (an encrypted file
        into an encrypted room, a plain one into a plain room), and otherwise decrypted
        and uploaded plain, or uploaded encrypted."""
        mime_type = voice.mime_type or "audio/ogg"
        info: dict[str, Any] = {"mimetype": mime_type}
        encrypted_here = self._encrypted_room(room_id)
        where: dict[str, Any]
        content_bytes = voice.content
        if voice.platform == PLATFORM and is_matrix_file(voice.file_id) and not content_bytes:
            source = encrypted_file(voice.file_id)
            if source is not None and encrypted_here:
                where = {"file": source}
            elif source is None and not encrypted_here:
                where = {"url": voice.file_id}
            else:
                content_bytes, _ = await self.fetch_media(voice.file_id)
        if content_bytes:
            where = await self._upload(room_id, content_bytes, mime_type, voice_filename(mime_type))
            info["size"] = len(content_bytes)
        elif not (voice.platform == PLATFORM and is_matrix_file(voice.file_id)):
            raise DeliveryError(f"a voice from {voice.platform} without its file", permanent=True)
        audio: dict[str, Any] = {}
        if voice.duration_seconds:
            info["duration"] = audio["duration"] = round(voice.duration_seconds * 1000)
        caption = html_to_plain(str(voice.caption))
        content: dict[str, Any] = {
            "msgtype": "m.audio",
            "body": caption or ("🔊" if voice.platform == SPOKEN else "🎤"),
            **where,
            "info": info,
            "org.matrix.msc1767.audio": audio,
            "org.matrix.msc3245.voice": {},
        }
        if caption:
            # The body is a caption, not a file name (MSC2530).
            content["filename"] = voice_filename(mime_type)
        return content
