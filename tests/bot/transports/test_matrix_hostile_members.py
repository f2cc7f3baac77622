"""What anyone who can write to the bot can make it do with encrypted events, against the
real Synapse with an independent encrypting client per person
(tests/support/matrix_encrypted_people.py): messages whose room key never comes are kept
within bounds of their own (apart from the flood limit, so that the sender's next readable
message is answered) and answered with one line per person; no key is asked for; an
encrypted file is taken only as the spec's version 2 and within the size the bot
downloads."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import nio
import pytest
from aiohttp import web

from bot.config import BotSection
from bot.transports.matrix import media
from bot.transports.matrix.inbound import KEPT_PER_SENDER, UNDECRYPTED_PER_MINUTE
from bot.transports.sending import DeliveryError
from db import Database
from db.transport_state import UNDECRYPTED
from handlers.limits.encrypted_work import UNREADABLE
from handlers.settings import HandlerSettings
from locales import translator
from tests.support.matrix_bot import BOT_NUMBERS, Bot, all_synced, delivering
from tests.support.matrix_encrypted_people import HANG, EncryptedPerson
from tests.support.matrix_people import body
from tests.support.ports import free_port
from tests.support.synapse_server import Synapse

# A hang detector for the bot catching up with its homeserver, not a speed bound.
HANG_TRIES = 600


@pytest.fixture
async def matrix_bot(synapse: Synapse, db: Database) -> AsyncIterator[Bot]:
    """The bot with its outbox worker: the line asking to send an unreadable message again
    goes through the outbox, as every message to a person does."""
    running = Bot(synapse, db, HandlerSettings())
    await running.start()
    try:
        async with delivering(running):
            yield running
    finally:
        await running.stop()


async def _onboard(person: EncryptedPerson, bot: Bot) -> str:
    """Element X's way in (the chat created with its first message), English chosen by
    reacting, the privacy notice agreed to; the room."""
    assert bot.transport is not None
    bot.transport.config = replace(bot.transport.config, greeting_wait_seconds=600)
    room = await person.dm_like_element_x(bot.user_id, "Hallo")
    picker = await person.wait_for(lambda e: "1️⃣" in body(e) and e["room"] == room)
    mark = len(person.received)
    await person.react(room, picker["event_id"], "2️⃣")  # English
    notice = await person.wait_for(lambda e: "🔒" in body(e), after=mark)
    mark = len(person.received)
    await person.react(room, notice["event_id"], "1️⃣")
    await person.wait_for(lambda e: "🏠" in body(e), after=mark)
    return room


def _waits(bot: Bot, seconds: int) -> None:
    assert bot.transport is not None
    bot.transport.config = replace(bot.transport.config, key_wait_seconds=seconds)


def _apologies(person: EncryptedPerson, room: str) -> list[dict]:
    line = translator("en").t(UNREADABLE)
    return [e for r, e in person.received if r == room and body(e) == line]


async def test_thirty_unreadable_messages_are_kept_within_the_cap_and_get_one_line(
    eva: EncryptedPerson, matrix_bot: Bot, synapse: Synapse
):
    room = await _onboard(eva, matrix_bot)
    # Long enough that all thirty are there before any wait ends, however slow the machine.
    _waits(matrix_bot, 600)
    sent = await eva.say_many_withholding_key(room, [f"Nachricht {n}" for n in range(30)])
    await all_synced(synapse, matrix_bot)
    stored = json.loads(await matrix_bot.db.transport_state.get(UNDECRYPTED + room) or "{}")
    assert isinstance(stored, dict), "kept as a bare list, without a cap"
    kept = [item["event"]["event_id"] for item in stored["events"]]
    # The first ones are kept; that later ones came is noted once.
    assert kept == sent[:KEPT_PER_SENDER]
    assert list(stored["late"]) == [eva.user_id]
    # Her phone is lost with the key: the wait ends, she is asked once to send again.
    eva.lose_withheld_keys(room)
    _waits(matrix_bot, 1)
    await eva.wait_for(lambda e: body(e) == translator("en").t(UNREADABLE))
    # Her next message is answered, and no second line came before (or with) the answer.
    mark = len(eva.received)
    await eva.say(room, "!help")
    await eva.wait_for(lambda e: "!menu" in body(e), after=mark)
    assert len(_apologies(eva, room)) == 1


async def test_a_person_asked_once_is_not_asked_again_for_what_came_before(
    eva: EncryptedPerson, matrix_bot: Bot, synapse: Synapse
):
    """Two unreadable messages whose waits end in two rounds: the line said when the
    first's ended covers the second, which came before it."""
    room = await _onboard(eva, matrix_bot)
    _waits(matrix_bot, 600)
    first, second = await eva.say_many_withholding_key(room, ["eins", "zwei"])
    await all_synced(synapse, matrix_bot)
    state = matrix_bot.db.transport_state
    key = UNDECRYPTED + room
    # The first's wait ends (the bot's rounds run after every sync, a second apart here).
    await _came_long_ago(matrix_bot, room, first)
    await eva.wait_for(lambda e: body(e) == translator("en").t(UNREADABLE))
    stored = json.loads(await state.get(key) or "{}")
    assert [item["event"]["event_id"] for item in stored["events"]] == [second]
    # Then the second's: it is given up without a word.
    await _came_long_ago(matrix_bot, room, second)
    await _until(lambda value: second not in value, state, key)
    eva.lose_withheld_keys(room)
    mark = len(eva.received)
    await eva.say(room, "!help")
    await eva.wait_for(lambda e: "!menu" in body(e), after=mark)
    assert len(_apologies(eva, room)) == 1


