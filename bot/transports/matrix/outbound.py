"""Sending on Matrix: answers and outbox items rendered as notices, edits, reactions,
redactions, locations, files and voice messages; files fetched for other platforms."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from typing import Any, NoReturn

import aiohttp
import nio

from bot.transports.markup import html_to_plain, with_links
from bot.transports.matrix.media import encrypted_file, fetch, is_matrix_file, place
from bot.transports.matrix.parts import MatrixParts
from bot.transports.matrix.render import (
    PLATFORM,
    REACT_HINT,
    bang_commands,
    render,
)
from bot.transports.sending import (
    DeliveryError,
    answer_key,
    send_key,
    sending,
    voice_filename,
)
from handlers.messages import (
    SPOKEN,
    ButtonPress,
    Delete,
    Document,
    Edit,
    Incoming,
    Message,
    Outgoing,
    Picture,
    React,
    Toast,
    Venue,
    Voice,
    choices,
)
from locales import DEFAULT_LANGUAGE, translator

log = logging.getLogger(__name__)


class Outbound(MatrixParts):
    """Sending: answers to the person and the outbox worker's deliveries."""

    # -- outgoing ---------------------------------------------------------------------
    async def answer(self, incoming: Incoming, outgoing: list[Outgoing]) -> None:
        for index, item in enumerate(outgoing):
            await self._answer_one(incoming, item, answer_key(incoming.update_id, index))

    async def _answer_one(self, incoming: Incoming, item: Outgoing, key: str | None) -> None:
        """Send one answer; ``key``: the same each time this answer is sent (after a crash
        before it was marked sent, the homeserver then keeps the first)."""
        room_id = incoming.chat_id
        to = getattr(item, "to", None)
        if to is not None and to.platform != PLATFORM:
            return
        target = to.chat_id if to else room_id
        edit = None
        if isinstance(item, Message) and item.edit and isinstance(incoming.event, ButtonPress):
            edit = incoming.event.message_id
        # Part of the answer to what the person just did: a toast or a location next to
        # the answer's message does not end the choices of that message.
        alongside = target == room_id and not isinstance(item, Message | Edit)

        async def send() -> None:
            with sending(key) if key else contextlib.nullcontext():
                await self._send(target, item, edit, alongside=alongside)

        try:
            if target != room_id:
                await self._check_recipient(target)
            await send()
        except DeliveryError as exc:
            if exc.retry_after:
                await asyncio.sleep(min(exc.retry_after, 30))
                try:
                    await send()
                except DeliveryError:
                    log.warning("matrix: answer dropped after rate limiting")
            else:
                log.warning("matrix: answer failed: %s", exc)

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        await self._check_recipient(chat_id)
        return await self._send(chat_id, item, edit_message_id)

    async def _room_send(
        self, room_id: str, content: dict[str, Any], event_type: str = "m.room.message"
    ) -> str:
        async with self._send_lock:
            client = self.client
            if client is None or not self.delivering:
                # Another process holds the Matrix role, and with it the device's keys.
                raise DeliveryError("not the process that sends on Matrix")
            if client.olm is not None and room_id not in client.rooms:
                # A room the sync has not shown yet (just joined): matrix-nio cannot tell
                # whether to encrypt, so the homeserver is asked; never plain text into an
                # encrypted room.
                if await self._encrypted_on_server(client, room_id):
                    raise DeliveryError("encrypted room not synced yet")
                client = self._plain or client
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
        again (bot/delivery.py's send key), so the homeserver keeps one event; within this
        database's own namespace, as a database made anew numbers its outbox from 1 again.
        None (matrix-nio makes a fresh one) for what has no key."""
        key = send_key()
        return f"nb.{self._transactions}.{key}" if key and self._transactions else None

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
        assert self.client is not None
        try:
            response = await self.client.room_redact(room_id, event_id)
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

    async def _typed(self, room_id: str, item: Message | Edit, edit_id: str | None) -> bool:
        """Whether a typed number may press one of this message's buttons."""
        if not choices(item.buttons) or self._is_backchannel(room_id):
            return False
        if isinstance(item, Message):
            return item.typed_choices
        # An Edit does not say; it keeps typing only for the newest message that had it.
        newest = await self.db.transport_state.newest_sent(room_id)
        return newest is not None and newest == (edit_id, True)

    async def _react_hint(self, room_id: str) -> str:
        """The line asking to react, in the language of the room's person (the city's in
        the coordinators' room)."""
        lang = DEFAULT_LANGUAGE
        if not self._is_backchannel(room_id):
            room = await self.db.transport_state.matrix_room(room_id)
            if room is not None and room.peer:
                user = await self.db.users.find(PLATFORM, room.peer)
                lang = user.language if user and user.language else DEFAULT_LANGUAGE
        return translator(lang)._(REACT_HINT)

    async def _send(
        self, room_id: str, item: Outgoing, edit_id: str | None = None, *, alongside: bool = False
    ) -> str | None:
        """Send one item. Every message but one sent ``alongside`` an answer's message, or a
        message's voice read aloud, becomes the room's newest for typed numbers."""
        state = self.db.transport_state
        if isinstance(item, Delete):
            return await self._redact(room_id, edit_id) if edit_id else None
        if isinstance(item, Message | Edit):
            buttons = [(b.label, b.data) for row in choices(item.buttons) for b in row]
            typed = await self._typed(room_id, item, edit_id)
            hint = await self._react_hint(room_id) if buttons and not typed else ""
            text = with_links(item.text, item.buttons)
            content = render(text, buttons, hint, self._commands)
            if edit_id:
                content = {
                    **content,
                    "body": "* " + content["body"],
                    "m.new_content": content,
                    "m.relates_to": {"rel_type": "m.replace", "event_id": edit_id},
                }
            event_id = await self._room_send(room_id, content)
            # Reactions refer to this message (an edit: to the message it replaces).
            if buttons:
                await state.remember_buttons(event_id, room_id, buttons)
            if edit_id:
                await state.remember_buttons(edit_id, room_id, buttons)
            await state.note_sent(room_id, edit_id or event_id, typed)
            return event_id
        sent_id = await self._send_other(room_id, item)
        # A message read aloud follows the text it says, buttons named ("button one: …"):
        # that text's numbers stay typed.
        spoken = isinstance(item, Voice) and item.platform == SPOKEN
        if sent_id is not None and not alongside and not spoken:
            await state.note_sent(room_id, sent_id, False)
        return sent_id

    async def _send_other(self, room_id: str, item: Outgoing) -> str | None:
        if isinstance(item, React):
            relation = {"rel_type": "m.annotation", "event_id": item.message_id, "key": item.emoji}
            return await self._room_send(room_id, {"m.relates_to": relation}, "m.reaction")
        if isinstance(item, Toast):
            return await self._room_send(
                room_id, {"msgtype": "m.notice", "body": bang_commands(item.text, self._commands)}
            )
        if isinstance(item, Venue):
            return await self._room_send(
                room_id,
                {
                    "msgtype": "m.location",
                    "body": item.title or "📍",
                    "geo_uri": f"geo:{item.latitude},{item.longitude}",
                },
            )
        if isinstance(item, Voice):
            return await self._room_send(room_id, await self._voice(room_id, item))
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
            return await self._room_send(room_id, content)
        if isinstance(item, Document):
            where = await self._upload(room_id, item.content, item.mime_type, item.filename)
            event_id = await self._room_send(
                room_id,
                {
                    "msgtype": "m.file",
                    "body": item.filename,
                    **where,
                    "info": {"mimetype": item.mime_type, "size": len(item.content)},
                },
            )
            if item.caption:
                await self._room_send(room_id, render(item.caption, [], "", self._commands))
            return event_id
        return None

    async def fetch_media(self, file_id: str) -> tuple[bytes, str]:
        """A file sent to the bot, for a chat on another platform (or a plain room):
        through the authenticated media endpoints of current homeservers, at most
        ``media.MOST_BYTES``, and decrypted when it came encrypted (its key is in
        ``file_id``, see media.py)."""
        client = self._plain or self.client
        assert client is not None
        return await fetch(client, file_id)

    def _encrypted_room(self, room_id: str) -> bool:
        room = self.client.rooms.get(room_id) if self.client is not None else None
        return bool(room is not None and room.encrypted)

    async def _upload(
        self, room_id: str, content: bytes, mime_type: str, filename: str
    ) -> dict[str, Any]:
        """Put a file into the homeserver's media repository, encrypted for an encrypted
        room; where the message's content names it (``url`` or ``file``)."""
        assert self.client is not None
        encrypt = self._encrypted_room(room_id)
        try:
            upload, keys = await self.client.upload(
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
