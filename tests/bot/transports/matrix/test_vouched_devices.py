"""Room keys go only to the devices their owner vouches for (MSC4153): for a person with a
cross-signing identity, the devices their self-signing key signed; for a person without
one, every device, as before. Against the real Synapse with independent encrypting clients
(tests/support/matrix_encrypted_people.py), two devices of one account each; and the
reading of a ``/keys/query`` answer on its own, shapes a homeserver should not send
included."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import nio
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bot.transports.matrix.vouched_devices import NO_IDENTITY, from_answer
from db import Database
from handlers.limits.encrypted_work import UNCONFIRMED_DEVICE, NotRead
from handlers.reader import reader_of
from locales import translator
from tests.bot.transports.test_matrix_encrypted import (
    _listening,
    _until_outbox_done,
    speaking_bot,
)
from tests.support.cross_signing import canonical_json, public_key, unpadded_b64
from tests.support.matrix_bot import Bot, all_synced, delivering
from tests.support.matrix_encrypted_people import HANG, EncryptedPerson
from tests.support.matrix_people import body
from tests.support.synapse_server import Synapse

# About Matrix, not the database: SQLite is enough.
ON_SQLITE = pytest.mark.parametrize("backend", ["sqlite"])

Started = Callable[[EncryptedPerson], Awaitable[EncryptedPerson]]


@pytest.fixture
async def started(synapse: Synapse) -> AsyncIterator[Started]:
    """Start devices; all are stopped after the test."""
    running: list[EncryptedPerson] = []

    async def start(device: EncryptedPerson) -> EncryptedPerson:
        running.append(device)
        await device.start()
        return device

    yield start
    for device in reversed(running):
        await device.stop()


def bot_client(bot: Bot) -> Any:
    assert bot.transport is not None and bot.transport.client is not None
    return bot.transport.client


def _greet_late(bot: Bot) -> None:
    # However slow this machine is, the chat's first message comes before the greeting's
    # moment: the picker is the one answer to it.
    assert bot.transport is not None
    bot.transport.config = replace(bot.transport.config, greeting_wait_seconds=600)


def _picker(room: str) -> Callable[[dict], bool]:
    return lambda event: "1️⃣" in body(event) and event["room"] == room


async def _paula_with_her_phone_signed(
    synapse: Synapse, bot: Bot, started: Started
) -> tuple[EncryptedPerson, EncryptedPerson, str]:
    """Paula's phone, cross-signed by her identity, and her laptop, not; her direct chat
    with the bot, whose first answer the laptop cannot read."""
    phone = await started(EncryptedPerson(synapse, "paula"))
    laptop = await started(phone.another_device("paula-laptop"))
    await phone.cross_sign_own_device()
    _greet_late(bot)
    room = await phone.dm_like_element_x(bot.user_id, "Hallo")
    picker = await phone.wait_for(_picker(room))
    assert not await laptop.could_read(room, picker["event_id"])
    return phone, laptop, room


async def _until(condition: Callable[[], bool]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + HANG
    while not condition():
        assert loop.time() < deadline, "hung"
        await asyncio.sleep(0.05)


@ON_SQLITE
async def test_answers_reach_only_the_devices_their_owner_cross_signed(
    synapse: Synapse, matrix_bot: Bot, started: Started
):
    # Paula's identity signed her phone, not her laptop (a device she never confirmed -
    # or one someone else added to her account).
    phone = await started(EncryptedPerson(synapse, "paula"))
    laptop = await started(phone.another_device("paula-laptop"))
    await phone.cross_sign_own_device()
    # Quinn never set up cross-signing (an older client): two devices, neither signed.
    quinn = await started(EncryptedPerson(synapse, "quinn"))
    tablet = await started(quinn.another_device("quinn-tablet"))
    _greet_late(matrix_bot)

    room = await phone.dm_like_element_x(matrix_bot.user_id, "Hallo")
    picker = await phone.wait_for(_picker(room))
    assert not await laptop.could_read(room, picker["event_id"])

    quinn_room = await quinn.dm_like_element_x(matrix_bot.user_id, "Hallo")
    quinn_picker = await quinn.wait_for(_picker(quinn_room))
    assert await tablet.could_read(quinn_room, quinn_picker["event_id"])

    # The next answer neither; by now any key of the first would long have arrived.
    mark = len(phone.received)
    await phone.say(room, "2")  # English
    privacy = await phone.wait_for(lambda e: "🔒" in body(e), after=mark)
    assert not await laptop.could_read(room, privacy["event_id"])
    assert [e for _, e in laptop.received if e["room"] == room] == []
    assert {e.event_id for _, e in laptop.undecrypted} >= {
        picker["event_id"],
        privacy["event_id"],
    }
    # Quinn's tablet goes on reading, as his phone does.
    mark = len(quinn.received)
    await quinn.say(quinn_room, "2")
    quinn_privacy = await quinn.wait_for(lambda e: "🔒" in body(e), after=mark)
    assert await tablet.could_read(quinn_room, quinn_privacy["event_id"])


@ON_SQLITE
async def test_a_new_identity_and_a_device_signed_later_are_weighed_again(
    synapse: Synapse, matrix_bot: Bot, started: Started
):
    phone, laptop, room = await _paula_with_her_phone_signed(synapse, matrix_bot, started)

    # Paula sets up cross-signing anew on her laptop: a new identity that signs the
    # laptop only. The bot's next answer follows it: the laptop reads it, the phone not.
    await laptop.cross_sign_own_device()
    mark = len(laptop.received)
    await phone.say(room, "2")
    privacy = await laptop.wait_for(lambda e: "🔒" in body(e), after=mark)
    assert not await phone.could_read(room, privacy["event_id"])

    # She confirms the phone with the new identity too: both read what comes next.
    phone.cross_signing_keys = laptop.cross_signing_keys
    await phone.cross_sign_own_device()
    mark = len(phone.received)
    await phone.react(room, privacy["event_id"], "1️⃣")
    menu = await phone.wait_for(lambda e: "🏠" in body(e), after=mark)
    assert await laptop.could_read(room, menu["event_id"])


@ON_SQLITE
async def test_a_message_from_an_unconfirmed_device_is_told_on_the_confirmed_ones(
    synapse: Synapse, matrix_bot: Bot, started: Started
):
    """Paula writes from her laptop, a device her identity did not sign: the bot's answers
    cannot be shown there, and she was not told why. Now the bot says so - once an hour,
    in her language, readable on her confirmed phone (and a warning there if the laptop is
    not hers) - and still answers what she wrote."""
    phone, laptop, room = await _paula_with_her_phone_signed(synapse, matrix_bot, started)
    told = translator("de").t(UNCONFIRMED_DEVICE)
    assert [e for _, e in phone.received if body(e) == told] == []  # the phone is confirmed
    async with delivering(matrix_bot):  # the line goes through the outbox
        mark = len(phone.received)
        await laptop.say(room, "!help")
        notice = await phone.wait_for(lambda e: body(e) == told, after=mark)
        await phone.wait_for(lambda e: "!menu" in body(e), after=mark)  # answered all the same
        assert not await laptop.could_read(room, notice["event_id"])

        mark = len(phone.received)
        await laptop.say(room, "!help")  # within the hour: answered, not told again
        await phone.wait_for(lambda e: "!menu" in body(e), after=mark)
        await all_synced(synapse, matrix_bot)
        await phone.caught_up()
    assert [e for _, e in phone.received if body(e) == told] == [notice]


@ON_SQLITE
async def test_a_listener_hears_that_she_wrote_from_an_unconfirmed_device(
    synapse: Synapse, db: Database, started: Started
):
    """Paula chose to hear every message: that her laptop is not confirmed is said aloud
    to her too (on her confirmed phone), not only written - as the answer beside it is."""
    async with speaking_bot(synapse, db) as running:
        phone = await started(EncryptedPerson(synapse, "paula"))
        laptop = await started(phone.another_device("paula-laptop"))
        await phone.cross_sign_own_device()
        room = await _listening(phone, running, db)
        mark = len(phone.received)
        await laptop.say(room, "!help")
        t = reader_of(await db.users.find("matrix", phone.user_id)).t
        await phone.wait_for(lambda e: body(e) == NotRead().unconfirmed_device(t), after=mark)
        await phone.wait_for(lambda e: "!menu" in body(e), after=mark)  # answered all the same
        await _until_outbox_done(db)
        await all_synced(synapse, running)
        await phone.caught_up()
        # Every line since is heard: one voice for each (the answer's and the notice's).
        kinds = [e["content"].get("msgtype") for _, e in phone.received[mark:]]
        texts = [kind for kind in kinds if kind in ("m.text", "m.notice")]
        assert kinds.count("m.audio") == len(texts) >= 2, kinds


@ON_SQLITE
async def test_an_identity_changed_while_the_bot_was_away_is_weighed_at_its_return(
    synapse: Synapse, matrix_bot: Bot, started: Started
):
    """Restarted, the bot has the devices in its store but not who vouches for them: it
    asks before its first room key, and the message waiting for it is answered to the
    devices vouched for now."""
    phone, laptop, room = await _paula_with_her_phone_signed(synapse, matrix_bot, started)

    await matrix_bot.stop()
    await laptop.cross_sign_own_device()  # a new identity, the laptop only
    mark = len(laptop.received)
    await phone.say(room, "2")
    await matrix_bot.start()
    privacy = await laptop.wait_for(lambda e: "🔒" in body(e), after=mark)
    assert not await phone.could_read(room, privacy["event_id"])


@ON_SQLITE
async def test_the_bots_own_device_not_signed_by_its_identity_gets_no_room_keys(
    synapse: Synapse, matrix_bot: Bot, started: Started
):
    """The same rule for the bot's own account: another device logged in to it (not the
    bot's, not signed by the bot's identity) cannot read the bot's answers."""
    other = await started(EncryptedPerson(synapse, "stray", device_of=matrix_bot.user_id))
    read: dict[str, bool] = {}

    def note(room: nio.MatrixRoom, event: Any) -> None:
        # Its own account's events: EncryptedPerson leaves those out, so noted here.
        if event.sender == matrix_bot.user_id:
            read.setdefault(event.event_id, not isinstance(event, nio.MegolmEvent))

    other.client.add_event_callback(note, (nio.RoomMessageNotice, nio.MegolmEvent))
    eva = await started(EncryptedPerson(synapse, "eva"))
    _greet_late(matrix_bot)
    room = await eva.dm_like_element_x(matrix_bot.user_id, "Hallo")
    picker = await eva.wait_for(_picker(room))
    await _until(lambda: picker["event_id"] in read)
    assert read[picker["event_id"]] is False
    # Eva's own devices read it, and the bot remembers the identities of its rooms'
    # members only (itself and Eva), not of everyone it ever asked about.
    assert bot_client(matrix_bot).vouching.keys() == {matrix_bot.user_id, eva.user_id}


