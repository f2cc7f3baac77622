"""Matrix as people use it today: end-to-end encrypted direct chats created the way Element X
creates them, against the real Synapse, with an independent encrypting client per person
(tests/support/matrix_encrypted_people.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import nio
import pytest
from markupsafe import Markup

from bot.delivery import OutboxWorker
from bot.speech.engines import embedded
from bot.speech.speaker import Speaker
from bot.transports.matrix import KEYCAPS
from db import Database
from db.statements import execute
from db.transport_state import UNDECRYPTED
from db.users import ReadAloud
from handlers.limits.encrypted_work import UNREADABLE, NotRead
from handlers.messages import Message, encode
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from handlers.reader import reader_of
from handlers.settings import HandlerSettings
from locales import translator
from tests.support.cross_signing import query_keys
from tests.support.fake_telegram import FakeTelegram
from tests.support.helping_people import volunteer_profile
from tests.support.matrix_bot import BOT_NUMBERS, Bot, WithTelegram, all_synced
from tests.support.matrix_encrypted_people import EncryptedPerson, stored_text
from tests.support.matrix_people import body
from tests.support.synapse_server import Synapse

ROOT = Path(__file__).resolve().parents[3]


# About Matrix, not the database: SQLite is enough (the failover test runs on PostgreSQL).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def _greetings(person: EncryptedPerson, room: str) -> list[dict]:
    hello = translator("de")._("👋")
    return [e for r, e in person.received if r == room and body(e).startswith(hello)]


async def _onboard_encrypted(
    person: EncryptedPerson, bot: Bot, first: str = "Hallo", *, by_reaction: bool = False
) -> str:
    """Element X's way in: the chat is created with its first message; the bot greets once,
    the person types a language's number (or reacts with it) and agrees by reacting."""
    # However slow this machine is, the first message comes before the greeting's moment.
    assert bot.transport is not None
    bot.transport.config = replace(bot.transport.config, greeting_wait_seconds=600)
    room = await person.dm_like_element_x(bot.user_id, first)
    picker = await person.wait_for(lambda e: "1️⃣" in body(e) and e["room"] == room)
    mark = len(person.received)
    if by_reaction:
        await person.react(room, picker["event_id"], "2️⃣")  # English
    else:
        await person.say(room, "3")  # العربية
    notice = await person.wait_for(lambda e: "🔒" in body(e), after=mark)
    mark = len(person.received)
    await person.react(room, notice["event_id"], "1️⃣")
    await person.wait_for(lambda e: "🏠" in body(e), after=mark)
    return room


async def _bot_devices(synapse: Synapse, bot: Bot) -> list[str]:
    return synapse.devices(bot.config.access_token or "")


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
    assert {e["type"] for e in stored if "state_key" not in e} == {"m.room.encrypted"}
    text = stored_text(stored)
    for words in ("Hallo", "!help", body(listing)[:20], body(pickers[0])[:20]):
        assert words not in text
    # What the bot says is the members' of the time only ("joined"), set before it said
    # anything: clients that share the keys of a "shared" history with anyone invited
    # later (MSC4268) share none of it, and a chat Element X creates gives the bot the
    # power to change it.
    visibility = [i for i, e in enumerate(stored) if e["type"] == "m.room.history_visibility"]
    assert stored[visibility[-1]]["content"]["history_visibility"] == "joined"
    assert stored[visibility[-1]]["sender"] == matrix_bot.user_id
    said = [i for i, e in enumerate(stored) if e["sender"] == matrix_bot.user_id]
    assert visibility[-1] < min(i for i in said if "state_key" not in stored[i])


async def test_an_element_x_chat_opened_before_its_first_message_is_greeted(
    eva: EncryptedPerson, matrix_bot: Bot
):
    """Greeted once a sync has shown the chat (at once here: greeting_wait_seconds 0):
    before, the bot cannot write into an encrypted chat, and a greeting due then was lost."""
    room = await eva.dm(matrix_bot.user_id)
    await eva.wait_for(lambda e: "1️⃣" in body(e) and e["room"] == room)
    assert len(_greetings(eva, room)) == 1


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


