"""The bot's device is cross-signed by the bot's own identity (master key → self-signing
key → device), so that people whose clients accept only cross-signed devices can talk with
it. Against the real Synapse; the person's client checks the signatures with its own code
(tests/support/cross_signing.py), not the bot's."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from bot.config import MatrixSection
from bot.transports.matrix import MatrixTransport, cross_signing
from bot.transports.matrix.key_vault import KeyUnavailable, is_sealed, open_text, store_key
from bot.transports.matrix.transport import CrossSigningTries
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support.cli import matrix_config, run_bot
from tests.support.cross_signing import (
    canonical_json,
    cross_signed_devices,
    public_key,
    query_keys,
    unpadded_b64,
    upload_identity,
)
from tests.support.keys_proxy import KeysProxy
from tests.support.matrix_bot import BOT_NUMBERS, Bot
from tests.support.matrix_encrypted_people import EncryptedPerson
from tests.support.matrix_people import body
from tests.support.synapse_server import Synapse


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
    # The identity's private keys are secrets: never in the log, and sealed in the
    # database with the installation's key, which is kept outside it.
    stored = await db.transport_state.get(cross_signing.KEY) or ""
    assert is_sealed(stored)
    saved = json.loads(open_text(store_key(bot.config), stored, cross_signing.SEEDS))
    assert saved["master"] and saved["self_signing"]
    for seed in (saved["master"], saved["self_signing"]):
        assert seed not in caplog.text and seed not in stored


async def test_seeds_saved_before_sealing_are_sealed_and_another_key_makes_no_identity(
    synapse: Synapse, db: Database
):
    """An installation from before sealing keeps its identity, sealed from now on. A key
    that does not open the seeds is an error, never a reason to make a new identity."""
    bot = Bot(synapse, db, HandlerSettings())
    await bot.start()
    try:
        assert bot.transport is not None and bot.transport.client is not None
        client = bot.transport.client
        state = db.transport_state
        key = store_key(bot.config)
        plain = open_text(key, await state.get(cross_signing.KEY) or "", cross_signing.SEEDS)
        await state.set(cross_signing.KEY, plain)  # as an older version saved it
        assert await cross_signing.ensure_cross_signed(client, bot.config, state) == (
            cross_signing.SIGNED
        )
        assert is_sealed(await state.get(cross_signing.KEY) or "")
        sealed = await state.get(cross_signing.KEY)

        other = replace(bot.config, store_key=base64.b64encode(os.urandom(32)).decode())
        with pytest.raises(KeyUnavailable):
            await cross_signing.ensure_cross_signed(client, other, state)
        assert await state.get(cross_signing.KEY) == sealed
        signed, why = await cross_signing.cross_signing_status(client, state, other)
        assert signed is False and "cannot be opened" in why
    finally:
        await bot.stop()


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


async def test_a_lost_identity_is_not_replaced_even_with_the_password(
    synapse: Synapse, db: Database
):
    """The account has an identity the bot has no keys of any more (its saved identity
    lost): the bot does not upload a new one over it, with or without the password - every
    person would be told that the bot's identity changed. It says why instead."""
    registration = synapse.register(f"xsbot{next(BOT_NUMBERS)}", password="xs-password")
    bot = Bot(synapse, db, HandlerSettings(), registration)
    await bot.start()
    try:
        assert bot.transport is not None and bot.transport.client is not None
        client = bot.transport.client
        before = await query_keys(synapse.url, registration["access_token"], [bot.user_id])
        await db.transport_state.delete(cross_signing.KEY)  # the saved identity is gone
        with_password = replace(bot.config, password="xs-password")
        for config in (bot.config, with_password):
            outcome = await cross_signing.ensure_cross_signed(client, config, db.transport_state)
            assert outcome == cross_signing.ANOTHER_IDENTITY
        after = await query_keys(synapse.url, registration["access_token"], [bot.user_id])
        assert after["master_keys"] == before["master_keys"]
        assert await cross_signing.cross_signing_status(client, db.transport_state, bot.config) == (
            False,
            cross_signing.ANOTHER_IDENTITY,
        )
    finally:
        await bot.stop()