# --- reading a /keys/query answer ----------------------------------------------------

USER = "@paula:example.org"


def _sign(obj: dict[str, Any], key: Ed25519PrivateKey, name: str | None = None) -> dict[str, Any]:
    signature = unpadded_b64(key.sign(canonical_json(obj)))
    signatures = dict(obj.get("signatures", {}))
    signatures.setdefault(USER, {})[f"ed25519:{name or public_key(key)}"] = signature
    return {**obj, "signatures": signatures}


def _key_object(usage: str, key: Ed25519PrivateKey) -> dict[str, Any]:
    return {
        "user_id": USER,
        "usage": [usage],
        "keys": {f"ed25519:{public_key(key)}": public_key(key)},
    }


def _device(device_id: str) -> tuple[dict[str, Any], tuple[str, str, str]]:
    own = Ed25519PrivateKey.generate()
    curve = public_key(Ed25519PrivateKey.generate())  # any 32 bytes stand for the Curve25519 key
    device = {
        "user_id": USER,
        "device_id": device_id,
        "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
        "keys": {f"ed25519:{device_id}": public_key(own), f"curve25519:{device_id}": curve},
    }
    return _sign(device, own, device_id), (device_id, public_key(own), curve)


def _answer() -> tuple[dict[str, Any], tuple[str, str, str], tuple[str, str, str]]:
    """Paula's identity, her PHONE signed by it, her LAPTOP not."""
    master, self_signing = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    phone, phone_keys = _device("PHONE")
    laptop, laptop_keys = _device("LAPTOP")
    answer = {
        "device_keys": {USER: {"PHONE": _sign(phone, self_signing), "LAPTOP": laptop}},
        "master_keys": {USER: _key_object("master", master)},
        "self_signing_keys": {USER: _sign(_key_object("self_signing", self_signing), master)},
    }
    return answer, phone_keys, laptop_keys