async def test_after_a_quiet_restart_the_bot_writes_first_into_an_encrypted_chat(
    eva: EncryptedPerson, synapse: Synapse, db: Database
):
    """Nothing happens while the bot is down, and nobody writes after it started: what it
    has to say (a helper's message, a reminder) still reaches the encrypted chat. The
    first sync's full state tells it the room is encrypted and who is in it, even when
    the homeserver has nothing new since the stored token."""
    bot = Bot(synapse, db, HandlerSettings())
    await bot.start()
    try:
        room = await _onboard_encrypted(eva, bot)
        await all_synced(synapse, bot)
        await bot.stop()
        transport = await bot.start()
        worker = OutboxWorker(db, [transport], poll_seconds=0.2)
        stop = asyncio.Event()
        delivery = asyncio.create_task(worker.run(stop))
        try:
            mark = len(eva.received)
            await db.outbox.enqueue("matrix", room, encode(Message(Markup("🔔 Erinnerung"))))
            worker.wake()
            said = await eva.wait_for(lambda e: "🔔 Erinnerung" in body(e), after=mark)
            assert said["room"] == room and said.get("decrypted", True)
        finally:
            stop.set()
            worker.wake()
            await delivery
    finally:
        await bot.stop()


FROM_TELEGRAM = b"OggS-from-telegram" + bytes(range(256)) * 8
FROM_MATRIX = b"OggS-from-matrix" + bytes(reversed(range(256))) * 8


async def _ask_on_telegram(fake: FakeTelegram, db: Database, text: str) -> None:
    """Amira (Telegram, 1001) asks for help with shopping at the Nordmarkt."""
    fake.names[1001] = "Amira"
    amira = await db.users.seen("telegram", "1001", "1001", "Amira")
    await db.users.set_language(amira.id, "de")
    await db.users.record_consent(amira.id)
    steps = [("press", "hr:new"), ("press", "hr:cat:shopping"), ("text", text)]
    steps += [("text", "Nordmarkt"), ("press", "hr:when:asap"), ("press", "hr:langs-done")]
    for kind, value in [*steps, ("press", "hr:send")]:
        mark = len(fake.calls)
        (fake.press if kind == "press" else fake.send_text)(1001, value)
        await fake.wait_for("sendMessage", after=mark, chat_id=1001)