async def _came_long_ago(bot: Bot, room: str, event_id: str) -> None:
    """The kept event's wait has ended (what the bot wrote last is not changed meanwhile:
    its rounds write only when something waiting changes)."""
    state = bot.db.transport_state
    stored = json.loads(await state.get(UNDECRYPTED + room) or "{}")
    for item in stored["events"]:
        if item["event"]["event_id"] == event_id:
            item["since"] = "2000-01-01T00:00:00+00:00"
    await state.set(UNDECRYPTED + room, json.dumps(stored))


async def _until(condition, state, key: str) -> None:
    """Until the stored value holds the condition (a hang detector, not a speed bound)."""
    for _ in range(HANG_TRIES):
        if condition(await state.get(key) or ""):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the condition never held")


async def test_unreadable_messages_leave_the_next_readable_one_answered(
    eva: EncryptedPerson, matrix_bot: Bot, synapse: Synapse
):
    """A person whose client failed to share its room keys (the usual cause, not an
    attack): thirty unreadable messages in a minute, at a city's flood limit, cost what is
    kept for them and one line, and her readable message in the same minute is answered,
    not taken for a flood."""
    room = await _onboard(eva, matrix_bot)
    dispatcher = matrix_bot.dispatcher
    limit = BotSection().max_messages_per_minute  # a city's default
    assert limit < 30
    dispatcher.settings = replace(dispatcher.settings, max_messages_per_minute=limit)
    # One minute for everything from here on, however slow the machine; the onboarding's
    # messages lie more than a minute before it.
    now = time.monotonic() + 3600
    dispatcher.clock = lambda: now
    _waits(matrix_bot, 600)
    sent = await eva.say_many_withholding_key(room, [f"Nachricht {n}" for n in range(30)])
    await all_synced(synapse, matrix_bot)
    stored = json.loads(await matrix_bot.db.transport_state.get(UNDECRYPTED + room) or "{}")
    assert [item["event"]["event_id"] for item in stored["events"]] == sent[:KEPT_PER_SENDER]
    assert list(stored["late"]) == [eva.user_id]
    eva.lose_withheld_keys(room)
    _waits(matrix_bot, 1)
    await eva.wait_for(lambda e: body(e) == translator("en").t(UNREADABLE))
    mark = len(eva.received)
    await eva.say(room, "!help")  # the thirty-first message in the minute
    await eva.wait_for(lambda e: "!menu" in body(e), after=mark)
    slow = translator("en").t(
        "🐢 That was a lot of messages at once. Please wait a minute, then I will answer again."
    )
    assert not [e for _, e in eva.received if body(e) == slow]
    assert len(_apologies(eva, room)) == 1