# -- what a homeserver says is checked, never trusted ------------------------------------
def _forged_device(user_id: str, device_id: str, key: Ed25519PrivateKey) -> dict:
    """A device object under ``device_id`` with someone else's keys, validly self-signed
    by that someone (what a malicious homeserver would hand the bot to sign)."""
    public = unpadded_b64(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    device = {
        "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
        "device_id": device_id,
        "user_id": user_id,
        "keys": {
            f"ed25519:{device_id}": public,
            f"curve25519:{device_id}": unpadded_b64(os.urandom(32)),
        },
    }
    signature = unpadded_b64(key.sign(canonical_json(device)))
    return {**device, "signatures": {user_id: {f"ed25519:{device_id}": signature}}}


async def test_the_bot_signs_its_own_device_and_nothing_a_homeserver_hands_it(
    synapse: Synapse, db: Database
):
    """A lying homeserver puts an attacker's keys under the bot's device id and adds a
    device of its own to the bot's account: the bot signs neither. Told the truth again,
    it signs exactly its own device, as its Olm account made it."""
    proxy = KeysProxy(synapse.url)
    await proxy.start()
    bot = Bot(synapse, db, HandlerSettings())
    bot.config = replace(bot.config, homeserver=proxy.url)
    attacker = Ed25519PrivateKey.generate()

    def lie(answer: dict) -> dict:
        devices = answer.get("device_keys", {}).get(bot.user_id)
        if devices is not None:
            for device_id in list(devices):
                devices[device_id] = _forged_device(bot.user_id, device_id, attacker)
            devices["EVILDEVICE"] = _forged_device(bot.user_id, "EVILDEVICE", attacker)
        return answer

    proxy.rewrite = lie
    try:
        await bot.start()
        assert bot.transport is not None and bot.transport.client is not None
        client = bot.transport.client
        assert proxy.signed_devices() == []
        outcome = await cross_signing.ensure_cross_signed(client, bot.config, db.transport_state)
        assert outcome == cross_signing.NOT_OWN_DEVICE
        assert proxy.signed_devices() == []

        proxy.rewrite = None
        outcome = await cross_signing.ensure_cross_signed(client, bot.config, db.transport_state)
        assert outcome == cross_signing.SIGNED
        assert client.olm is not None
        own = client.olm.account.identity_keys
        device_id = client.device_id
        assert [device["keys"] for device in proxy.signed_devices()] == [
            {f"ed25519:{device_id}": own["ed25519"], f"curve25519:{device_id}": own["curve25519"]}
        ]
    finally:
        await bot.stop()
        await proxy.stop()


@pytest.mark.parametrize(
    "answer",
    [
        {"device_keys": {"@x:localhost": []}, "master_keys": "oops"},
        {"master_keys": {"@x:localhost": {"keys": ["a"], "signatures": "b"}}},
        {"self_signing_keys": {"@x:localhost": {"keys": {"k": 1}, "signatures": {"@x": []}}}},
    ],
)
def test_answers_of_another_shape_are_keys_not_there(answer):
    """Not an object where the spec has one: no key, no signature, and no exception."""
    assert cross_signing.listed_device(answer, "@x:localhost", "D") is None
    for usage in ("master", "self_signing"):
        held = answer.get(f"{usage}_keys")
        key_object = held.get("@x:localhost") if isinstance(held, dict) else held
        assert cross_signing.only_key(key_object) is None
        assert not cross_signing.signed_by(key_object, "@x:localhost", "AAAA")
    assert not cross_signing.is_another_identity(answer, None, "@x:localhost") or isinstance(
        answer.get("master_keys"), dict
    )


async def test_cross_signing_that_failed_is_tried_again(
    synapse: Synapse, db: Database, monkeypatch
):
    """The homeserver refuses the device's signature once: the bot does not take that
    for its last word, and signs the device at a later try while it runs."""
    monkeypatch.setattr(CrossSigningTries, "FIRST", 0.2)
    real_request = cross_signing._request
    refused: list[str] = []

    async def refuse_once(client, path, body):
        if path == "keys/signatures/upload" and not refused:
            refused.append(path)
            return 500, {"errcode": "M_UNKNOWN"}
        return await real_request(client, path, body)

    monkeypatch.setattr(cross_signing, "_request", refuse_once)
    bot = Bot(synapse, db, HandlerSettings())
    await bot.start()
    try:
        assert refused
        assert bot.transport is not None and bot.transport.client is not None
        for _ in range(600):  # a hang detector of a minute, not a speed bound
            if (await cross_signing.cross_signing_status(bot.transport.client))[0]:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the bot never tried again")
        assert await db.transport_state.get(cross_signing.OUTCOME) == cross_signing.SIGNED
    finally:
        await bot.stop()


def _cli(server_url: str, user_id: str, database: Path, tmp: Path, *args: str) -> str:
    """``python -m bot`` as the operator runs it, on the bot's database."""
    result = run_bot(
        "--config",
        str(matrix_config(tmp, database, server_url, user_id)),
        *args,
        env={"NACHBARBOT_MATRIX__PASSWORD": "identity-password"},
    )
    assert "identity-password" not in result.stdout + result.stderr
    return f"exit {result.returncode}\n{result.stdout}"


async def test_an_identity_on_the_account_is_replaced_only_by_the_operator(
    synapse: Synapse, tmp_path: Path, monkeypatch
):
    """Someone set up cross-signing in Element on the bot's account. The bot, though it
    has the password, leaves that identity alone and says so; ``doctor`` names it; the
    operator's ``python -m bot matrix replace-identity`` replaces it, and the running bot
    then signs its device with its own identity."""
    monkeypatch.setattr(CrossSigningTries, "FIRST", 0.2)
    registration = synapse.register(f"xsbot{next(BOT_NUMBERS)}", password="identity-password")
    user_id = registration["user_id"]
    element = await upload_identity(
        synapse.url, user_id, registration["access_token"], "identity-password"
    )
    element_master = public_key(element.master)
    database = tmp_path / "bot.sqlite3"
    # The key beside the database, where the operator's commands look for it too.
    config = MatrixSection(
        homeserver=synapse.url,
        user_id=user_id,
        password="identity-password",
        sync_timeout=1,
        key_file=str(tmp_path / "bot.matrix-key"),
    )
    db = await Database.open(database)
    transport = MatrixTransport(Dispatcher(db, build_router(), HandlerSettings()).ports, db, config)
    try:
        await transport.start()
        await asyncio.wait_for(transport.keys_published.wait(), 60)  # a hang detector
        assert transport.client is not None
        answer = await query_keys(synapse.url, registration["access_token"], [user_id])
        assert cross_signing.only_key(answer["master_keys"][user_id]) == element_master
        assert await db.transport_state.get(cross_signing.OUTCOME) == (
            cross_signing.ANOTHER_IDENTITY
        )
        doctor = await asyncio.to_thread(_cli, synapse.url, user_id, database, tmp_path, "doctor")
        assert "FAIL  matrix device - the account has another cross-signing identity" in doctor
        assert "python -m bot matrix replace-identity" in doctor

        replaced = await asyncio.to_thread(
            _cli, synapse.url, user_id, database, tmp_path, "matrix", "replace-identity"
        )
        assert replaced.startswith("exit 0"), replaced
        answer = await query_keys(synapse.url, registration["access_token"], [user_id])
        assert cross_signing.only_key(answer["master_keys"][user_id]) != element_master
        for _ in range(600):  # a hang detector of a minute, not a speed bound
            if (
                await cross_signing.cross_signing_status(
                    transport.client, db.transport_state, config
                )
            )[0]:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the running bot never signed its device")
        doctor = await asyncio.to_thread(_cli, synapse.url, user_id, database, tmp_path, "doctor")
        assert "ok    matrix device - cross-signed by the bot's identity" in doctor, doctor
    finally:
        await transport.stop()
        await db.close()