async def test_help_with_voice_through_encrypted_rooms(
    synapse: Synapse, db: Database, fake_telegram: FakeTelegram
):
    """The coordinators' room and the volunteer's chat are encrypted as Element creates
    them: a Telegram resident's request is published by an encrypted reaction, accepted,
    and the two talk and send voice both ways; the homeserver stores none of it readable."""
    cora = EncryptedPerson(synapse, "cora")
    vera = EncryptedPerson(synapse, "vera")
    await cora.start()
    await vera.start()
    registration = synapse.register(f"cryptbot{next(BOT_NUMBERS)}")
    group = await cora.create_private_room([registration["user_id"]], name="Koordination")
    running = Bot(
        synapse,
        db,
        HandlerSettings(
            backchannels=frozenset({("matrix", group)}), require_verified_volunteers=False
        ),
        registration,
    )
    both = WithTelegram(running, fake_telegram)
    await both.start()
    try:
        await cora.wait_joined(group, running.user_id)
        coordinator = await db.users.seen("matrix", cora.user_id, "", "Cora", private=False)
        await db.users.grant_role(coordinator.id, "coordinator")
        vera_room = await _onboard_encrypted(vera, running)
        volunteer = await db.users.find("matrix", vera.user_id)
        await volunteer_profile(db, volunteer.id, max_open=1)
        await _ask_on_telegram(fake_telegram, db, "Einkaufen am Dienstag")

        # The review post arrives encrypted and decrypts on Cora's device; her encrypted ✅
        # publishes it.
        post = await cora.wait_for(lambda e: "Einkaufen am Dienstag" in body(e))
        mark = len(vera.received)
        await cora.react(group, post["event_id"], "✅")
        offer = await vera.wait_for(lambda e: "🔔" in body(e), after=mark)
        mark = len(vera.received)
        await vera.react(vera_room, offer["event_id"], "1️⃣")  # I can help
        await vera.wait_for(lambda e: "🎉" in body(e), after=mark)

        # Words both ways.
        mark = len(vera.received)
        fake_telegram.send_text(1001, "Danke! Um drei?")
        await vera.wait_for(lambda e: "Danke! Um drei?" in body(e), after=mark)
        mark, seen = len(fake_telegram.calls), len(vera.received)
        said = await vera.say(vera_room, "Ja, bis dann")
        await fake_telegram.wait_for(
            "sendMessage", lambda c: "bis dann" in c.text, after=mark, chat_id=1001
        )
        # Passed on: the bot's 👌 on her message, encrypted like everything else here.
        ack = await vera.wait_for(lambda e: e.get("type") == "m.reaction", after=seen)
        assert ack["content"]["m.relates_to"] == {
            "rel_type": "m.annotation",
            "event_id": said,
            "key": "👌",
        }

        # Voice from Telegram reaches Vera's encrypted chat as an encrypted attachment.
        mark = len(vera.received)
        fake_telegram.send_voice(1001, FROM_TELEGRAM, duration=4)
        audio = await vera.wait_for(
            lambda e: e.get("content", {}).get("msgtype") == "m.audio", after=mark
        )
        assert "url" not in audio["content"] and audio["content"]["file"]["url"]
        assert await vera.download_attachment(audio["content"]) == FROM_TELEGRAM
        # Vera's encrypted voice reaches Amira on Telegram, decrypted by the bot.
        mark = len(fake_telegram.calls)
        await vera.send_voice(vera_room, FROM_MATRIX, 2500)
        sent = await fake_telegram.wait_for("sendVoice", after=mark, chat_id=1001)
        assert sent.params["voice"]["content"] == FROM_MATRIX

        # Neither room holds a readable word on the homeserver.
        for room in (group, vera_room):
            stored = synapse.stored_events(room)
            # Reactions too (the bot's 👌 on Vera's words, Cora's ✅): nothing but ciphertext.
            assert {e["type"] for e in stored if "state_key" not in e} == {"m.room.encrypted"}
            text = stored_text(stored)
            for words in ("Einkaufen am Dienstag", "Danke! Um drei?", "bis dann", "🔔"):
                assert words not in text, (room, words)
    finally:
        await both.stop()
        await cora.stop()
        await vera.stop()


async def test_lost_keys_mean_a_new_device_not_new_keys_for_the_old_one(
    eva: EncryptedPerson, synapse: Synapse, db: Database
):
    """People's clients remember a device's keys: new keys under the same device id would
    look like an attack. A bot whose saved keys are gone logs in to a new device, and
    deletes the old one: left there, it would stay cross-signed and go on getting room
    keys that nobody can read."""
    registration = synapse.register(f"lostbot{next(BOT_NUMBERS)}", password="pw-lost-keys")
    bot = Bot(synapse, db, HandlerSettings(), registration)
    bot.config = replace(bot.config, access_token=None, password="pw-lost-keys")
    await bot.start()
    try:
        assert bot.transport is not None and bot.transport.client is not None
        first = bot.transport.client.device_id
        before = await _device_keys(synapse, eva, bot.user_id)
        assert first in before
        await bot.stop()
        # The saved keys are lost (say, a database restored from before they were made).
        async with db.transaction():
            await execute(db.transactions, "DELETE FROM matrix_crypto", ())
        await bot.start()
        assert bot.transport is not None and bot.transport.client is not None
        second = bot.transport.client.device_id
        assert second != first
        after = await _device_keys(synapse, eva, bot.user_id)
        assert first not in after and second in after
        # And the new device is a working one.
        await _onboard_encrypted(eva, bot)
    finally:
        await bot.stop()


async def _device_keys(synapse: Synapse, person: EncryptedPerson, user: str) -> dict:
    answer = await query_keys(synapse.url, person.client.access_token, [user])
    return answer.get("device_keys", {}).get(user, {})


