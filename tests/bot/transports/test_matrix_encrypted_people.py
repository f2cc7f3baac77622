"""The encrypted people of the Matrix tests (tests/support/matrix_encrypted_people.py) talk
to each other on a real homeserver the way Element X does, before any bot relies on them:
direct chats whose first message goes out before the other side joined, a private room
of three, voice, cross-signed-only devices and room keys that arrive late."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import nio
import pytest

from tests.support.matrix_encrypted_people import EncryptedPerson, stored_text
from tests.support.matrix_people import body
from tests.support.synapse_server import Synapse

HANG = 60

VOICE = b"OggS-encrypted-voice" + bytes(range(256)) * 16


@pytest.fixture
async def people(synapse: Synapse) -> AsyncIterator[Callable[..., EncryptedPerson]]:
    """Make started encrypted people; all are stopped after the test."""
    made: list[EncryptedPerson] = []

    async def make(name: str, **options: bool) -> EncryptedPerson:
        person = EncryptedPerson(synapse, name, **options)
        made.append(person)
        await person.start()
        return person

    yield make
    for person in made:
        await person.stop()


def text_is(text: str) -> Callable[[dict], bool]:
    return lambda event: body(event) == text


async def test_element_x_direct_chat_first_message_before_the_other_joined(
    people, synapse: Synapse
):
    alice = await people("alice")
    bob = await people("bob")

    room = await alice.dm_like_element_x(bob.user_id, "Hallo Bob, kannst du Wasser tragen?")
    # Bob was only invited when the message went out; its key reached his device anyway.
    assert room == await bob.next_invitation()
    await bob.join(room)
    hello = await bob.wait_for(text_is("Hallo Bob, kannst du Wasser tragen?"), timeout=HANG)
    assert hello["type"] == "m.room.message"
    assert hello["sender"] == alice.user_id
    assert hello["room"] == room
    assert bob.received[-1] == (room, hello)

    await bob.say(room, "Ja, morgen um zehn.")
    answer = await alice.wait_for(text_is("Ja, morgen um zehn."), timeout=HANG)
    assert answer["sender"] == bob.user_id

    # Reactions are encrypted too, as Element X sends them.
    await alice.react(room, answer["event_id"], "👍")
    reaction = await bob.wait_for(lambda e: e["type"] == "m.reaction", timeout=HANG)
    assert reaction["content"]["m.relates_to"]["key"] == "👍"

    stored = synapse.stored_events(room)
    assert any(e["type"] == "m.room.encryption" for e in stored)
    sent = [e for e in stored if e["type"] in ("m.room.message", "m.room.encrypted", "m.reaction")]
    assert [e["type"] for e in sent] == ["m.room.encrypted"] * 3
    # A relation stays readable by the server (the spec wants it so), the emoji included.
    for word in ("Wasser", "Hallo", "morgen", "zehn"):
        assert word not in stored_text(stored)


async def test_encrypted_private_room_of_three(people, synapse: Synapse):
    cora = await people("cora")
    vera = await people("vera")
    amira = await people("amira")

    room = await cora.create_private_room([vera.user_id, amira.user_id])
    await vera.join(room)
    await amira.join(room)
    await cora.wait_joined(room, vera.user_id, amira.user_id)

    await cora.say(room, "Wer übernimmt den Einkauf für Frau Yilmaz?")
    for person in (vera, amira):
        await person.wait_for(text_is("Wer übernimmt den Einkauf für Frau Yilmaz?"), timeout=HANG)
    await vera.say(room, "Ich übernehme das.")
    for person in (cora, amira):
        got = await person.wait_for(text_is("Ich übernehme das."), timeout=HANG)
        assert got["sender"] == vera.user_id
    # Each saw the other two's words in the order they were sent, and never their own.
    assert [body(e) for _r, e in amira.received] == [
        "Wer übernimmt den Einkauf für Frau Yilmaz?",
        "Ich übernehme das.",
    ]
    assert [body(e) for _r, e in cora.received] == ["Ich übernehme das."]

    stored = stored_text(synapse.stored_events(room))
    for word in ("Einkauf", "Yilmaz", "übernehme"):
        assert word not in stored


async def test_encrypted_voice_round_trip(people, synapse: Synapse):
    alice = await people("alice")
    bob = await people("bob")
    room = await alice.dm_like_element_x(bob.user_id, "Sprachnachricht kommt")
    await bob.join(room)
    await bob.wait_for(text_is("Sprachnachricht kommt"), timeout=HANG)

    await alice.send_voice(room, VOICE, duration_ms=4200)
    voice = await bob.wait_for(lambda e: e["content"].get("msgtype") == "m.audio", timeout=HANG)
    content = voice["content"]
    assert "url" not in content
    assert content["file"]["url"].startswith("mxc://")
    assert content["info"] == {"mimetype": "audio/ogg", "duration": 4200, "size": len(VOICE)}
    assert content["org.matrix.msc3245.voice"] == {}
    assert content["org.matrix.msc1767.audio"] == {"duration": 4200}
    assert await bob.download_attachment(content) == VOICE

    # The homeserver holds the sound only encrypted, and no key to it.
    stored_file = await bob.client.download(mxc=content["file"]["url"])
    assert isinstance(stored_file, nio.MemoryDownloadResponse)
    assert stored_file.body != VOICE and len(stored_file.body) == len(VOICE)
    stored = stored_text(synapse.stored_events(room))
    assert content["file"]["key"]["k"] not in stored
    assert "m.audio" not in stored


async def test_cross_signed_only_person_trusts_a_device_once_it_is_cross_signed(people):
    carla = await people("carla", cross_signed_only=True)
    dana = await people("dana")

    # Dana's device is not cross-signed: Carla's first message is not for it...
    room = await carla.dm_like_element_x(dana.user_id, "Nur für geprüfte Geräte")
    await dana.join(room)
    await dana.wait_undecryptable(room)
    assert not any(r == room for r, _e in dana.received)
    danas_device = carla.client.device_store[dana.user_id][dana.device_id]
    assert carla.client.olm.is_device_blacklisted(danas_device)

    # ... and Dana's key is not accepted: her message stays hidden from Carla.
    hidden = await dana.say(room, "Siehst du mich?")
    await carla.wait_undecryptable(room, hidden)
    assert not carla.received
    assert carla.set_aside

    # Once Dana cross-signs her device, Carla takes the key, shows the message and
    # shares her next key with Dana's device.
    await dana.cross_sign_own_device()
    seen = await carla.wait_for(text_is("Siehst du mich?"), timeout=HANG)
    assert seen["event_id"] == hidden
    await dana.say(room, "Jetzt geprüft.")
    await carla.wait_for(text_is("Jetzt geprüft."), timeout=HANG)
    await carla.say(room, "Willkommen.")
    await dana.wait_for(text_is("Willkommen."), timeout=HANG)
    assert not carla.client.olm.is_device_blacklisted(danas_device)
    assert [body(e) for r, e in dana.received if r == room] == ["Willkommen."]
    assert not carla.dropped


async def test_a_message_whose_key_comes_late_decrypts_when_it_arrives(people, synapse: Synapse):
    erik = await people("erik")
    fatma = await people("fatma")

    creating = asyncio.create_task(erik.dm(fatma.user_id))
    await fatma.join(await fatma.next_invitation())
    room = await creating
    await erik.say(room, "Erste Nachricht")
    await fatma.wait_for(text_is("Erste Nachricht"), timeout=HANG)

    late = await erik.say_withholding_key(room, "Schlüssel kommt später")
    await fatma.wait_undecryptable(room, late)
    assert [body(e) for _r, e in fatma.received] == ["Erste Nachricht"]

    await erik.share_withheld_keys(room)
    arrived = await fatma.wait_for(text_is("Schlüssel kommt später"), timeout=HANG)
    assert arrived["event_id"] == late
    assert not fatma.undecrypted
    # The withheld key stays the room's key: the next message needs nothing new.
    await erik.say(room, "Und noch eine")
    await fatma.wait_for(text_is("Und noch eine"), timeout=HANG)
    assert [body(e) for _r, e in fatma.received] == [
        "Erste Nachricht",
        "Schlüssel kommt später",
        "Und noch eine",
    ]
    assert "später" not in stored_text(synapse.stored_events(room))
