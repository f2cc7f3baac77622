"""A stranger who shares no room with the bot floods its device with room keys for made-up
rooms (Olm-encrypted to-device messages, as any Matrix user can send): the bot's key store
keeps at most the bound (bot/transports/matrix/stranger_keys.py), in memory and in the
store file that is saved to the database - while an Element X direct chat, whose room key
arrives before its invite is handled, still decrypts. Against the real Synapse."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import nio
import pytest
from nio.crypto import OutboundGroupSession

from bot.transports.matrix import stranger_keys
from tests.support.matrix_bot import Bot
from tests.support.matrix_encrypted_people import MEGOLM, EncryptedPerson
from tests.support.matrix_people import body
from tests.support.synapse_server import Synapse

MADE_UP = "!made-up-"


@pytest.fixture
async def people(synapse: Synapse) -> AsyncIterator[list[EncryptedPerson]]:
    started: list[EncryptedPerson] = []
    yield started
    for person in started:
        await person.stop()


async def _person(people: list[EncryptedPerson], synapse: Synapse, name: str) -> EncryptedPerson:
    person = EncryptedPerson(synapse, name)
    await person.start()
    people.append(person)
    return person


async def _send_room_keys(
    stranger: EncryptedPerson, bot: Bot, count: int, *, new_session_each: bool = False
) -> list[str]:
    """``count`` room keys for made-up rooms, each in its own Olm message to the bot's
    device (``new_session_each``: each over an Olm session of its own); their session
    ids, oldest first."""
    assert bot.transport is not None and bot.transport.client is not None
    bot_device = bot.transport.client.device_id
    await stranger.wait_for_keys_of(bot.user_id)
    client = stranger.client
    assert client.olm is not None
    async with stranger._crypto:
        client.olm.users_for_key_query.add(bot.user_id)
        await client.keys_query()
    device = client.olm.device_store[bot.user_id][bot_device]
    ids = []
    for n in range(count):
        if n == 0 or new_session_each:
            session = await _new_session(stranger, bot.user_id, bot_device, device.curve25519)
        group = OutboundGroupSession()
        content = {
            "algorithm": MEGOLM,
            "room_id": f"{MADE_UP}{n}:example.org",
            "session_id": group.id,
            "session_key": group.session_key,
        }
        encrypted = client.olm._olm_encrypt(session, device, "m.room_key", content)
        message = nio.ToDeviceMessage("m.room.encrypted", bot.user_id, bot_device, encrypted)
        assert isinstance(await client.to_device(message), nio.ToDeviceResponse)
        ids.append(group.id)
    return ids


async def _new_session(stranger: EncryptedPerson, user: str, device: str, curve: str) -> Any:
    """A new Olm session to the bot's device, on one of its one-time keys."""
    olm = stranger.client.olm
    assert olm is not None
    before = {s.id for s in olm.session_store[curve]}
    async with stranger._crypto:
        await stranger.client.keys_claim({user: [device]})
    return next(s for s in olm.session_store[curve] if s.id not in before)


def _made_up_in_memory(bot: Bot) -> set[str]:
    assert bot.transport is not None and bot.transport.client is not None
    olm = bot.transport.client.olm
    assert olm is not None
    return {s.id for s in olm.inbound_group_store if s.room_id.startswith(MADE_UP)}


def _made_up_in_file(bot: Bot) -> set[str]:
    assert bot.transport is not None and bot.transport.client is not None
    store = bot.transport.client.olm.store  # type: ignore[union-attr]
    path = store.database.database
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT session_id FROM megolminboundsessions WHERE room_id LIKE ?", (MADE_UP + "%",)
        ).fetchall()
    return {row[0] for row in rows}


def _beyond_the_hours_olm_budget(bot: Bot) -> None:
    """The stranger's Olm messages all handled now, not held for the next hour
    (decrypt_budget.py, [matrix] olm_per_stranger): what is judged here is the bound on what
    they store."""
    assert bot.transport is not None
    budget = bot.transport.shared.budget
    budget.limits = replace(budget.limits, olm_per_stranger=1000, olm_strangers=1000)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_strangers_room_keys_are_bounded_and_a_new_chat_still_decrypts(
    people: list[EncryptedPerson], matrix_bot: Bot, synapse: Synapse
):
    _beyond_the_hours_olm_budget(matrix_bot)
    stranger = await _person(people, synapse, "mallory")
    sent = await _send_room_keys(stranger, matrix_bot, stranger_keys.PER_SENDER_ROOM_KEYS + 15)
    newest = sent[-stranger_keys.PER_SENDER_ROOM_KEYS :]
    # A hang detector (1,200 tries of 50 ms): until the bot handled the flood, i.e. holds
    # the newest key, and has pruned; without the bound all 35 stay and this never holds.
    for _ in range(1200):
        if _made_up_in_memory(matrix_bot) == set(newest):
            break
        await asyncio.sleep(0.05)
    assert _made_up_in_memory(matrix_bot) == set(newest)
    # The store file the checkpoint saves holds no more than that either.
    assert _made_up_in_file(matrix_bot) <= set(newest)

    # Someone new opens an encrypted chat the way Element X does, its first message's key
    # arriving with the invite: it decrypts and is answered.
    eva = await _person(people, synapse, "eva")
    assert matrix_bot.transport is not None
    matrix_bot.transport.config = replace(matrix_bot.transport.config, greeting_wait_seconds=600)
    room = await eva.dm_like_element_x(matrix_bot.user_id, "Hallo")
    await eva.wait_for(lambda e: "1️⃣" in body(e) and e["room"] == room)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_strangers_olm_sessions_are_bounded(
    people: list[EncryptedPerson], matrix_bot: Bot, synapse: Synapse
):
    stranger = await _person(people, synapse, "mallory")
    count = stranger_keys.PER_SENDER_SESSIONS + 5
    sent = await _send_room_keys(stranger, matrix_bot, count, new_session_each=True)
    assert matrix_bot.transport is not None and matrix_bot.transport.client is not None
    olm = matrix_bot.transport.client.olm
    assert olm is not None
    curve = stranger.client.olm.account.identity_keys["curve25519"]  # type: ignore[union-attr]

    def handled_and_bounded() -> bool:
        # The last key came over the newest session: it was handled; then at most the
        # bound of the stranger's sessions is left (without the bound all 15 stay).
        return (
            sent[-1] in _made_up_in_memory(matrix_bot)
            and len(olm.session_store[curve]) <= stranger_keys.PER_SENDER_SESSIONS
        )

    for _ in range(1200):  # a hang detector (50 ms each), not a speed bound
        if handled_and_bounded():
            break
        await asyncio.sleep(0.05)
    assert handled_and_bounded()
    assert len(olm.session_store[curve]) == stranger_keys.PER_SENDER_SESSIONS