async def test_a_place_search_in_an_encrypted_chat(
    eva: EncryptedPerson, matrix_bot: Bot, db: Database, synapse: Synapse
):
    """The language chosen by reacting, the place asked for by an encrypted location; the
    answer's location comes encrypted too."""
    await import_places(
        db, ROOT / "data/dortmund/places-sample.csv", load_gazetteer("data/dortmund")
    )
    room = await _onboard_encrypted(eva, matrix_bot, by_reaction=True)
    user = await db.users.find("matrix", eva.user_id)
    assert user is not None and user.language == "en"
    mark = len(eva.received)
    await eva.say(room, "1")  # 1️⃣ Find a place
    await eva.wait_for(lambda e: "📍" in body(e), after=mark)
    mark = len(eva.received)
    await eva.share_location(room, 51.5230, 7.4560)
    results = await eva.wait_for(lambda e: "📏" in body(e), after=mark)
    assert body(results).count("📏") == 5
    mark = len(eva.received)
    await eva.say(room, "1")  # the nearest place
    venue = await eva.wait_for(lambda e: e["content"].get("msgtype") == "m.location", after=mark)
    assert venue["content"]["geo_uri"].startswith("geo:51.5")
    stored = synapse.stored_events(room)
    assert {e["type"] for e in stored if "state_key" not in e} == {"m.room.encrypted"}
    assert "geo:51.5" not in stored_text(stored)


async def test_a_coordinator_who_joins_the_encrypted_room_later_reads_the_bot(
    synapse: Synapse, db: Database
):
    cora = EncryptedPerson(synapse, "cora")
    carl = EncryptedPerson(synapse, "carl")
    await cora.start()
    await carl.start()
    registration = synapse.register(f"roombot{next(BOT_NUMBERS)}")
    group = await cora.create_private_room([registration["user_id"]], name="Koordination")
    bot = Bot(
        synapse, db, HandlerSettings(backchannels=frozenset({("matrix", group)})), registration
    )
    await bot.start()
    try:
        await cora.wait_joined(group, bot.user_id)
        for person, name in ((cora, "Cora"), (carl, "Carl")):
            user = await db.users.seen("matrix", person.user_id, "", name, private=False)
            await db.users.grant_role(user.id, "coordinator")
        mark = len(cora.received)
        await cora.say(group, "!stats")
        first = await cora.wait_for(lambda e: e["room"] == group, after=mark)
        # Carl joins after the bot's room key was shared; the bot's next words reach him.
        invited = await cora.client.room_invite(group, carl.user_id)
        assert not isinstance(invited, nio.RoomInviteError), invited
        await carl.join(group)
        await cora.wait_joined(group, carl.user_id)
        mark = len(carl.received)
        await cora.say(group, "!stats")
        answer = await carl.wait_for(
            lambda e: e["room"] == group and e["sender"] == bot.user_id, after=mark
        )
        # (What the bot said before he joined stays unreadable to him, as in Element.)
        assert body(answer) and body(answer)[:20] == body(first)[:20]
    finally:
        await bot.stop()
        await cora.stop()
        await carl.stop()


async def _press(person: EncryptedPerson, db: Database, room: str, data: str, after: int) -> None:
    """React with the number of the button ``data`` on the bot's newest message offering it
    (after index ``after``), as a person picks a choice by its emoji."""
    for _ in range(1200):  # a hang detector of 60 s, not a speed bound
        for _, event in reversed(person.received[after:]):
            if event["room"] != room or event.get("sender") == person.user_id:
                continue
            buttons = await db.transport_state.buttons_of(event["event_id"], room)
            for number, (label, offered) in enumerate(buttons):
                if offered == data:
                    # Past 🔟 a choice is picked by its own emoji (✅ Done …).
                    key = KEYCAPS[number] if number < len(KEYCAPS) else label.split()[0]
                    await person.react(room, event["event_id"], key)
                    return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{person.name}: no message offered {data}")


