"""Matrix connector on matrix-nio: the same handlers, rendered the Matrix way.

- Messages are ``m.notice`` with an HTML ``formatted_body`` and a plain ``body``.
- Buttons become a numbered list; the user reacts with the keycap emoji (1️⃣ …) or with
  the button's own leading emoji (✅, ❌ …), or types the number. Which number means what
  is stored per message, so it still works after a restart.
- A typed number presses a button only of the newest message the bot sent in the room, and
  only if that message has buttons and allows typing (``Message.typed_choices``): after a
  relayed message "1" may answer "how many crates?". Any later message of the bot ends it.
  In the coordinators' room typed numbers are never presses (several posts are open at
  once): there a reaction on the post, or a command, decides. Messages whose buttons cannot
  be typed say so under the list.
- A room is private only if the homeserver says the bot and exactly one person are in it
  (joined or invited). That is asked, not taken from the sync (which after a restart knows
  nobody in a room), kept per room and asked again whenever the room's membership changes.
  Only direct chats and the coordinators' room are joined; in any other room the bot says
  why in one line and leaves. Messages in other rooms are ignored, and nothing meant for a
  person is ever sent into one.
- Commands start with ``!`` or ``/``; the bot's own texts name them with ``!`` (Element
  takes a typed ``/help`` for one of its own commands), see :func:`bang_commands`.
  ``m.location`` is understood and sent; ``m.audio`` is accepted where Telegram accepts
  voice, and voice messages go out as ``m.audio`` with their ``info`` (MIME type, duration,
  size) and the voice flags (``org.matrix.msc3245.voice``, ``org.matrix.msc1767.audio``); a
  voice from Telegram is downloaded there (by the outbox worker) and uploaded here, and
  :meth:`MatrixTransport.fetch_media` serves the other way.
- Joining a direct chat, the bot greets as if the person had sent ``/start``.
- The sync token is stored: a restart neither replays old events nor misses new ones. The
  login is stored too and reused (``matrix_login.py``). Rooms the bot was removed from are
  forgotten.
- An edit (``m.replace``) of a person's text arrives as ``Edited``, a redaction of their
  message as ``Removed``. An acknowledgement (``React``) is an ``m.reaction`` on the person's
  message; removing an earlier outbox message (``Delete``) redacts the bot's own event.
- Encrypted rooms: the bot says plainly that it cannot read them.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
import logging
import re
from collections.abc import Awaitable, Callable, Collection
from typing import Any, NoReturn

import nio
from markupsafe import Markup

from bot.config import MatrixSection
from bot.delivery import DeliveryError, voice_filename
from bot.log_redaction import redact_everywhere
from bot.transports.contract import ChatService, ChatTurn, send_kept_answers, take_update
from bot.transports.markup import html_to_plain, with_links
from bot.transports.matrix_login import UNKNOWN_TOKEN, log_in, log_in_again
from db import Database
from db.transport_state import MatrixRoom
from handlers.dispatcher import Dispatcher
from handlers.messages import (
    ButtonPress,
    Command,
    Delete,
    Document,
    Edit,
    Edited,
    Event,
    Incoming,
    Location,
    Media,
    Message,
    Outgoing,
    Picture,
    React,
    Removed,
    Sender,
    Text,
    Toast,
    Venue,
    Voice,
    choices,
)
from locales import DEFAULT_LANGUAGE, N_, translator

log = logging.getLogger(__name__)

PLATFORM = "matrix"
KEYCAPS = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟"]
_GEO = re.compile(r"^geo:(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)")


def number_label(index: int) -> str:
    return KEYCAPS[index] if index < len(KEYCAPS) else f"[{index + 1}]"


# "/name" where a command may stand: not inside a URL or a path ("https://x.org/help",
# "a/b"), not an HTML closing tag.
_SLASH_COMMAND = re.compile(r"(?<![\w/<:.@&;=-])/([A-Za-z][A-Za-z0-9_]*)\b")


def bang_commands(text: str, commands: Collection[str]) -> str:
    """The bot's texts name commands as "/help"; Element takes a typed "/help" for one of
    its own and swallows it, so on Matrix they read "!help". Only registered command names
    change: a "/x" a person wrote inside a quoted text changes too if x is one of them,
    which is harmless, and anything else stays as written."""
    if not commands:
        return text
    return _SLASH_COMMAND.sub(
        lambda m: "!" + m.group(1) if m.group(1).lower() in commands else m.group(0), text
    )


def render(
    text: Markup,
    buttons: list[tuple[str, str]],
    react_hint: str = "",
    commands: Collection[str] = (),
) -> dict[str, Any]:
    """An m.notice with HTML and a plain-text fallback, choices numbered. ``react_hint``:
    a line under the choices for messages whose numbers cannot be typed; ``commands``:
    the registered command names, written with "!"."""
    # Matrix HTML has no collapsed quote (Telegram's "expandable"): a plain one.
    formatted = (
        bang_commands(str(text), commands)
        .replace("<blockquote expandable>", "<blockquote>")
        .replace("\n", "<br>")
    )
    plain = html_to_plain(bang_commands(str(text), commands))
    if buttons:
        lines = [f"{number_label(i)} {label}" for i, (label, _data) in enumerate(buttons)]
        formatted += "<br><br>" + "<br>".join(html.escape(line) for line in lines)
        plain += "\n\n" + "\n".join(lines)
        if react_hint:
            formatted += "<br><i>" + html.escape(react_hint) + "</i>"
            plain += "\n" + react_hint
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


DIRECT, GROUP, EMPTY, GONE = "direct", "group", "empty", "gone"
# Under the choices of a message whose numbers cannot be typed.
REACT_HINT = N_("👆 React to this message with the emoji of your choice.")
# Posted to the inviter before leaving a room that is not a direct chat.
LEAVING = N_(
    "👋 I only talk in direct chats, so I am leaving this room. Please start a direct chat with me."
)

if not hasattr(nio.AsyncClient, "_handle_joined_rooms"):  # pragma: no cover
    raise ImportError("matrix-nio without AsyncClient._handle_joined_rooms: see _Client")


class _Client(nio.AsyncClient):
    """matrix-nio's client, telling the transport which rooms' membership changed before
    the events of the same sync are handled: a message right after a third person joined
    must already be judged by the new membership. Membership changes arrive as events in
    a room's timeline or, after a gap (a restart, a long outage), only in its state block,
    which nio does not pass to event callbacks at all."""

    membership_changed: Callable[[set[str]], Awaitable[None]] | None = None

    async def _handle_joined_rooms(self, response: nio.SyncResponse) -> None:
        if self.membership_changed is not None:
            changed = {
                room_id
                for room_id, info in response.rooms.join.items()
                if any(
                    isinstance(event, nio.RoomMemberEvent)
                    for event in (*info.state, *info.timeline.events)
                )
            }
            if changed:
                await self.membership_changed(changed)
        await super()._handle_joined_rooms(response)


class MatrixTransport(ChatService):
    platform = PLATFORM

    def __init__(self, dispatcher: Dispatcher, db: Database, config: MatrixSection) -> None:
        self.dispatcher = dispatcher
        self.db = db
        self.config = config
        redact_everywhere(config.access_token)
        redact_everywhere(config.password)
        self.client: _Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._ready = False
        self._in_flight = 0
        # Written "!name" in everything the bot sends here (see bang_commands).
        self._commands = frozenset(dispatcher.router.commands)

    # -- start and stop ---------------------------------------------------------------
    async def start(self) -> None:
        """Log in and take events: a process of its own."""
        await self.connect()
        await self.start_taking()

    # With several processes only the one holding this role syncs.
    update_role = "matrix-sync"

    async def connect(self, chat_turn: ChatTurn | None = None) -> None:
        """Log in and send kept answers; events are taken by :meth:`start_taking`. (Synced
        by one process at a time, a chat's events need no ``chat_turn``.)"""
        state = self.db.transport_state
        client = _Client(self.config.homeserver, self.config.user_id, store_path=None)
        await log_in(client, self.config, state)
        self.client = client
        client.membership_changed = self._membership_changed
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
                nio.RedactionEvent,
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

    async def start_taking(self) -> None:
        await self.start_sync()

    async def stop_taking(self) -> None:
        await self.stop_sync()

    async def start_sync(self) -> None:
        # Another process may have synced meanwhile: go on from where it stopped.
        token = await self.db.transport_state.get("matrix.next_batch")
        if token and self.client is not None:
            self.client.next_batch = token
        self._task = asyncio.create_task(self._sync_loop())

    async def stop_sync(self) -> None:
        await self._end_sync()
        self._task = None

    async def answer_unanswered(self) -> None:
        """Send the answers the bot committed but did not send before it last stopped."""
        await send_kept_answers(self)

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
            elif (
                getattr(response, "status_code", None) == UNKNOWN_TOKEN
                and self.config.password
                and not self.config.access_token
            ):
                # Logged out from elsewhere while running: log in again, on the same device.
                log.warning("matrix: the access token was revoked; logging in again")
                try:
                    await log_in_again(self.client, self.config, self.db.transport_state)
                except Exception as exc:
                    log.warning("matrix: logging in again failed: %s", type(exc).__name__)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 60)
            else:
                retry = getattr(response, "retry_after_ms", None)
                log.warning("matrix sync error: %s", getattr(response, "status_code", "?"))
                await asyncio.sleep((retry or 0) / 1000 or backoff)
                backoff = min(backoff * 2, 60)

    async def stop(self) -> None:
        self._stopping.set()
        await self._end_sync()
        if self.client is not None:
            await self.client.close()

    async def _end_sync(self) -> None:
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

    # -- rooms and membership -----------------------------------------------------------
    def _is_backchannel(self, room_id: str) -> bool:
        return room_id == self.config.backchannel_room or (
            (PLATFORM, room_id) in self.dispatcher.settings.backchannels
        )

    async def _ask_room(self, room_id: str) -> MatrixRoom | None:
        """Who is in the room, from the homeserver's member list (joined or invited); None
        if the homeserver could not be asked."""
        assert self.client is not None
        try:
            response = await self.client.room_get_state(room_id)
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
        if members.get(self.config.user_id) != "join":
            return MatrixRoom(GONE)
        others = sorted(
            user
            for user, membership in members.items()
            if user and user != self.config.user_id and membership in ("join", "invite")
        )
        if len(others) == 1:
            return MatrixRoom(DIRECT, peer=others[0])
        return MatrixRoom(GROUP if others else EMPTY)

    async def _room(self, room_id: str, *, fresh: bool = False) -> MatrixRoom | None:
        """The room as last seen (asked once, then kept), or asked now with ``fresh``."""
        state = self.db.transport_state
        if not fresh:
            known = await state.matrix_room(room_id)
            if known is not None:
                return known
        room = await self._ask_room(room_id)
        if room is not None:
            await state.remember_matrix_room(room_id, room)
        return room

    async def _membership_changed(self, room_ids: set[str]) -> None:
        """Someone joined, left or was invited: ask again who the room is for. A direct
        chat that became a group is left, with a word why; one that everybody else left
        is left silently."""
        if not self._ready:
            return  # the first sync of a new installation: rooms are asked when needed
        for room_id in sorted(room_ids):
            if self._is_backchannel(room_id):
                continue
            try:
                before = await self.db.transport_state.matrix_room(room_id)
                room = await self._room(room_id, fresh=True)
                if room is not None and room.kind in (GROUP, EMPTY):
                    person = before.peer if before is not None and before.peer else None
                    await self._leave(room_id, explain=room.kind == GROUP, person=person)
            except Exception as exc:
                log.warning("matrix: a membership change failed: %s", type(exc).__name__)

    async def _leave(self, room_id: str, *, explain: bool, person: str | None = None) -> None:
        """Leave a room that is neither a direct chat nor the coordinators' room; the note
        why is in the language of ``person`` (the inviter, or the one the chat was with)."""
        assert self.client is not None
        if explain:
            lang = DEFAULT_LANGUAGE
            if person is not None:
                user = await self.db.users.find(PLATFORM, person)
                lang = user.language if user and user.language else DEFAULT_LANGUAGE
            text = translator(lang).t(LEAVING)
            try:
                await self._room_send(room_id, render(text, []))
            except DeliveryError as exc:
                log.warning("matrix: the note before leaving a room failed: %s", exc)
        await self.client.room_leave(room_id)
        await self.client.room_forget(room_id)
        await self.db.transport_state.remember_matrix_room(room_id, MatrixRoom(GONE))
        log.info("matrix: left a room that is not a direct chat")

    async def _on_invite(self, room: nio.MatrixRoom, event: nio.InviteMemberEvent) -> None:
        if event.state_key != self.config.user_id or event.membership != "invite":
            return
        assert self.client is not None
        try:
            joined = await self.client.join(room.room_id)
            if not isinstance(joined, nio.JoinResponse):
                log.warning(
                    "matrix: joining a room failed: %s", getattr(joined, "status_code", "?")
                )
                return
            if self._is_backchannel(room.room_id):
                return
            # A direct chat is one with the bot and one person; in any other room the bot
            # says why it does not stay (to the inviter, in their language if it knows it).
            kind = await self._room(room.room_id, fresh=True)
            if kind is not None and kind.kind != DIRECT:
                await self._leave(room.room_id, explain=kind.kind == GROUP, person=event.sender)
            elif kind is not None and self._ready:
                await self._greet(room, kind.peer)
        except Exception as exc:
            log.warning("matrix: accepting an invite failed: %s", type(exc).__name__)

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

    async def _on_member(self, room: nio.MatrixRoom, event: nio.RoomMemberEvent) -> None:
        if (
            event.state_key == self.config.user_id
            and event.membership in ("leave", "ban")
            and self._ready
            and self.client is not None
        ):
            await self.client.room_forget(room.room_id)
            await self.db.transport_state.remember_matrix_room(room.room_id, MatrixRoom(GONE))

    async def _is_private(self, room_id: str) -> bool | None:
        """True for a direct chat, False for the coordinators' room, None for any other
        room (or one the homeserver could not be asked about): not served."""
        if self._is_backchannel(room_id):
            return False
        room = await self._room(room_id)
        return True if room is not None and room.kind == DIRECT else None

    async def _check_recipient(self, room_id: str) -> None:
        """Nothing meant for one person goes into a room others read: raises DeliveryError
        unless the room is a direct chat (or the coordinators' room)."""
        if self._is_backchannel(room_id):
            return
        room = await self._room(room_id)
        if room is None:
            raise DeliveryError("room members unknown")
        if room.kind != DIRECT:
            raise DeliveryError(f"not a direct chat ({room.kind})", permanent=True)

    # -- incoming ---------------------------------------------------------------------

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

    # -- outgoing ---------------------------------------------------------------------
    async def answer(self, incoming: Incoming, outgoing: list[Outgoing]) -> None:
        room_id = incoming.chat_id
        for item in outgoing:
            to = getattr(item, "to", None)
            if to is not None and to.platform != PLATFORM:
                continue
            target = to.chat_id if to else room_id
            edit = None
            if isinstance(item, Message) and item.edit and isinstance(incoming.event, ButtonPress):
                edit = incoming.event.message_id
            # Part of the answer to what the person just did: a toast or a location next to
            # the answer's message does not end the choices of that message.
            alongside = target == room_id and not isinstance(item, Message | Edit)
            try:
                if target != room_id:
                    await self._check_recipient(target)
                await self._send(target, item, edit, alongside=alongside)
            except DeliveryError as exc:
                if exc.retry_after:
                    await asyncio.sleep(min(exc.retry_after, 30))
                    try:
                        await self._send(target, item, edit, alongside=alongside)
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
        assert self.client is not None
        try:
            response = await self.client.room_send(
                room_id, event_type, content, ignore_unverified_devices=True
            )
        except Exception as exc:
            raise DeliveryError(type(exc).__name__) from None
        if isinstance(response, nio.RoomSendResponse):
            return response.event_id
        return self._failed(response)

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
        """Send one item. Every message but one sent ``alongside`` an answer's message
        becomes the room's newest for typed numbers."""
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
        if sent_id is not None and not alongside:
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
            return await self._room_send(room_id, await self._voice(item))
        if isinstance(item, Picture):
            url = await self._upload(item.content, item.mime_type, item.filename)
            info: dict[str, Any] = {"mimetype": item.mime_type, "size": len(item.content)}
            if item.width and item.height:
                info |= {"w": item.width, "h": item.height}
            caption = html_to_plain(str(item.caption)) if item.caption else ""
            content: dict[str, Any] = {
                "msgtype": "m.image",
                "body": caption or item.filename,
                "url": url,
                "info": info,
            }
            if caption:
                # The body is a caption, not a file name (MSC2530).
                content["filename"] = item.filename
            return await self._room_send(room_id, content)
        if isinstance(item, Document):
            url = await self._upload(item.content, item.mime_type, item.filename)
            event_id = await self._room_send(
                room_id,
                {
                    "msgtype": "m.file",
                    "body": item.filename,
                    "url": url,
                    "info": {"mimetype": item.mime_type, "size": len(item.content)},
                },
            )
            if item.caption:
                await self._room_send(room_id, render(item.caption, [], "", self._commands))
            return event_id
        return None

    async def fetch_media(self, file_id: str) -> tuple[bytes, str]:
        """A file sent to the bot (an mxc:// URI), for a chat on another platform; through
        the authenticated media endpoints of current homeservers."""
        assert self.client is not None
        if not file_id.startswith("mxc://"):
            raise DeliveryError("not a Matrix file", permanent=True)
        try:
            response = await self.client.download(mxc=file_id)
        except Exception as exc:
            raise DeliveryError(type(exc).__name__) from None
        if isinstance(response, nio.MemoryDownloadResponse):
            return response.body, response.content_type or ""
        status = str(getattr(response, "status_code", ""))
        if status in ("M_NOT_FOUND", "M_FORBIDDEN", "M_TOO_LARGE"):
            raise DeliveryError(status, permanent=True)
        raise DeliveryError(f"download failed {status}".strip())

    async def _upload(self, content: bytes, mime_type: str, filename: str) -> str:
        """Put a file into the homeserver's media repository; its mxc:// URI."""
        assert self.client is not None
        try:
            upload, _keys = await self.client.upload(
                io.BytesIO(content),
                content_type=mime_type,
                filename=filename,
                filesize=len(content),
            )
        except Exception as exc:
            raise DeliveryError(type(exc).__name__) from None
        if not isinstance(upload, nio.UploadResponse):
            status = str(getattr(upload, "status_code", ""))
            if status == "M_TOO_LARGE":
                raise DeliveryError(status, permanent=True)
            raise DeliveryError(f"upload failed {status}".strip())
        return upload.content_uri

    async def _voice(self, voice: Voice) -> dict[str, Any]:
        """An ``m.audio`` marked as a voice message (MSC3245, with MSC1767's audio
        details), so that clients show a voice player. A file from another platform
        arrives as bytes (fetched by the outbox worker) and is uploaded first."""
        mime_type = voice.mime_type or "audio/ogg"
        info: dict[str, Any] = {"mimetype": mime_type}
        if voice.platform == PLATFORM and voice.file_id.startswith("mxc://"):
            url = voice.file_id
        elif voice.content:
            url = await self._upload(voice.content, mime_type, voice_filename(mime_type))
            info["size"] = len(voice.content)
        else:
            raise DeliveryError(f"a voice from {voice.platform} without its file", permanent=True)
        audio: dict[str, Any] = {}
        if voice.duration_seconds:
            info["duration"] = audio["duration"] = round(voice.duration_seconds * 1000)
        caption = html_to_plain(str(voice.caption))
        content: dict[str, Any] = {
            "msgtype": "m.audio",
            "body": caption or "🎤",
            "url": url,
            "info": info,
            "org.matrix.msc1767.audio": audio,
            "org.matrix.msc3245.voice": {},
        }
        if caption:
            # The body is a caption, not a file name (MSC2530).
            content["filename"] = voice_filename(mime_type)
        return content