async def test_unreadable_messages_are_bounded_per_sender_across_direct_chats(
    eva: EncryptedPerson, matrix_bot: Bot, synapse: Synapse
):
    """Anyone can open direct chats with the bot: in a minute, no more than
    ``UNDECRYPTED_PER_MINUTE`` unreadable messages of one sender are looked at, however
    many chats they come through; past that nothing is kept (or read) for them."""
    first = await _onboard(eva, matrix_bot)
    matrix_bot.dispatcher.clock = lambda: 1000.0  # one minute, however slow the machine
    _waits(matrix_bot, 600)
    rooms = [first]
    while len(rooms) * KEPT_PER_SENDER < UNDECRYPTED_PER_MINUTE:
        rooms.append(await eva.dm(matrix_bot.user_id))
    rooms.append(await eva.dm(matrix_bot.user_id))  # one chat more than the bound fills
    sent = {}
    for room in rooms:
        sent[room] = await eva.say_many_withholding_key(
            room, [f"Nachricht {n}" for n in range(KEPT_PER_SENDER)]
        )
        await all_synced(synapse, matrix_bot)
    state = matrix_bot.db.transport_state
    kept = []
    for room in rooms:
        stored = json.loads(await state.get(UNDECRYPTED + room) or "{}")
        events = [item["event"]["event_id"] for item in stored.get("events", [])]
        assert events == sent[room][: len(events)], "kept in another order than they came"
        kept += events
    assert len(kept) == UNDECRYPTED_PER_MINUTE
    assert not await state.get(UNDECRYPTED + rooms[-1])


async def test_a_late_key_is_not_asked_for_and_its_message_is_answered_once(
    eva: EncryptedPerson, matrix_bot: Bot, synapse: Synapse
):
    """matrix-nio would take a forwarded key only from the bot's own devices: a key
    request to the sender achieves nothing, so none is sent. The sender's late room key
    gets the message answered."""
    room = await _onboard(eva, matrix_bot)
    _waits(matrix_bot, 600)
    mark = len(eva.received)
    await eva.say_withholding_key(room, "!help")
    await all_synced(synapse, matrix_bot)
    await eva.share_withheld_keys(room)
    await eva.wait_for(lambda e: "!menu" in body(e), after=mark)
    # Eva's sync that brought the answer brought what was sent to her devices before it.
    assert not [kind for _, kind in eva.to_device if kind == "m.room_key_request"]
    await eva.say(room, "!start")
    await eva.wait_for(lambda e: "🏠" in body(e), after=mark)
    assert len([e for _, e in eva.received[mark:] if "!menu" in body(e)]) == 1


# -- encrypted files ------------------------------------------------------------------


def test_only_version_2_files_with_an_aes_256_ctr_key_are_decrypted():
    ciphertext, keys = nio.crypto.encrypt_attachment(b"Hallo Nachbarn")
    assert media.decrypt(ciphertext, keys) == b"Hallo Nachbarn"
    for changed in (
        {**keys, "v": "v1"},
        {key: value for key, value in keys.items() if key != "v"},
        {**keys, "key": {**keys["key"], "alg": "A128CTR"}},
        {**keys, "key": "not a key"},
        {**keys, "hashes": {}},
    ):
        with pytest.raises(media.RefusedFile):
            media.decrypt(ciphertext, changed)
    with pytest.raises(media.RefusedFile):
        media.decrypt(ciphertext + b"!", keys)  # a changed file


async def _upload(person: EncryptedPerson, content: bytes, *, encrypt: bool) -> str:
    """A file in the homeserver's media repository, as a message names it to the bot
    (``Media.file_id``)."""
    upload, keys = await person.client.upload(
        io.BytesIO(content),
        content_type="application/octet-stream",
        filename=None,
        encrypt=encrypt,
        filesize=len(content),
    )
    assert isinstance(upload, nio.UploadResponse), upload
    if keys is None:
        return upload.content_uri
    return media.file_id({"file": {**keys, "url": upload.content_uri}})


