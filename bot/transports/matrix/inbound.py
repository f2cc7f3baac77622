"""Events from the homeserver as the handlers' events: text, commands ("!" or "/"),
reactions and typed numbers as button presses (bot/transports/numbered_choices.py),
locations, media, edits and redactions; each taken with the one kept-answer protocol
(bot/transports/contract.py)."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import nio

from bot.transports.matrix.media import file_id
from bot.transports.matrix.outbound import Outbound
from bot.transports.matrix.parts import Shared, take_due
from bot.transports.matrix.render import _GEO, PLATFORM
from bot.transports.matrix.rooms import LEAVE_WAIT, Rooms
from bot.transports.matrix.strangers_work import StrangersWork
from db.transport_state import GREET, UNDECRYPTED
from handlers.channels import FromUnconfirmedDevice, NotDecrypted
from handlers.flood_limits import FloodCounts
from handlers.messages import (
    ButtonPress,
    Command,
    Edited,
    Event,
    Incoming,
    Location,
    Media,
    Removed,
    Sender,
    Text,
    typed_command,
)

log = logging.getLogger(__name__)

# The events the transport takes (decrypted ones arrive as nio's RoomEncrypted* media and
# ordinary messages; MegolmEvent is one whose key has not arrived).
EVENTS = (
    nio.RoomMessageText,
    nio.RoomMessageEmote,
    nio.StickerEvent,
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
# The lines to a person whose message was not read (a key that never came, a device they
# have not confirmed) are reported, and worded and sent by the features:
# handlers/limits/encrypted_work.py.
UNCONFIRMED_TOLD_SECONDS = 3600
# Messages kept waiting for their room key, per sender and per room (a direct chat has one
# person, the coordinators' room several). A late key is one for a run of messages under
# one session, and people write a few before they wait for an answer, so a few are plenty.
# The first ones are kept and later ones dropped: a flood then costs no write once the list
# is full, and the kept ones, the oldest, are the first whose wait ends, so the one line
# asking to send again comes as early as it can (and covers the dropped ones too).
KEPT_PER_SENDER = 5
KEPT_PER_ROOM = 20
# Messages whose key has not arrived that are taken per sender and minute, across all their
# chats: a bound of their own, apart from the flood limit of the messages the bot can read
# (bot.max_messages_per_minute), which they neither count in nor are stopped by. Someone
# whose client failed to share its keys (the usual cause, not an attack) has their next
# readable message answered, and someone opening direct chats to send them makes the bot
# note no more than this many a minute. Above the cap of one chat (five kept and the note
# that more came), so that a burst in one chat is always kept and asked about; past it,
# nothing of theirs is looked at (no read, no write) until the minute has passed.
UNDECRYPTED_PER_MINUTE = 2 * KEPT_PER_SENDER


@dataclass
class _Waiting:
    """What waits in one room for room keys (``matrix.undecrypted:<room>``, see
    db/transport_state.py): the kept ``events`` ({"event": the encrypted event,
    "since": when it came}); ``late``: per sender, when the first message came that was
    not kept (over the cap); ``told``: per sender, when they were last asked to send
    again (kept for one wait, bounded by the room's cap)."""

    events: list[dict[str, Any]] = field(default_factory=list)
    late: dict[str, str] = field(default_factory=dict)
    told: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, value: str | None) -> _Waiting:
        data = json.loads(value or "{}")
        if isinstance(data, list):  # kept by a version without the caps: the events
            return cls(events=data)
        return cls(data.get("events", []), data.get("late", {}), data.get("told", {}))

    def dump(self) -> str | None:
        """As stored; None when nothing is left."""
        if not (self.events or self.late or self.told):
            return None
        return json.dumps({"events": self.events, "late": self.late, "told": self.told})

    def count(self, sender: str) -> int:
        return sum(1 for item in self.events if item["event"].get("sender") == sender)

    def forget_told(self, before: datetime) -> None:
        """Once a wait has passed since someone was asked, everything they had sent before
        it has been given up or answered: the note is no longer needed."""
        kept = sorted((when, sender) for sender, when in self.told.items() if _at(when) > before)
        self.told = {sender: when for when, sender in kept[-KEPT_PER_ROOM:]}