async def test_a_voice_request_from_an_encrypted_chat_reaches_the_encrypted_room(
    synapse: Synapse, db: Database
):
    """A resident who does not write sends a voice message in her encrypted chat and asks
    for help with it by reactions alone; the coordinators hear it in their encrypted
    room - the same sound, still encrypted on the homeserver."""
    cora = EncryptedPerson(synapse, "cora")
    eva = EncryptedPerson(synapse, "eva")
    await cora.start()
    await eva.start()
    registration = synapse.register(f"voicebot{next(BOT_NUMBERS)}")
    group = await cora.create_private_room([registration["user_id"]], name="Koordination")
    running = Bot(
        synapse, db, HandlerSettings(backchannels=frozenset({("matrix", group)})), registration
    )
    matrix = await running.start()
    worker = OutboxWorker(db, [matrix], poll_seconds=0.2)
    running.dispatcher.on_queued = worker.wake
    stop = asyncio.Event()
    delivery = asyncio.create_task(worker.run(stop))
    try:
        await cora.wait_joined(group, running.user_id)
        coordinator = await db.users.seen("matrix", cora.user_id, "", "Cora", private=False)
        await db.users.grant_role(coordinator.id, "coordinator")
        room = await _onboard_encrypted(eva, running, by_reaction=True)
        mark = len(eva.received)
        await eva.send_voice(room, FROM_MATRIX, 3000)
        for data in ("hr:with", "hr:cat:shopping"):
            await _press(eva, db, room, data, mark)
            mark = len(eva.received)
        await eva.wait_for(lambda e: e["room"] == room, after=mark)
        await eva.share_location(room, 51.5230, 7.4560)
        for data in ("hr:when:asap", "hr:langs-done", "hr:send"):
            await _press(eva, db, room, data, mark)
            mark = len(eva.received)
        audio = await cora.wait_for(
            lambda e: e["room"] == group and e["content"].get("msgtype") == "m.audio"
        )
        assert await cora.download_attachment(audio["content"]) == FROM_MATRIX
        assert "url" not in audio["content"]
        stored = synapse.stored_events(group)
        assert {e["type"] for e in stored if "state_key" not in e} == {"m.room.encrypted"}
    finally:
        stop.set()
        await delivery
        await running.stop()
        await cora.stop()
        await eva.stop()


@asynccontextmanager
async def speaking_bot(synapse: Synapse, db: Database) -> AsyncIterator[Bot]:
    """The bot in this process with eSpeak NG and its outbox worker running, greeting a new
    chat only when spoken to (as read aloud's tests want)."""
    running = Bot(synapse, db, HandlerSettings(speech_languages=frozenset({"ar", "en", "de"})))
    transport = await running.start()
    speaker = Speaker(embedded())
    await speaker.check(("ar",))
    worker = OutboxWorker(db, [transport], speaker=speaker, poll_seconds=0.2)
    running.dispatcher.on_queued = worker.wake
    stop = asyncio.Event()
    delivery = asyncio.create_task(worker.run(stop))
    try:
        transport.config = replace(transport.config, greeting_wait_seconds=600)
        yield running
    finally:
        stop.set()
        worker.wake()
        await delivery
        await running.stop()


async def _read_aloud_offered(eva: EncryptedPerson, bot_user: str) -> tuple[str, dict, int]:
    """Eva starts a chat as Element X does and picks Arabic: the room, the read-aloud
    offer, and where her messages stood before she picked."""
    room = await eva.dm_like_element_x(bot_user, "مرحبا")
    await eva.wait_for(lambda e: "1️⃣" in body(e) and e["room"] == room)
    mark = len(eva.received)
    await eva.say(room, "3")  # العربية
    offer = await eva.wait_for(lambda e: body(e).startswith("🔊 "), after=mark)
    return room, offer, mark


