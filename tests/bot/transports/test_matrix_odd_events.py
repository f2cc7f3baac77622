"""Events a person's client (or someone forging them) sends that are not a plain new text,
against the real Synapse: replies carrying the quote of the message replied to (the spec's
reply fallback up to v1.12, still sent by Element Web and others), and one person opening
direct chat after direct chat, or inviting the bot into room after room; a command copied
from the bot's right-to-left text; an emote and a sticker."""

from __future__ import annotations

import asyncio
import itertools
import re
from typing import Any

import nio
from nio.api import RoomPreset

from bot.transports.matrix.parts import DIRECT_CHATS_PER_PERSON
from db import Database
from handlers.settings import HandlerSettings
from handlers.updates.chats import ENOUGH_CHATS, LEAVING
from locales import DEFAULT_LANGUAGE, translator
from tests.support.helping_people import volunteer_profile
from tests.support.matrix_bot import Bot, all_synced, is_notice, onboard
from tests.support.matrix_encrypted_people import EncryptedPerson
from tests.support.matrix_people import HANG, MatrixPerson, body
from tests.support.synapse_server import Synapse

# Accounts registered here by name only: the homeserver lives for the whole session.
NAMES = itertools.count(1)


def _reply(to: dict[str, Any], quoted_sender: str, text: str) -> dict[str, Any]:
    """A reply as Element Web sends it: the replied-to message quoted before the text."""
    quoted = body(to).split("\n")
    fallback = [f"> <{quoted_sender}> {quoted[0]}", *(f"> {line}" for line in quoted[1:])]
    return {
        "msgtype": "m.text",
        "body": "\n".join(fallback) + "\n\n" + text,
        "m.relates_to": {"m.in_reply_to": {"event_id": to["event_id"]}},
    }


async def test_a_reply_is_taken_without_the_quote_of_what_it_answers(
    alice: MatrixPerson, matrix_bot: Bot
):
    """A command or a typed number sent as a reply to the bot's message works as when sent
    alone: the quote before it is not part of what the person wrote."""
    room = await onboard(alice, matrix_bot, "2")  # English
    menu = alice.received[-1][1]
    mark = len(alice.received)
    await alice.send(room, "m.room.message", _reply(menu, matrix_bot.user_id, "!help"))
    await alice.wait_for(lambda e: "!menu" in body(e), after=mark)  # the command list
    menu = await alice.wait_for(lambda e: "🏠" in body(e) and "1️⃣" in body(e))
    mark = len(alice.received)
    await alice.send(room, "m.room.message", _reply(menu, matrix_bot.user_id, "1"))
    await alice.wait_for(lambda e: "📍" in body(e) and "💬" not in body(e), after=mark)


async def test_a_command_copied_from_an_arabic_answer_works(alice: MatrixPerson, matrix_bot: Bot):
    """The bot's Arabic texts keep "!help" left to right with direction marks around it; a
    resident who copies it from there sends the marks too, and it is still the command."""
    room = await onboard(alice, matrix_bot, "3")  # العربية
    mark = len(alice.received)
    await alice.say(room, "!frobnicate")
    hint = await alice.wait_for(lambda e: "!help" in body(e), after=mark)
    copied = re.search(r"[\u200e\u200f\u2066-\u2069]*!help[\u200e\u200f\u2066-\u2069]*", body(hint))
    assert copied is not None and copied.group(0) != "!help"  # marks around it
    mark = len(alice.received)
    await alice.say(room, copied.group(0))
    await alice.wait_for(lambda e: "!menu" in body(e), after=mark)  # the command list


async def test_an_emote_and_a_sticker_are_answered(alice: MatrixPerson, matrix_bot: Bot):
    """Element's "/me ..." (an m.emote) and a sticker get an answer, not silence."""
    room = await onboard(alice, matrix_bot, "2")
    for event_type, content in (
        ("m.room.message", {"msgtype": "m.emote", "body": "needs help with shopping"}),
        ("m.sticker", {"body": "😀", "url": "mxc://localhost/sticker", "info": {}}),
    ):
        mark = len(alice.received)
        await alice.send(room, event_type, content)
        await alice.wait_for(is_notice, after=mark)