class Inbound:
    """Taking events: from a room event to an update, taken with ``take`` (the contract's
    ``take_update`` for the transport); whether a room is served is the rooms' part to say,
    the note asking to send a message again goes out through ``outbound``."""

    def __init__(
        self,
        shared: Shared,
        rooms: Rooms,
        outbound: Outbound,
        take: Callable[[Incoming], Awaitable[object]],
    ) -> None:
        self.shared = shared
        self.rooms = rooms
        self.outbound = outbound
        self.take = take
        # Where senders stand, and what people past the hour's budget are told.
        self.strangers = StrangersWork(shared)
        # A room key came in the last sync: kept undecryptable messages are tried again.
        self.keys_arrived = False
        # Undecryptable messages per sender within the last minute (UNDECRYPTED_PER_MINUTE),
        # on the dispatcher's clock as the flood limits (bounded: handlers/flood_limits.py).
        self.undecrypted = FloodCounts(lambda: shared.ports.clock())
        # Who was told of a message from an unconfirmed device of theirs, within the hour.
        self.unconfirmed_told = FloodCounts(lambda: shared.ports.clock(), UNCONFIRMED_TOLD_SECONDS)

    async def _greet(self, room_id: str, person: str) -> None:
        """A new direct chat begins with the bot's greeting, as if the person had sent
        /start: the onboarding (greeting and language picker) for someone new, the main
        menu for someone known. Once per room, also when the invite is seen again."""
        self.shared.in_flight += 1
        try:
            room = self.shared.client.rooms.get(room_id) if self.shared.client is not None else None
            name = chosen_name(room, person)
            incoming = Incoming(
                Sender(PLATFORM, person, name, None),
                room_id,
                Command(name="start"),
                update_id=f"joined:{room_id}",
                is_private=True,
            )
            await self.take(incoming)
        finally:
            self.shared.in_flight -= 1

    async def greet_due(self) -> bool:
        """Greet the direct chats joined ``greeting_wait_seconds`` ago whose person has not
        written yet (a first message is answered instead: one greeting either way), once a
        sync has shown the chat: before, the bot cannot write into an encrypted one (it
        never writes plain text there), and the greeting would be lost. Whether greetings
        are still waiting."""
        now = datetime.now(UTC)
        due = now - timedelta(seconds=self.shared.config.greeting_wait_seconds)
        client = self.shared.client

        def is_due(room_id: str, greeting: dict[str, Any]) -> bool:
            since = datetime.fromisoformat(greeting["since"])
            shown = client is None or room_id in client.rooms or since <= now - LEAVE_WAIT
            return since <= due and shown

        taken, waiting = await take_due(self.shared.db.transport_state, GREET, is_due)
        for room_id, greeting in taken:
            try:
                await self._greet(room_id, greeting["peer"])
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
            written = without_reply_fallback(content, event.body)
            body = written.strip()
            command = command_in(body)
            if command is not None:
                return command
            typed = await self.shared.choices.typed_event(room.room_id, body)
            return typed or Text(written)
        if isinstance(event, nio.RoomMessageEmote):
            return Text(event.body)  # Element's "/me ...": the person's words all the same
        if isinstance(event, nio.StickerEvent):
            return Media(kind="sticker")  # answered as Telegram's stickers are
        if isinstance(event, nio.ReactionEvent):
            return await self.shared.choices.reacted(room.room_id, event.reacts_to, event.key)
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

    async def on_event(self, room: nio.MatrixRoom, event: Any) -> None:
        if isinstance(event, nio.MegolmEvent):
            self._no_key_requests()
        if not self.shared.ready or event.sender == self.shared.config.user_id:
            return
        self.shared.in_flight += 1
        try:
            private = await self.rooms.is_private(room.room_id)
            if private is None:
                return  # neither a direct chat nor the coordinators' room: not served
            if isinstance(event, nio.MegolmEvent):
                client = self.shared.client
                why = client.over_budget.pop(event.event_id, None) if client else None
                if why is not None:  # past the hour's budget: not kept
                    await self.strangers.not_read(room.room_id, event.sender, why)
                else:
                    await self._undecrypted(room.room_id, event)
                return
            state = self.shared.db.transport_state
            if private and await state.get(GREET + room.room_id) is not None:
                # The person wrote first: their message is answered, not greeted as well.
                await state.delete(GREET + room.room_id)
            if private and await self._from_unconfirmed_device(event):
                await self._tell_unconfirmed(room.room_id, event.sender)
            incoming_event = await self._event_for(room, event)
            if incoming_event is None:
                return
            name = chosen_name(room, event.sender)
            incoming = Incoming(
                Sender(PLATFORM, event.sender, name, None),
                room.room_id,
                incoming_event,
                update_id=event.event_id,
                is_private=private,
                message_id=None if isinstance(incoming_event, ButtonPress) else event.event_id,
                reply_to=replied_to(event.source.get("content", {})),
            )
            await self.take(incoming)
        except Exception:
            log.exception("matrix: handling an event failed")
        finally:
            self.shared.in_flight -= 1

    # -- messages from a device its owner has not confirmed ---------------------------
    async def _from_unconfirmed_device(self, event: Any) -> bool:
        """Whether a decrypted event came from a device its owner's identity does not vouch
        for (matrix-nio's blacklist, kept by parts.py ``_vouch``). A device the bot has not
        heard of yet - a new one, announced in the same sync - is asked about first."""
        client = self.shared.client
        sender_key = getattr(event, "sender_key", None)
        if client is None or client.olm is None or not getattr(event, "decrypted", False):
            return False
        if sender_key is None:
            return False
        devices = client.device_store.active_user_devices(event.sender)
        known = [device for device in devices if device.curve25519 == sender_key]
        if not known and event.sender in client.users_for_key_query:
            try:
                await client.keys_query()
            except Exception as exc:  # asked again before the next message goes out
                log.warning("matrix: asking for a sender's devices failed: %s", type(exc).__name__)
            devices = client.device_store.active_user_devices(event.sender)
            known = [device for device in devices if device.curve25519 == sender_key]
        return any(device.blacklisted for device in known)

    async def _tell_unconfirmed(self, room_id: str, sender: str) -> None:
        """Once an hour: the person's message came from a device they have not confirmed.
        The message is taken all the same (it is theirs, or their account's). Reported
        (``FromUnconfirmedDevice``): the feature sends the line through the outbox, beside
        the answer, said aloud to someone who hears the bot; encrypted, as every message,
        for their confirmed devices only, where it also warns them if the device is not
        theirs."""
        if not self.unconfirmed_told.first((PLATFORM, sender, True)):
            return
        await self.shared.ports.report(FromUnconfirmedDevice(PLATFORM, sender, room_id))

    # -- messages whose key has not arrived -------------------------------------------
    async def _undecrypted(self, room_id: str, event: nio.MegolmEvent) -> None:
        """An encrypted message whose room key has not arrived (yet): kept as it came and
        answered if the key comes (:meth:`retry_undecrypted`). Counted apart from the
        flood limit, in ``UNDECRYPTED_PER_MINUTE`` per sender (over it, not looked at); a
        kept one answered later counts in the flood limit then, as the message it is.
        Only the sender's first ``KEPT_PER_SENDER`` are kept (and ``KEPT_PER_ROOM`` in a
        room); of later ones only the time of the first is noted, so that the sender is
        still asked to send again. Anyone can open a direct chat and send undecryptable
        events: what they cost is bounded.

        No key is asked for (:meth:`_no_key_requests`): only the sender's own late
        ``m.room_key`` helps."""
        if self.undecrypted.count((PLATFORM, event.sender, False)) > UNDECRYPTED_PER_MINUTE:
            return
        state = self.shared.db.transport_state
        key = UNDECRYPTED + room_id
        waiting = _Waiting.load(await state.get(key))
        if any(item["event"].get("event_id") == event.event_id for item in waiting.events):
            return
        now = datetime.now(UTC).isoformat()
        room_full = len(waiting.events) + len(waiting.late) >= KEPT_PER_ROOM
        if room_full or event.sender in waiting.late:
            return  # nothing new to note: no write at all
        if waiting.count(event.sender) < KEPT_PER_SENDER:
            waiting.events.append({"event": event.source, "since": now})
        else:
            waiting.late[event.sender] = now
        await state.set(key, waiting.dump() or "{}")

    async def _may_decrypt(self, olm: Any, event: nio.MegolmEvent) -> bool:
        """Whether a kept message may be decrypted now: only once its session's room key
        is in the store (else the try would fail anyway), and then it counts in its
        sender's hour's budget (decrypt_budget.py) as it did when it came. Every sync that
        brought anyone's room key tries all kept messages again: a try that cannot
        decrypt must not spend a waiting stranger's budget, nor ask who they are."""
        if olm.inbound_group_store.get(event.room_id, event.sender_key, event.session_id) is None:
            return False
        budget = self.shared.budget
        await budget.learn([event.sender], self.strangers.standing)
        return budget.spend(event.sender) is None

    def _no_key_requests(self) -> None:
        """Takes the room key requests matrix-nio queued out of its outgoing to-device
        messages (it asks the sender's device when it cannot decrypt a message from a
        device it has a young Olm session with, once per event, and asks again for the
        events of a device whose Olm session it renewed). Clients answer another user's
        request with a forwarded key, and matrix-nio takes forwarded keys only from the
        bot's own devices (rightly: a key forwarded by anyone else could be a forger's),
        so the requests achieve nothing, and a member sending undecryptable events would
        have the bot send one request for each."""
        olm = self.shared.client.olm if self.shared.client is not None else None
        if olm is not None:
            olm.outgoing_to_device_messages[:] = [
                message
                for message in olm.outgoing_to_device_messages
                if not isinstance(message, nio.RoomKeyRequestMessage)
            ]

    async def on_room_key(self, _event: Any) -> None:
        self.keys_arrived = True

    async def retry_undecrypted(self) -> None:
        """After each sync: answer the kept messages whose key has come; ask the people
        whose messages waited ``key_wait_seconds`` in vain to send again, once per person
        in a round, and not again for what they sent before the last time they were asked.
        Each kept message is answered once (its event id is the update's id)."""
        client = self.shared.client
        if client is None or client.olm is None:
            return
        # Queued as matrix-nio sent the to-device messages just now (after renewing a
        # wedged Olm session); those queued by decrypting below go at the end.
        self._no_key_requests()
        keys_arrived, self.keys_arrived = self.keys_arrived, False
        state = self.shared.db.transport_state
        now = datetime.now(UTC)
        given_up = now - timedelta(seconds=self.shared.config.key_wait_seconds)
        for key in await state.keys_under(UNDECRYPTED):
            room_id = key.removeprefix(UNDECRYPTED)
            value = await state.get(key)
            waiting = _Waiting.load(value)
            readable: list[Any] = []
            # Per person whose messages were given up: when the newest of them came.
            unread: dict[str, datetime] = {}
            left = []
            for item in waiting.events:
                event = nio.Event.parse_encrypted_event(item["event"])
                if not isinstance(event, nio.MegolmEvent):
                    continue
                event.room_id = room_id
                decrypted = None
                if keys_arrived and await self._may_decrypt(client.olm, event):
                    with contextlib.suppress(Exception):
                        decrypted = client.decrypt_event(event)
                since = _at(item["since"])
                if decrypted is not None and not isinstance(decrypted, nio.MegolmEvent):
                    readable.append(decrypted)
                elif since <= given_up:
                    unread[event.sender] = max(since, unread.get(event.sender, since))
                else:
                    left.append(item)
            for sender, noted in list(waiting.late.items()):
                since = _at(noted)
                if since <= given_up:
                    del waiting.late[sender]
                    unread[sender] = max(since, unread.get(sender, since))
            waiting.events = left
            # Someone asked after all of these came is not asked again.
            ask = [
                sender
                for sender, newest in unread.items()
                if sender not in waiting.told or _at(waiting.told[sender]) < newest
            ]
            for sender in ask:
                waiting.told[sender] = now.isoformat()
            waiting.forget_told(given_up)
            updated = waiting.dump()
            if updated == value:
                continue
            # Taken off the list first: an apology is better lost than said twice.
            if updated is not None:
                await state.set(key, updated)
            else:
                await state.delete(key)
            room = client.rooms.get(room_id)
            for event in readable:
                if room is not None:
                    await self.on_event(room, event)
            for sender in ask:
                await self._unreadable(room_id, sender)
        self._no_key_requests()

    async def _unreadable(self, room_id: str, sender: str) -> None:
        """One short line asking to send again what could not be decrypted, reported to
        the feature (``NotDecrypted``): in a direct chat it goes as any message to the
        person goes - said aloud to someone who hears the bot; in the coordinators' room
        it names whose message it was."""
        if await self.rooms.is_private(room_id) is None:
            return
        await self.shared.ports.report(NotDecrypted(PLATFORM, sender, room_id))