def test_the_bounds_drop_each_senders_oldest_then_the_oldest_of_all():
    # Oldest first: six of "a", then one each of "b" to "e" (hold the bounds 3 and 5).
    owned = [("a", f"a{n}") for n in range(6)] + [(s, f"{s}0") for s in "bcde"]
    dropped = stranger_keys.beyond_bounds(owned, per_sender=3, overall=5)
    # "a" keeps its newest three; of the seven left, the two oldest go too.
    assert dropped == ["a0", "a1", "a2", "a3", "a4"]
    assert stranger_keys.beyond_bounds(owned, per_sender=10, overall=20) == []


def test_the_key_store_is_walked_only_after_a_change_and_at_most_every_few_seconds(
    monkeypatch,
):
    """A sync that brought no Olm message, no change of who shares a room with the bot
    and no new reading of device owners walks nothing; a flood walks once per
    ``PRUNE_SECONDS``, and what came meanwhile is pruned by the next walk due."""
    walks: list[set[str]] = []
    monkeypatch.setattr(stranger_keys, "prune", lambda client, sharing: walks.append(sharing))
    now = [100.0]
    pruning = stranger_keys.Pruning(clock=lambda: now[0])
    room = SimpleNamespace(users={"@bot:x": None, "@eva:x": None})
    client = SimpleNamespace(user_id="@bot:x", rooms={"!a:x": room}, invited_rooms={})

    def sync(*, olm_message: bool = False, seconds: float = 1.0) -> int:
        now[0] += seconds
        client.keys_changed = client.__dict__.get("keys_changed", True) or olm_message
        before = len(walks)
        pruning.prune_if_due(client)
        return len(walks) - before

    assert sync() == 1  # the first after taking the role: whatever the store holds
    assert [sync() for _ in range(5)] == [0] * 5  # quiet syncs walk nothing
    assert sync(olm_message=True, seconds=stranger_keys.PRUNE_SECONDS) == 1
    # A flood: an Olm message in every sync, one walk per PRUNE_SECONDS.
    flood = [sync(olm_message=True) for _ in range(3 * int(stranger_keys.PRUNE_SECONDS))]
    assert sum(flood) == 3
    # The flood ends between two walks: the first quiet sync after the pause still walks.
    assert sync(olm_message=True) == 0
    assert sync(seconds=stranger_keys.PRUNE_SECONDS) == 1
    assert sync(seconds=stranger_keys.PRUNE_SECONDS) == 0
    # Eva left the bot's only room: her keys count as a stranger's now.
    room.users = {"@bot:x": None}
    assert sync(seconds=stranger_keys.PRUNE_SECONDS) == 1
    assert walks[-1] == {"@bot:x"}


def test_a_walk_that_failed_is_made_again_without_a_new_change(monkeypatch):
    """The transport logs a failed walk and goes on ("tried again after the next sync"):
    the change that made it due is not lost with it, the next walk due comes all the same."""
    walks: list[set[str]] = []

    def failing_once(client: Any, sharing: set[str]) -> int:
        walks.append(sharing)
        if len(walks) == 1:
            raise sqlite3.OperationalError("database is locked")
        return 0

    monkeypatch.setattr(stranger_keys, "prune", failing_once)
    now = [100.0]
    pruning = stranger_keys.Pruning(clock=lambda: now[0])
    client = SimpleNamespace(user_id="@bot:x", rooms={}, invited_rooms={}, keys_changed=True)
    with pytest.raises(sqlite3.OperationalError):
        pruning.prune_if_due(client)
    now[0] += stranger_keys.PRUNE_SECONDS
    pruning.prune_if_due(client)  # no Olm message since, nobody joined or left
    assert len(walks) == 2
    now[0] += stranger_keys.PRUNE_SECONDS
    pruning.prune_if_due(client)
    assert len(walks) == 2  # done: nothing due any more
