"""Matrix connector on matrix-nio: the same handlers, rendered the Matrix way.

- Messages are ``m.notice`` with an HTML ``formatted_body`` and a plain ``body``.
- Buttons become a numbered list; the user answers with the number, or reacts with the
  keycap emoji (1️⃣ …) or with the button's own leading emoji (✅, ❌ …). Which number means
  what is stored per message, so it still works after a restart.
- Commands start with ``!`` or ``/``. ``m.location`` is understood and sent; ``m.audio`` is
  accepted where Telegram accepts voice.
- The sync token and device are stored: a restart neither replays old events nor misses
  new ones. Invites are accepted; rooms the bot was removed from are forgotten.
- Encrypted rooms: the bot says plainly that it cannot read them.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
import logging
import re
from typing import Any

import nio
from markupsafe import Markup

from bot.config import MatrixSection
from bot.delivery import DeliveryError
from bot.log_redaction import redact_everywhere
from bot.transports.markup import html_to_plain
from db import Database
from handlers.dispatcher import Dispatcher
from handlers.model import (
    ButtonPress,
    Command,
    Document,
    Edit,
    Event,
    Incoming,
    Location,
    Media,
    Message,
    Outgoing,
    Sender,
    Text,
    Toast,
    Venue,
    Voice,
)
from locales import DEFAULT_LANGUAGE, translator

log = logging.getLogger(__name__)

PLATFORM = "matrix"
KEYCAPS = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟"]
_GEO = re.compile(r"^geo:(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)")


def number_label(index: int) -> str:
    return KEYCAPS[index] if index < len(KEYCAPS) else f"[{index + 1}]"


def render(text: Markup, buttons: list[tuple[str, str]]) -> dict[str, Any]:
    """An m.notice with HTML and a plain-text fallback, choices numbered."""
    formatted = str(text).replace("\n", "<br>")
    plain = html_to_plain(str(text))
    if buttons:
        lines = [f"{number_label(i)} {label}" for i, (label, _data) in enumerate(buttons)]
        formatted += "<br><br>" + "<br>".join(html.escape(line) for line in lines)
        plain += "\n\n" + "\n".join(lines)
    return {
        "msgtype": "m.notice",
        "body": plain,
        "format": "org.matrix.custom.html",
        "formatted_body": formatted,
    }


def _leading_emoji(label: str) -> str:
    return label.split(" ", 1)[0] if " " in label else ""


def press_for(key: str, buttons: list[tuple[str, str]]) -> str | None:
    """Button data for a reaction or a typed number, if it names one of the buttons."""
    key = key.strip()
    if key.isdigit() and 1 <= int(key) <= len(buttons):
        return buttons[int(key) - 1][1]
    if key in KEYCAPS and KEYCAPS.index(key) < len(buttons):
        return buttons[KEYCAPS.index(key)][1]
    for label, data in buttons:
        if key and _leading_emoji(label).replace("\ufe0f", "") == key.replace("\ufe0f", ""):
            return data
    return None


class MatrixTransport:
    platform = PLATFORM

    def __init__(self, dispatcher: Dispatcher, db: Database, config: MatrixSection) -> None:
        self.dispatcher = dispatcher
        self.db = db
        self.config = config
        redact_everywhere(config.access_token)
        redact_everywhere(config.password)
        self.client: nio.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._ready = False
        self._in_flight = 0

    # -- start and stop ---------------------------------------------------------------
    async def start(self) -> None:
        state = self.db.transport_state
        device = await state.get("matrix.device_id") or ""
        client = nio.AsyncClient(
            self.config.homeserver, self.config.user_id, device_id=device, store_path=None
        )
        if self.config.access_token:
            client.access_token = self.config.access_token
            client.user_id = self.config.user_id
            if device:
                client.device_id = device
        else:
            response = await client.login(
                self.config.password or "", device_name=self.config.device_name
            )
            if not isinstance(response, nio.LoginResponse):
                raise RuntimeError(f"matrix login failed: {getattr(response, 'message', '')}")
            await state.set("matrix.device_id", response.device_id)
        self.client = client
        client.add_event_callback(self._on_invite, nio.InviteMemberEvent)
        client.add_event_callback(self._on_member, nio.RoomMemberEvent)
        client.add_event_callback(
            self._on_event,
            (
                nio.RoomMessageText,
                nio.RoomMessageUnknown,
                nio.RoomMessageAudio,
                nio.RoomMessageImage,
                nio.RoomMessageFile,
                nio.RoomMessageVideo,
                nio.ReactionEvent,
                nio.MegolmEvent,
            ),
        )
        token = await state.get("matrix.next_batch")
        if token:
            client.next_batch = token
        else:
            # First start: learn where "now" is without answering old messages.
            await client.sync(timeout=0, full_state=True)
            if client.next_batch:
                await state.set("matrix.next_batch", client.next_batch)
        self._ready = True
        await self.answer_unanswered()
        self._task = asyncio.create_task(self._sync_loop())

    async def answer_unanswered(self) -> None:
        """Send the answers the bot committed but did not send before it last stopped."""
        await self.dispatcher.send_kept_answers(
            PLATFORM, lambda incoming, outgoing: self.answer(incoming.chat_id, incoming, outgoing)
        )

    async def _sync_loop(self) -> None:
        assert self.client is not None
        backoff = 1.0
        while not self._stopping.is_set():
            try:
                response = await self.client.sync(
                    timeout=self.config.sync_timeout * 1000, since=self.client.next_batch
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # network trouble: back off and try again
                log.warning("matrix sync failed: %s", type(exc).__name__)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60)
                continue
            if isinstance(response, nio.SyncResponse):
                backoff = 1.0
                await self.db.transport_state.set("matrix.next_batch", response.next_batch)
            else:
                retry = getattr(response, "retry_after_ms", None)
                log.warning("matrix sync error: %s", getattr(response, "status_code", "?"))
                await asyncio.sleep((retry or 0) / 1000 or backoff)
                backoff = min(backoff * 2, 60)

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            # Let an event being answered finish: cancelled between its commit and its
            # answer, the answer would only go out at the next start.
            for _ in range(200):
                if not self._in_flight:
                    break
                await asyncio.sleep(0.05)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self.client is not None:
            await self.client.close()

    # -- membership -------------------------------------------------------------------
    async def _on_invite(self, room: nio.MatrixRoom, event: nio.InviteMemberEvent) -> None:
        if event.state_key == self.config.user_id and event.membership == "invite":
            assert self.client is not None
            await self.client.join(room.room_id)

    async def _on_member(self, room: nio.MatrixRoom, event: nio.RoomMemberEvent) -> None:
        if (
            event.state_key == self.config.user_id
            and event.membership in ("leave", "ban")
            and self._ready
            and self.client is not None
        ):
            await self.client.room_forget(room.room_id)

    # -- incoming ---------------------------------------------------------------------
    def _is_private(self, room: nio.MatrixRoom) -> bool:
        return (
            room.member_count <= 2
            and (PLATFORM, room.room_id) not in self.dispatcher.settings.backchannels
        )

    async def _event_for(self, room: nio.MatrixRoom, event: Any) -> Event | None:
        if isinstance(event, nio.RoomMessageText):
            body = event.body.strip()
            if body[:1] in ("!", "/") and len(body) > 1 and body[1].isalpha():
                name, _, args = body[1:].partition(" ")
                return Command(name=name.lower(), args=args.strip())
            if body.isdigit():
                latest = await self.db.transport_state.latest_buttons(room.room_id)
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
            return Media(kind="voice", file_id=event.url)
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
                is_private=self._is_private(room),
            )
            outgoing = await self.dispatcher.handle(incoming)
            await self.answer(room.room_id, incoming, outgoing)
            await self.dispatcher.answered(incoming, outgoing)
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

    # -- outgoing ---------------------------------------------------------------------
    async def answer(self, room_id: str, incoming: Incoming, outgoing: list[Outgoing]) -> None:
        for item in outgoing:
            to = getattr(item, "to", None)
            if to is not None and to.platform != PLATFORM:
                continue
            edit = None
            if isinstance(item, Message) and item.edit and isinstance(incoming.event, ButtonPress):
                edit = incoming.event.message_id
            try:
                await self._send(to.chat_id if to else room_id, item, edit)
            except DeliveryError as exc:
                if exc.retry_after:
                    await asyncio.sleep(min(exc.retry_after, 30))
                    try:
                        await self._send(to.chat_id if to else room_id, item, edit)
                    except DeliveryError:
                        log.warning("matrix: answer dropped after rate limiting")
                else:
                    log.warning("matrix: answer failed: %s", exc)

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        return await self._send(chat_id, item, edit_message_id)

    async def _room_send(self, room_id: str, content: dict[str, Any]) -> str:
        assert self.client is not None
        try:
            response = await self.client.room_send(
                room_id, "m.room.message", content, ignore_unverified_devices=True
            )
        except Exception as exc:
            raise DeliveryError(type(exc).__name__) from None
        if isinstance(response, nio.RoomSendResponse):
            return response.event_id
        status = str(getattr(response, "status_code", ""))
        retry = getattr(response, "retry_after_ms", None)
        if status == "M_LIMIT_EXCEEDED" or retry:
            raise DeliveryError("rate limited", retry_after=(retry or 1000) / 1000)
        if status in ("M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN_TOKEN"):
            raise DeliveryError(status, permanent=True)
        raise DeliveryError(status or "send failed")

    async def _send(self, room_id: str, item: Outgoing, edit_id: str | None = None) -> str | None:
        if isinstance(item, Message | Edit):
            buttons = [(b.label, b.data) for row in item.buttons for b in row]
            content = render(item.text, buttons)
            if edit_id:
                content = {
                    **content,
                    "body": "* " + content["body"],
                    "m.new_content": content,
                    "m.relates_to": {"rel_type": "m.replace", "event_id": edit_id},
                }
            event_id = await self._room_send(room_id, content)
            if buttons:
                # Numbers and reactions refer to this message (and, typed, to the latest).
                await self.db.transport_state.remember_buttons(event_id, room_id, buttons)
                if edit_id:
                    await self.db.transport_state.remember_buttons(edit_id, room_id, buttons)
            return event_id
        if isinstance(item, Toast):
            return await self._room_send(room_id, {"msgtype": "m.notice", "body": item.text})
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
            if not item.file_id.startswith("mxc://"):
                return None
            return await self._room_send(
                room_id,
                {
                    "msgtype": "m.audio",
                    "body": html_to_plain(str(item.caption)) or "🎤",
                    "url": item.file_id,
                },
            )
        if isinstance(item, Document):
            assert self.client is not None
            upload, _keys = await self.client.upload(
                io.BytesIO(item.content),
                content_type=item.mime_type,
                filename=item.filename,
                filesize=len(item.content),
            )
            if not isinstance(upload, nio.UploadResponse):
                raise DeliveryError("upload failed")
            event_id = await self._room_send(
                room_id,
                {
                    "msgtype": "m.file",
                    "body": item.filename,
                    "url": upload.content_uri,
                    "info": {"mimetype": item.mime_type, "size": len(item.content)},
                },
            )
            if item.caption:
                await self._room_send(room_id, render(item.caption, []))
            return event_id
        return None
