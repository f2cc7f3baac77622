"""The bot's device is cross-signed by the bot's own identity (master key → self-signing
key → device), so that people whose clients accept only cross-signed devices can talk with
it. Against the real Synapse; the person's client checks the signatures with its own code
(tests/support/cross_signing.py), not the bot's."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.transports.matrix import cross_signing
from db import Database
from handlers.settings import HandlerSettings
from tests.support.cross_signing import cross_signed_devices, query_keys
from tests.support.matrix_bot import BOT_NUMBERS, Bot
from tests.support.matrix_encrypted_people import EncryptedPerson
from tests.support.matrix_people import body
from tests.support.synapse_server import Synapse

# About Matrix, not the database: SQLite is enough (the failover test runs on PostgreSQL).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
async def careful(synapse: Synapse) -> AsyncIterator[EncryptedPerson]:
    """A person whose client exchanges keys only with cross-signed devices."""
    person = EncryptedPerson(synapse, "careful", cross_signed_only=True)
    await person.start()
    yield person
    await person.stop()


async def _master_key(synapse: Synapse, person: EncryptedPerson, user: str) -> str:
    answer = await query_keys(synapse.url, person.client.access_token, [user])
    return json.dumps(answer["master_keys"][user]["keys"])


async def test_a_person_who_trusts_only_cross_signed_devices_talks_with_the_bot(
    careful: EncryptedPerson, synapse: Synapse, db: Database, caplog
):
    caplog.set_level(logging.DEBUG)
    bot = Bot(synapse, db, HandlerSettings())
    await bot.start()
    try:
        assert bot.transport is not None and bot.transport.client is not None
        device = bot.transport.client.device_id
        # Her client's own check: the bot's device is signed by the bot's identity.
        answer = await query_keys(synapse.url, careful.client.access_token, [bot.user_id])
        assert device in cross_signed_devices(answer, bot.user_id)
        assert await cross_signing.cross_signing_status(bot.transport.client) == (
            True,
            cross_signing.SIGNED,
        )
        bot.transport.config = replace(bot.transport.config, greeting_wait_seconds=600)
        room = await careful.dm_like_element_x(bot.user_id, "Hallo")
        await careful.wait_for(lambda e: "1️⃣" in body(e) and e["room"] == room)
        mark = len(careful.received)
        await careful.say(room, "3")
        await careful.wait_for(lambda e: "🔒" in body(e), after=mark)
        assert not careful.dropped
        master = await _master_key(synapse, careful, bot.user_id)
        # Restarted, the bot keeps its identity: the same master key, no new one.
        await bot.stop()
        await bot.start()
        assert await _master_key(synapse, careful, bot.user_id) == master
    finally:
        await bot.stop()
    # The identity's private keys are secrets: never in the log.
    saved = json.loads(await db.transport_state.get(cross_signing.KEY) or "{}")
    assert saved["master"] and saved["self_signing"]
    for seed in (saved["master"], saved["self_signing"]):
        assert seed not in caplog.text


async def test_a_refused_signature_is_not_taken_for_a_signed_device(
    synapse: Synapse, db: Database, monkeypatch
):
    """The homeserver answers 200 to a signature it refuses: its ``failures`` decide."""
    real_sign = cross_signing.Identity.sign

    def bad_device_signature(self, key, obj):
        signed = real_sign(self, key, obj)
        if "device_id" in obj:
            for key_id in signed["signatures"][self.user_id]:
                signed["signatures"][self.user_id][key_id] = "A" * 86
        return signed

    monkeypatch.setattr(cross_signing.Identity, "sign", bad_device_signature)
    bot = Bot(synapse, db, HandlerSettings())
    await bot.start()
    try:
        assert bot.transport is not None and bot.transport.client is not None
        client = bot.transport.client
        outcome = await cross_signing.ensure_cross_signed(client, bot.config, db.transport_state)
        assert outcome != cross_signing.SIGNED and "refused" in outcome
        signed, _ = await cross_signing.cross_signing_status(client)
        assert signed is False
    finally:
        await bot.stop()


async def test_replacing_an_identity_needs_the_password(synapse: Synapse, db: Database):
    """The account already has an identity the bot has no keys of (set up elsewhere, or its
    saved keys lost): a token alone cannot replace it, and the bot says why; with the
    password it replaces it and signs its device."""
    registration = synapse.register(f"xsbot{next(BOT_NUMBERS)}", password="xs-password")
    bot = Bot(synapse, db, HandlerSettings(), registration)
    await bot.start()
    try:
        assert bot.transport is not None and bot.transport.client is not None
        client = bot.transport.client
        await db.transport_state.delete(cross_signing.KEY)  # the saved identity is gone
        outcome = await cross_signing.ensure_cross_signed(client, bot.config, db.transport_state)
        assert outcome.startswith("the account has another identity")
        assert "password" in outcome
        with_password = replace(bot.config, password="xs-password")
        outcome = await cross_signing.ensure_cross_signed(client, with_password, db.transport_state)
        assert outcome == cross_signing.SIGNED
        assert (await cross_signing.cross_signing_status(client))[0] is True
    finally:
        await bot.stop()