async def test_a_reply_in_the_relay_passes_on_only_the_reply(synapse: Synapse, db: Database):
    """A requester answering the volunteer's relayed question with Element's reply: the
    volunteer gets the answer, not the bot's account or the quoted message, and the relay
    keeps only the answer."""
    from bot.delivery import OutboxWorker
    from tests.support.help_story import matched_through_lifecycle

    amira = MatrixPerson(synapse, "amira")
    vera = MatrixPerson(synapse, "vera")
    await amira.start()
    await vera.start()
    running = Bot(synapse, db, HandlerSettings(require_verified_volunteers=False))
    transport = await running.start()
    worker = OutboxWorker(db, [transport], poll_seconds=0.2)
    running.dispatcher.on_queued = worker.wake
    stop = asyncio.Event()
    delivery = asyncio.create_task(worker.run(stop))
    try:
        amira_room = await onboard(amira, running, "1")  # Deutsch
        vera_room = await onboard(vera, running, "1")
        requester = await db.users.find("matrix", amira.user_id)
        volunteer = await db.users.find("matrix", vera.user_id)
        await volunteer_profile(db, volunteer.id, max_open=1)
        coordinator = await db.users.seen("memory", "cora", "cora", "Cora")
        await db.users.grant_role(coordinator.id, "coordinator")
        await matched_through_lifecycle(
            db, running.dispatcher.settings, requester.id, volunteer.id, coordinator.id
        )
        worker.wake()
        await amira.wait_for(lambda e: "🔐" in body(e))  # the door code word: matched

        mark = len(amira.received)
        await vera.say(vera_room, "Wie viele Flaschen Milch?")
        question = await amira.wait_for(lambda e: "Flaschen" in body(e), after=mark)
        mark = len(vera.received)
        await amira.send(
            amira_room, "m.room.message", _reply(question, running.user_id, "Zwei, danke")
        )
        answer = await vera.wait_for(lambda e: "Zwei, danke" in body(e), after=mark)
        for shown in (body(answer), answer["content"].get("formatted_body", "")):
            assert "Flaschen" not in shown and running.user_id not in shown
        kept = [row[0] for row in await db.fetch_all("SELECT text FROM relay_messages")]
        assert sorted(kept) == ["Wie viele Flaschen Milch?", "Zwei, danke"]
    finally:
        stop.set()
        await delivery
        await running.stop()
        await amira.stop()
        await vera.stop()


async def test_direct_chats_one_person_opens_are_bounded(alice: MatrixPerson, matrix_bot: Bot):
    """The bot stays in a few direct chats with one person; in the next one it says why it
    leaves (where the person can write instead) and greets nobody there."""
    kept = []
    for _ in range(DIRECT_CHATS_PER_PERSON):
        mark = len(alice.received)
        room = await alice.dm(matrix_bot.user_id)
        await alice.wait_for(lambda e, room=room: e["room"] == room and "1️⃣" in body(e), after=mark)
        kept.append(room)
    mark = len(alice.received)
    # Not alice.dm(), which waits to see the bot among the members: the bot joins, says why
    # and leaves at once, and on a quick machine it is gone before a look finds it there.
    created = await alice.client.room_create(is_direct=True, invite=[matrix_bot.user_id])
    assert isinstance(created, nio.RoomCreateResponse), created
    extra = created.room_id
    note = translator(DEFAULT_LANGUAGE).t(ENOUGH_CHATS)
    await alice.wait_for(lambda e: e["room"] == extra and body(e) == note, after=mark)
    await _until_left(alice, extra, matrix_bot.user_id)
    assert [e for r, e in alice.received[mark:] if r == extra and "1️⃣" in body(e)] == []
    # The chats kept are served as before.
    mark = len(alice.received)
    await alice.say(kept[0], "!start")
    await alice.wait_for(lambda e: e["room"] == kept[0] and "1️⃣" in body(e), after=mark)