async def test_read_aloud_in_an_encrypted_chat(
    eva: EncryptedPerson, db: Database, synapse: Synapse
):
    """Read aloud on Matrix as Element X creates the chat: the offer after the language is
    said aloud as an encrypted m.audio voice message (OGG/Opus, eSpeak NG in the process);
    switched on by reacting, the answers (the privacy notice among them) come as text and
    then as voice."""
    async with speaking_bot(synapse, db) as running:
        room, offer, mark = await _read_aloud_offered(eva, running.user_id)
        sample = await eva.wait_for(lambda e: e["content"].get("msgtype") == "m.audio", after=mark)
        # The notice waits for the offer's answer: the offer is the newest message.
        assert not any("🔒" in body(e) for _, e in eva.received[mark:])
        assert "file" in sample["content"] and "url" not in sample["content"]  # encrypted
        assert "org.matrix.msc3245.voice" in sample["content"]
        audio = await eva.download_attachment(sample["content"])
        assert audio.startswith(b"OggS") and b"OpusHead" in audio[:100]
        assert sample["content"]["info"]["duration"] > 1000

        mark = len(eva.received)
        await eva.react(room, offer["event_id"], "1️⃣")  # 🗣 Read everything aloud
        done = await eva.wait_for(
            lambda e: body(e).startswith("🔊 ") and e["content"].get("msgtype") != "m.audio",
            after=mark,
        )
        # Someone who hears the bot is offered easy language next; "📝 No, as usual".
        easy = await eva.wait_for(lambda e: body(e).startswith("🟢 "), after=mark)
        mark = len(eva.received)
        await eva.react(room, easy["event_id"], "2️⃣")
        notice = await eva.wait_for(lambda e: "🔒" in body(e), after=mark)
        events = [event for _room, event in eva.received]
        assert events.index(done) < events.index(easy) < events.index(notice)
        # The texts first, then their voices: the notice is heard too, after it.
        await eva.wait_for(
            lambda e: e["content"].get("msgtype") == "m.audio", after=events.index(notice) + 1
        )
        user = await db.users.find("matrix", eva.user_id)
        assert user is not None and user.read_aloud
        stored = synapse.stored_events(room)
        assert {e["type"] for e in stored if "state_key" not in e} == {"m.room.encrypted"}


async def test_read_aloud_on_a_tap_in_an_encrypted_chat(
    eva: EncryptedPerson, db: Database, synapse: Synapse
):
    """ "Only when I tap 🔊" on Matrix: once the privacy notice is accepted, each message
    lists a 🔊 among its choices; nothing is said unasked; reacting with 🔊 on a message has
    that message said, encrypted."""
    async with speaking_bot(synapse, db) as running:
        room, offer, mark = await _read_aloud_offered(eva, running.user_id)
        await eva.wait_for(lambda e: e["content"].get("msgtype") == "m.audio", after=mark)

        mark = len(eva.received)
        await eva.react(room, offer["event_id"], "2️⃣")  # 👆 Only when I tap 🔊
        await eva.wait_for(lambda e: body(e).startswith("👆 "), after=mark)
        # Easy language is offered next, said at once (no 🔊 before consent); "No, as usual".
        easy = await eva.wait_for(lambda e: body(e).startswith("🟢 "), after=mark)
        await eva.wait_for(lambda e: e["content"].get("msgtype") == "m.audio", after=mark)
        mark = len(eva.received)
        await eva.react(room, easy["event_id"], "2️⃣")
        notice = await eva.wait_for(lambda e: "🔒" in body(e), after=mark)
        # No 🔊 before the notice is accepted (tapping one would be refused), so the notice
        # itself is said at once, this once.
        assert "🔊" not in body(notice)
        await eva.wait_for(lambda e: e["content"].get("msgtype") == "m.audio", after=mark)
        user = await db.users.find("matrix", eva.user_id)
        assert user is not None and user.read_aloud == ReadAloud.ON_TAP

        mark = len(eva.received)
        await eva.react(room, notice["event_id"], "1️⃣")  # ✅ I agree
        done = await eva.wait_for(lambda e: "🏠" in body(e), after=mark)
        assert "🔊" in body(done)

        mark = len(eva.received)
        await eva.react(room, done["event_id"], "🔊")
        voice = await eva.wait_for(lambda e: e["content"].get("msgtype") == "m.audio", after=mark)
        assert "file" in voice["content"] and "url" not in voice["content"]  # encrypted
        audio = await eva.download_attachment(voice["content"])
        assert audio.startswith(b"OggS") and b"OpusHead" in audio[:100]
        # Only the tapped message was said: the menu's other messages were not (the voices
        # are the two offers', the notice's and the tapped one's).
        events = [event for _room, event in eva.received]
        audios = [e for e in events if e["content"].get("msgtype") == "m.audio"]
        assert audios.index(voice) == len(audios) - 1 and len(audios) == 4


