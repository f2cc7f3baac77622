"""Matrix as people use it today: end-to-end encrypted direct chats created the way Element X
creates them, against the real Synapse, with an independent encrypting client per person
(tests/support/matrix_encrypted_people.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import nio
import pytest

from db import Database
from db.transport_state import UNDECRYPTED
from handlers.settings import HandlerSettings
from locales import translator
from tests.support.matrix_bot import Bot
from tests.support.matrix_encrypted_people import EncryptedPerson, stored_text
from tests.support.matrix_people import body
from tests.support.synapse_server import Synapse


@pytest.fixture
async def eva(synapse: Synapse) -> AsyncIterator[EncryptedPerson]:
    person = EncryptedPerson(synapse, "eva")
    await person.start()
    yield person
    await person.stop()


def _greetings(person: EncryptedPerson, room: str) -> list[dict]:
    hello = translator("de")._("👋")
    return [e for r, e in person.received if r == room and body(e).startswith(hello)]


async def _onboard_encrypted(person: EncryptedPerson, bot: Bot, first: str = "Hallo") -> str:
    """Element X's way in: the chat is created with its first message; the bot greets once,
    the person types a language's number and agrees by reacting."""
    # However slow this machine is, the first message comes before the greeting's moment.
    assert bot.transport is not None
    bot.transport.config = replace(bot.transport.config, greeting_wait_seconds=600)
    room = await person.dm_like_element_x(bot.user_id, first)
    await person.wait_for(lambda e: "1️⃣" in body(e) and e["room"] == room)
    mark = len(person.received)
    await person.say(room, "3")  # English
    notice = await person.wait_for(lambda e: "🔒" in body(e), after=mark)
    mark = len(person.received)
    await person.react(room, notice["event_id"], "1️⃣")
    await person.wait_for(lambda e: "🏠" in body(e), after=mark)
    return room


async def _bot_devices(synapse: Synapse, bot: Bot) -> list[str]:
    client = nio.AsyncClient(synapse.url, bot.user_id)
    client.user_id, client.access_token = bot.user_id, bot.config.access_token or ""
    try:
        response = await client.devices()
        assert isinstance(response, nio.DevicesResponse), response
        return sorted(device.id for device in response.devices)
    finally:
        await client.close()


async def test_an_element_x_chat_is_greeted_once_and_stays_encrypted(
    eva: EncryptedPerson, matrix_bot: Bot, synapse: Synapse
):
    room = await _onboard_encrypted(eva, matrix_bot)
    # The invite and "Hallo" came together: one greeting, not two.
    assert len([e for r, e in eva.received if r == room and "1️⃣" in body(e)]) >= 1
    pickers = [e for r, e in eva.received if r == room and "Deutsch" in body(e)]
    assert len(pickers) == 1, [body(e)[:40] for e in pickers]
    # Everything the bot said was decrypted by Eva's own client...
    assert all(e.get("decrypted", True) for _, e in eva.received)
    mark = len(eva.received)
    await eva.say(room, "!help")
    listing = await eva.wait_for(lambda e: "!menu" in body(e), after=mark)
    # ...and the homeserver holds none of it in plain text, neither hers nor the bot's.
    stored = synapse.stored_events(room)
    kinds = {e["type"] for e in stored if e.get("sender") != "" and "state_key" not in e}
    assert kinds <= {"m.room.encrypted", "m.reaction"}, kinds
    text = stored_text(stored)
    for words in ("Hallo", "!help", body(listing)[:20], body(pickers[0])[:20]):
        assert words not in text


async def test_a_message_whose_key_comes_late_is_answered_once(
    eva: EncryptedPerson, matrix_bot: Bot
):
    room = await _onboard_encrypted(eva, matrix_bot)
    mark = len(eva.received)
    event_id = await eva.say_withholding_key(room, "!help")
    # The bot has the message but not its key: it keeps it (and asks Eva's devices).
    waiting = UNDECRYPTED + room
    await _until(lambda: _holds(matrix_bot.db, waiting, event_id))
    assert not [e for _, e in eva.received[mark:] if "!menu" in body(e)]
    # The key comes: the message is answered, once.
    await eva.share_withheld_keys(room)
    await eva.wait_for(lambda e: "!menu" in body(e), after=mark)
    await eva.say(room, "!start")
    await eva.wait_for(lambda e: "🏠" in body(e), after=mark)
    assert len([e for _, e in eva.received[mark:] if "!menu" in body(e)]) == 1
    assert await matrix_bot.db.transport_state.get(waiting) is None


async def _holds(db: Database, key: str, event_id: str) -> bool:
    return event_id in (await db.transport_state.get(key) or "")


async def _until(condition, tries: int = 1200) -> None:
    """Polls a condition (a hang detector: 1,200 tries of 50 ms, not a speed bound)."""
    for _ in range(tries):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition never held")


async def test_after_a_restart_the_same_device_reads_the_same_chat(
    eva: EncryptedPerson, synapse: Synapse, db: Database
):
    bot = Bot(synapse, db, HandlerSettings())
    await bot.start()
    try:
        room = await _onboard_encrypted(eva, bot)
        devices = await _bot_devices(synapse, bot)
        await bot.stop()
        # Eva writes while the bot is down; the room key it needs is in the database.
        mark = len(eva.received)
        await eva.say(room, "!help")
        await bot.start()
        assert bot.transport is not None
        bot.transport.config = replace(bot.transport.config, greeting_wait_seconds=600)
        await eva.wait_for(lambda e: "!menu" in body(e), after=mark)
        mark = len(eva.received)
        await eva.say(room, "!start")
        await eva.wait_for(lambda e: "🏠" in body(e), after=mark)
        assert await _bot_devices(synapse, bot) == devices
    finally:
        await bot.stop()