async def test_encrypted_files_of_another_version_are_refused_without_a_traceback(
    eva: EncryptedPerson, matrix_bot: Bot, caplog: pytest.LogCaptureFixture
):
    transport = matrix_bot.transport
    assert transport is not None
    file_id = await _upload(eva, b"Sprachnachricht", encrypt=True)
    assert await transport.fetch_media(file_id) == (b"Sprachnachricht", "")
    file = media.encrypted_file(file_id)
    assert file is not None
    caplog.set_level(logging.DEBUG)
    for changed in ({**file, "v": "v1"}, {**file, "key": {**file["key"], "alg": "A128CTR"}}):
        with pytest.raises(DeliveryError) as refused:
            await transport.fetch_media(media.file_id({"file": changed}))
        assert refused.value.permanent
    assert not [r for r in caplog.records if r.exc_info]


async def test_a_file_over_the_size_the_bot_takes_is_refused_before_it_is_decrypted(
    eva: EncryptedPerson, matrix_bot: Bot, monkeypatch: pytest.MonkeyPatch
):
    transport = matrix_bot.transport
    assert transport is not None
    monkeypatch.setattr(media, "MOST_BYTES", 1000)
    within = await _upload(eva, b"x" * 1000, encrypt=True)
    assert await transport.fetch_media(within) == (b"x" * 1000, "")
    for encrypt in (True, False):
        over = await _upload(eva, b"x" * 5000, encrypt=encrypt)
        with pytest.raises(DeliveryError) as refused:
            await transport.fetch_media(over)
        assert refused.value.permanent
        assert "too large" in str(refused.value)


async def test_a_file_without_end_is_refused_once_it_is_larger(monkeypatch: pytest.MonkeyPatch):
    """A homeserver (or a file served over federation) that declares no length and never
    ends: the download stops at the limit instead of reading on for ever (the hang
    detector would end a download that reads on)."""
    monkeypatch.setattr(media, "MOST_BYTES", 100_000)

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()  # chunked: no length declared
        await response.prepare(request)
        with contextlib.suppress(Exception):  # the bot hangs up
            while True:
                await response.write(b"x" * 4096)
        return response

    app = web.Application()
    app.router.add_get("/_matrix/client/v1/media/download/{server}/{media}", endless)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    client = nio.AsyncClient(f"http://127.0.0.1:{port}", "@bot:localhost")
    client.access_token = "token"
    try:
        with pytest.raises(DeliveryError) as refused:
            await asyncio.wait_for(media.fetch(client, "mxc://localhost/endless"), HANG)
        assert refused.value.permanent
    finally:
        await client.close()
        await runner.cleanup()


async def test_a_coordinators_unreadable_message_is_named_in_the_encrypted_room(
    synapse: Synapse, db: Database
):
    """In the coordinators' room several people write: the line asking to send a message
    again names whose message it was (it said "your last message" to the whole room)."""
    cora = EncryptedPerson(synapse, "cora")
    await cora.start()
    registration = synapse.register(f"groupbot{next(BOT_NUMBERS)}")
    group = await cora.create_private_room([registration["user_id"]], name="Koordination")
    running = Bot(
        synapse, db, HandlerSettings(backchannels=frozenset({("matrix", group)})), registration
    )
    await running.start()
    try:
        async with delivering(running):
            await cora.wait_joined(group, running.user_id)
            coordinator = await db.users.seen("matrix", cora.user_id, "", "Cora", private=False)
            await db.users.grant_role(coordinator.id, "coordinator")
            _waits(running, 0)
            mark = len(cora.received)
            await cora.say_withholding_key(group, "/pending")
            line = await cora.wait_for(
                lambda e: e["room"] == group and body(e).startswith("🔒"), after=mark
            )
            assert "Cora" in body(line), body(line)
    finally:
        await running.stop()
        await cora.stop()