async def test_a_listener_hears_that_her_message_could_not_be_read(
    eva: EncryptedPerson, db: Database, synapse: Synapse
):
    """Someone who hears every message is told aloud too that her last message could not
    be read (its key never came) - in text alone she would wait for an answer for ever."""
    async with speaking_bot(synapse, db) as running:
        room = await _listening(eva, running, db)
        assert running.transport is not None
        running.transport.config = replace(running.transport.config, key_wait_seconds=0)
        mark = len(eva.received)
        await eva.say_withholding_key(room, "!help")
        await _heard(eva, translator("ar").t(UNREADABLE), mark)


async def test_a_listener_hears_when_to_write_again_past_the_hours_limit(
    eva: EncryptedPerson, db: Database, synapse: Synapse
):
    """Someone who hears every message is told aloud too when she may write again, while
    the hour's work on encrypted messages of people like her is used up - in text alone
    she would wait for an answer that is not coming."""
    async with speaking_bot(synapse, db) as running:
        room = await _listening(eva, running, db)
        assert running.transport is not None
        budget = running.transport.shared.budget
        budget.limits = replace(budget.limits, known=0)  # all known people's spent this hour
        mark = len(eva.received)
        await eva.say(room, "!help")
        t = reader_of(await db.users.find("matrix", eva.user_id)).t
        await _heard(eva, NotRead().line(t, budget.until, own=False, stranger=False), mark)


async def _listening(eva: EncryptedPerson, running: Bot, db: Database) -> str:
    """Eva in her encrypted chat, onboarded in Arabic with "Read everything aloud" chosen
    and all said so far heard (what comes next is the next line's voice); the room."""
    room, offer, mark = await _read_aloud_offered(eva, running.user_id)
    mark = len(eva.received)
    await eva.react(room, offer["event_id"], "1️⃣")  # 🗣 Read everything aloud
    easy = await eva.wait_for(lambda e: body(e).startswith("🟢 "), after=mark)
    mark = len(eva.received)
    await eva.react(room, easy["event_id"], "2️⃣")
    notice = await eva.wait_for(lambda e: "🔒" in body(e), after=mark)
    mark = len(eva.received)
    await eva.react(room, notice["event_id"], "1️⃣")
    await eva.wait_for(lambda e: "🏠" in body(e), after=mark)
    await _until_outbox_done(db)
    # Sent is not yet received: the menu's voice may still be on its way to her, and would
    # be counted as the next line's (CI: one voice more than lines). Until each line since
    # the last answer was heard.
    await _until(lambda: _all_heard(eva, mark))
    return room


async def _all_heard(eva: EncryptedPerson, since: int) -> bool:
    kinds = [event["content"].get("msgtype") for _room, event in eva.received[since:]]
    lines = sum(kind in ("m.text", "m.notice") for kind in kinds)
    return kinds.count("m.audio") >= lines > 0


async def _heard(eva: EncryptedPerson, line: str, mark: int) -> None:
    """Eva got ``line`` (after her ``mark``-th event) written, and then its voice."""
    told = await eva.wait_for(lambda e: body(e) == line, after=mark)
    events = [event for _room, event in eva.received]
    await eva.wait_for(
        lambda e: e["content"].get("msgtype") == "m.audio", after=events.index(told) + 1
    )


async def _until_outbox_done(db: Database) -> None:
    """Until everything queued is sent (or given up)."""
    await _until(lambda: _outbox_done(db))


async def _outbox_done(db: Database) -> bool:
    rows = await db.fetch_all("SELECT 1 FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL")
    return not rows