def test_an_identity_vouches_for_the_devices_its_self_signing_key_signed():
    answer, phone, laptop = _answer()
    paula = from_answer(answer)[USER]
    assert paula.has_identity
    assert paula.vouches_for(*phone)
    assert not paula.vouches_for(*laptop)
    # The signed device's keys, not only its id: other keys under its id are not it.
    assert not paula.vouches_for(phone[0], laptop[1], phone[2])
    assert not paula.vouches_for(phone[0], phone[1], laptop[2])


def test_without_an_identity_every_device_gets_the_keys():
    answer, phone, laptop = _answer()
    del answer["master_keys"], answer["self_signing_keys"]
    paula = from_answer(answer)[USER]
    assert paula == NO_IDENTITY
    assert paula.vouches_for(*phone) and paula.vouches_for(*laptop)
    # Users the answer does not list (their homeserver did not answer) are not guessed at.
    assert from_answer({"device_keys": {}, "failures": {"example.org": {}}}) == {}


def test_an_identity_that_cannot_be_read_vouches_for_no_device():
    answer, phone, _laptop = _answer()
    forged = dict(answer)
    # A self-signing key the master key did not sign.
    other_master = Ed25519PrivateKey.generate()
    ssk = {k: v for k, v in answer["self_signing_keys"][USER].items() if k != "signatures"}
    forged["self_signing_keys"] = {USER: _sign(ssk, other_master)}
    assert not from_answer(forged)[USER].vouches_for(*phone)
    # No self-signing key at all.
    missing = {**answer, "self_signing_keys": {}}
    assert from_answer(missing)[USER].has_identity
    assert not from_answer(missing)[USER].vouches_for(*phone)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda a: a["device_keys"][USER]["PHONE"].__setitem__("signatures", ["not", "a", "map"]),
        lambda a: a["device_keys"][USER]["PHONE"]["signatures"].__setitem__(USER, "AAAA"),
        lambda a: a["device_keys"][USER]["PHONE"].__setitem__("keys", ["ed25519:PHONE"]),
        lambda a: a["device_keys"][USER].__setitem__("PHONE", "not a device"),
        lambda a: a["device_keys"][USER]["PHONE"].__setitem__("device_id", "LAPTOP"),
        lambda a: a["self_signing_keys"][USER].__setitem__("signatures", "signed, honestly"),
        lambda a: a["self_signing_keys"][USER].__setitem__("keys", "not a map"),
        lambda a: a["self_signing_keys"][USER].__setitem__("usage", ["master"]),
        lambda a: a["self_signing_keys"].__setitem__(USER, ["not", "a", "key"]),
        lambda a: a["master_keys"].__setitem__(USER, "not a key"),
        lambda a: a["master_keys"][USER].__setitem__("keys", {"ed25519:a": "a", "ed25519:b": "b"}),
        lambda a: a.__setitem__("self_signing_keys", "not a map"),
    ],
)
def test_an_answer_of_another_shape_is_not_signed_and_never_an_exception(spoil):
    answer, phone, _laptop = _answer()
    spoil(answer)
    paula = from_answer(answer)[USER]
    assert paula.has_identity
    assert not paula.vouches_for(*phone)


def test_a_device_list_of_another_shape_is_read_as_no_devices():
    answer, phone, _laptop = _answer()
    answer["device_keys"][USER] = ["PHONE"]
    paula = from_answer(answer)[USER]
    assert paula.has_identity and not paula.vouches_for(*phone)
    assert from_answer({"device_keys": "not a map"}) == {}