def chosen_name(room: nio.MatrixRoom | None, user_id: str) -> str:
    """The name a person chose to be shown by (their display name in the room), or "" -
    never their Matrix id nor its localpart: an id in a partner's chat would let the
    partner reach a helper outside the bot. matrix-nio's ``user_name`` is the id itself
    for someone without a display name, and adds it in brackets where two share one. The
    features show someone without a name as they show a caller ("Resident")."""
    user = room.users.get(user_id) if room is not None else None
    return (user.display_name or "") if user is not None else ""


def command_in(body: str) -> Command | None:
    """A command ("!name args" or "/name args"), or None (handlers/messages.py
    ``typed_command``: direction marks copied around the name are no part of it)."""
    return typed_command(body, "!/")


def replied_to(content: dict[str, Any]) -> str | None:
    """The event a message answers (``m.in_reply_to``), if it is a reply: not a thread's
    fallback (``is_falling_back``), which names the thread's latest event, not a choice."""
    relation = content.get("m.relates_to")
    if not isinstance(relation, dict) or relation.get("is_falling_back") is True:
        return None
    reply = relation.get("m.in_reply_to")
    event_id = reply.get("event_id") if isinstance(reply, dict) else None
    return event_id if isinstance(event_id, str) else None


def without_reply_fallback(content: dict[str, Any], body: str) -> str:
    """What the person wrote in a reply, without the quote of the message replied to that
    clients put before it (the spec's reply fallback up to v1.12: "> <@sender> quoted
    text" lines, then a blank line; Element Web, FluffyChat and others still send it).
    Left in, the quote would become part of the person's text - someone else's words
    relayed, kept in a request, or a "!help" or "2" no longer seen as such. Only a reply
    (``m.in_reply_to``) loses its leading quote; a quote someone types stays as written."""
    relation = content.get("m.relates_to")
    if not isinstance(relation, dict) or not isinstance(relation.get("m.in_reply_to"), dict):
        return body
    lines = body.split("\n")
    if not lines[0].startswith(("> <", "> * <")):
        return body  # no fallback (the spec since v1.13): the body is the person's own
    while lines and (lines[0].startswith("> ") or lines[0] == ">"):
        lines.pop(0)
    if lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines)


def _at(moment: str) -> datetime:
    return datetime.fromisoformat(moment)