async def _until_left(person: MatrixPerson, room: str, user_id: str) -> None:
    """Until ``user_id`` is no longer in the room (a hang detector, not a speed bound)."""
    deadline = asyncio.get_running_loop().time() + HANG
    while True:
        members = await person.client.joined_members(room)
        if not any(m.user_id == user_id for m in getattr(members, "members", [])):
            return
        assert asyncio.get_running_loop().time() < deadline, "the bot stayed"
        await asyncio.sleep(0.2)


async def test_rooms_the_bot_leaves_leave_nothing_behind(
    alice: MatrixPerson, matrix_bot: Bot, synapse: Synapse
):
    """Invited into room after room, the bot says why it does not stay and leaves each one;
    what it kept about a room goes with it, so that invites cost nothing for good."""
    other = MatrixPerson(synapse, "bob")
    try:
        rooms = []
        note = translator(DEFAULT_LANGUAGE).t(LEAVING)
        for _ in range(3):
            mark = len(alice.received)
            created = await alice.client.room_create(invite=[matrix_bot.user_id, other.user_id])
            rooms.append(created.room_id)
            await alice.wait_for(
                lambda e, room=created.room_id: e["room"] == room and body(e) == note, after=mark
            )
        for room in rooms:
            await _until_left(alice, room, matrix_bot.user_id)
        await all_synced(synapse, matrix_bot)
        kept = await matrix_bot.db.transport_state.keys_under("matrix.")
        assert [key for key in kept if any(room in key for room in rooms)] == []
    finally:
        await other.stop()


async def test_an_encrypted_room_the_bot_leaves_hears_why(matrix_bot: Bot, synapse: Synapse):
    """Invited into an encrypted group room (Element's private room), the bot says why it
    does not stay before it leaves, readable by the people there."""
    eva = EncryptedPerson(synapse, "eva")
    await eva.start()
    try:
        other = synapse.register(f"otto{next(NAMES)}")
        room = await eva.create_private_room([matrix_bot.user_id, other["user_id"]])
        note = translator(DEFAULT_LANGUAGE).t(LEAVING)
        await eva.wait_for(lambda e: e["room"] == room and body(e) == note)
        await _until_left(eva, room, matrix_bot.user_id)
    finally:
        await eva.stop()


async def test_someone_invited_into_a_direct_chat_later_cannot_read_what_the_bot_said(
    alice: MatrixPerson, matrix_bot: Bot, synapse: Synapse
):
    """A direct chat as Element creates it (``trusted_private_chat``) shows its history to
    every later member. The bot makes it the members' of the time only before it says a
    word, so when the person invites someone in (and the bot leaves), the newcomer reads
    nothing the bot told the person - in an unencrypted chat the homeserver would show
    it all."""
    dave = MatrixPerson(synapse, "dave")
    await dave.start()
    try:
        created = await alice.client.room_create(
            is_direct=True, preset=RoomPreset.trusted_private_chat, invite=[matrix_bot.user_id]
        )
        assert isinstance(created, nio.RoomCreateResponse), created
        room = created.room_id
        mark = len(alice.received)
        await alice.wait_for(lambda e: e["room"] == room and "1️⃣" in body(e), after=mark)
        await alice.say(room, "!help")
        await alice.wait_for(lambda e: e["room"] == room and "!menu" in body(e), after=mark)
        told = {e["event_id"] for r, e in alice.received[mark:] if r == room}
        invited = await alice.client.room_invite(room, dave.user_id)
        assert isinstance(invited, nio.RoomInviteResponse), invited
        assert isinstance(await dave.client.join(room), nio.JoinResponse)
        await _until_left(alice, room, matrix_bot.user_id)
        history = await dave.client.room_messages(room, start="", limit=100)
        assert isinstance(history, nio.RoomMessagesResponse), history
        shown = {event.event_id for event in history.chunk}
        assert len(told) >= 2 and not told & shown
    finally:
        await dave.stop()
