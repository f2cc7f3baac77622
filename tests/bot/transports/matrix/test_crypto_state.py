"""One writer of the bot's Matrix keys, against the real Synapse with an encrypting person.

- An Olm session's step that left the process is in the database before it leaves: a
  process killed right after sending room keys is followed by one that goes on from the
  next step, not from a step the person's device already used (which it could not
  decrypt, and with it every message under that room key).
- A process that finds another holding the role sends nothing more and saves nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from bot.transports.matrix.parts import Retired
from db import Database
from db.transport_state import NotHolder
from handlers.settings import HandlerSettings
from tests.support.matrix_bot import Bot
from tests.support.matrix_encrypted_people import EncryptedPerson
from tests.support.matrix_people import body
from tests.support.synapse_server import Synapse


@pytest.fixture
async def olga(synapse: Synapse) -> AsyncIterator[EncryptedPerson]:
    person = EncryptedPerson(synapse, "olga")
    await person.start()
    yield person
    await person.stop()


async def _kill(bot: Bot) -> None:
    """The process ends without a word: no checkpoint, no goodbye (as by SIGKILL)."""
    transport = bot.transport
    assert transport is not None
    if transport._task is not None:
        transport._task.cancel()
        with contextlib.suppress(BaseException):
            await transport._task
    for client in {transport.client, transport.shared.plain}:
        if client is not None:
            await client.close()
    if transport._crypto is not None:
        transport._crypto.remove()
    bot.transport = None


async def _no_checkpoints(*_args, **_kwargs) -> None:
    """The sync loop's checkpoint never comes (the kill is before the next sync ends)."""


async def test_killed_right_after_sending_room_keys_the_next_holder_is_read(
    olga: EncryptedPerson, synapse: Synapse, db: Database
):
    bot = Bot(synapse, db, HandlerSettings())
    await bot.start()
    room = await olga.dm_like_element_x(bot.user_id, "!help")
    await olga.wait_for(lambda e: "!menu" in body(e) and e["room"] == room)
    # A clean stop: the Olm session with Olga's device is saved as it is.
    await bot.stop()

    # The next holder shares a new room key through that Olm session, then dies before
    # any sync of its own is saved.
    transport = await bot.start()
    transport._checkpoint = _no_checkpoints  # type: ignore[method-assign]
    mark = len(olga.received)
    await olga.say(room, "!help")
    await olga.wait_for(lambda e: "!menu" in body(e), after=mark)
    await _kill(bot)

    # The one after it shares its own room key through the same Olm session: Olga's
    # device must be able to read it.
    await bot.start()
    try:
        mark = len(olga.received)
        await olga.say(room, "!help")
        await olga.wait_for(lambda e: "!menu" in body(e), after=mark)
    finally:
        await bot.stop()


async def test_a_process_that_lost_the_role_sends_and_saves_nothing(
    olga: EncryptedPerson, synapse: Synapse, db: Database
):
    """Another process takes the role (a new fencing token) while this one still syncs: at
    its next checkpoint it finds out, stops sending at once, and its keys are not written
    over the new holder's."""
    bot = Bot(synapse, db, HandlerSettings())
    transport = await bot.start()
    try:
        room = await olga.dm_like_element_x(bot.user_id, "!help")
        await olga.wait_for(lambda e: "!menu" in body(e) and e["room"] == room)
        assert transport.client is not None and transport._crypto is not None
        user_id, device_id = transport.client.user_id, transport.client.device_id
        await db.transport_state.take_holder("another process")
        saved = await db.transport_state.crypto_store(user_id, device_id)
        await olga.say(room, "!help")
        # Olga's message is the next sync's news; the checkpoint after it is refused.
        for _ in range(600):  # a hang detector of a minute, not a speed bound
            if not transport.delivering:
                break
            await asyncio.sleep(0.1)
        assert not transport.delivering and transport.client.retired
        with pytest.raises(NotHolder):
            await transport._crypto.save(user_id, device_id, "a token")
        assert await db.transport_state.crypto_store(user_id, device_id) == saved
        # Nothing more leaves this process, not even a sync.
        with pytest.raises(Retired):
            await transport.client.sync(timeout=0)
    finally:
        await bot.stop()
    assert await db.transport_state.crypto_store(user_id, device_id) == saved
