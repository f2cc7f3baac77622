"""A resident who left her direct chat with the bot (Element X: *Leave*): what is queued for
her reaches her in a new direct chat the bot opens and invites her to, once, in order,
after one line in her language that says why the chat is there and how to stop it; one
she refuses (rejects the invitation) closes her chat as a blocked bot does on Telegram,
and she is not invited again until she writes herself. Against the real Synapse, with an
encrypting client as Element X is (tests/support/matrix_encrypted_people.py)."""

from __future__ import annotations

import asyncio

import nio
import pytest
from markupsafe import Markup

from bot.delivery import OutboxWorker
from db import Database
from db.statements import fetch_all
from handlers.messages import Message, encode
from handlers.updates.chats import REOPENED
from locales import translator
from tests.support.matrix_bot import Bot, all_synced, onboard
from tests.support.matrix_encrypted_people import HANG, EncryptedPerson
from tests.support.matrix_people import body
from tests.support.synapse_server import Synapse

# About Matrix, not the database.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


async def _queue(db: Database, user_id: int, room: str, *texts: str) -> None:
    """Messages for her through the one outbox, as a relay or a reminder queues them: to
    her chat as the database has it."""
    async with db.transaction():
        for text in texts:
            await db.outbox.enqueue(
                "matrix", room, encode(Message(Markup(text))), recipient_id=user_id
            )


async def _deliver_all(db: Database, worker: OutboxWorker) -> None:
    """Rounds of the outbox worker until nothing is waiting (a hang detector, not a speed
    bound: a message tried again waits its back-off)."""
    deadline = asyncio.get_running_loop().time() + HANG
    while await db.outbox.pending():
        assert asyncio.get_running_loop().time() < deadline, "the outbox never emptied"
        await worker.run_once()
        await asyncio.sleep(0.1)


async def _left(eva: EncryptedPerson, bot: Bot, synapse: Synapse, room: str) -> None:
    """She leaves (or rejects) ``room``; returns once the bot has taken that in."""
    assert isinstance(await eva.client.room_leave(room), nio.RoomLeaveResponse)
    await all_synced(synapse, bot)


async def test_what_is_queued_for_someone_who_left_reaches_her_in_a_new_chat(
    eva: EncryptedPerson, matrix_bot: Bot, synapse: Synapse, db: Database
):
    room = await onboard(eva, matrix_bot, "2")  # English
    user = await db.users.find("matrix", eva.user_id)
    assert user is not None and user.chat_id == room
    transport = matrix_bot.transport
    assert transport is not None
    worker = OutboxWorker(db, [transport], on_closed=matrix_bot.dispatcher.ports.chats.refused)
    await _left(eva, matrix_bot, synapse, room)

    # Two messages for her while she is gone: one new chat, both in it, in order, once.
    await _queue(db, user.id, room, "Vera: I am on my way", "Vera: at the door in 5")
    await _deliver_all(db, worker)
    again = await eva.next_invitation()
    assert again != room
    mark = len(eva.received)
    await eva.join(again)
    await eva.wait_for(lambda e: "door" in body(e) and e["room"] == again, after=0)
    said = [body(e) for r, e in eva.received if r == again and e["sender"] != eva.user_id]
    # First, once, in her language (English, not the city's German): why this chat is
    # there and how to stop it; then what was queued.
    why = str(translator("en").t(REOPENED))
    assert said[:3] == [why, "Vera: I am on my way", "Vera: at the door in 5"], said
    assert said.count(why) == 1
    # End-to-end encrypted as the chat she left, and a direct chat to her client.
    stored = synapse.stored_events(again)
    assert any(e["type"] == "m.room.encryption" for e in stored)
    assert {e["type"] for e in stored if "state_key" not in e} == {"m.room.encrypted"}, [
        (e["sender"], e["content"]) for e in stored if e["type"] == "m.room.message"
    ]
    # The new chat is hers: she writes in it and is answered there.
    await eva.say(again, "!help")
    await eva.wait_for(lambda e: "!menu" in body(e) and e["room"] == again, after=mark)

    # She leaves that one too, and rejects the next invitation: her chat is closed, as
    # a blocked bot's on Telegram, and nothing more invites her.
    await _left(eva, matrix_bot, synapse, again)
    await _queue(db, user.id, again, "Vera: where are you?")
    await _deliver_all(db, worker)
    third = await eva.next_invitation()
    await _left(eva, matrix_bot, synapse, third)
    closed = await db.users.find("matrix", eva.user_id)
    assert closed is not None and closed.chat_id == ""
    await _queue(db, user.id, again, "Vera: hello?")
    await _deliver_all(db, worker)
    await all_synced(synapse, matrix_bot)
    await eva.caught_up()
    # (nio keeps an invitation its person rejected among its invited rooms)
    assert set(eva.client.invited_rooms) <= {third}

    # She writes again herself: served as ever, and her chat is hers again.
    latest = await eva.dm(matrix_bot.user_id)
    await eva.say(latest, "!help")
    await eva.wait_for(lambda e: "!menu" in body(e) and e["room"] == latest, after=mark)
    back = await db.users.find("matrix", eva.user_id)
    assert back is not None and back.chat_id == latest

    # What the bot keeps of the chats she left names her: shown with her data, erased
    # with her.
    kept = {row["key"] for row in (await db.data_rights.export(back))["matrix_room"]}
    assert {f"matrix.room:{room}", f"matrix.room:{again}"} <= kept

    async def nothing_running() -> None:
        return None

    async with db.transaction():
        await db.data_rights.erase(back, nothing_running)
    rows = await fetch_all(db.transactions, "SELECT key, value FROM transport_state", ())
    assert not [key for key, value in rows if eva.user_id in key + value]
