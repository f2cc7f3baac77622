"""A voice message between Telegram and Matrix really carries the sound across: the outbox
worker downloads it from one platform and uploads it to the other (real Synapse, fake Bot
API server)."""

from __future__ import annotations

import asyncio
import io

import nio

from bot.delivery import OutboxWorker
from db import Database
from handlers.settings import HandlerSettings
from tests.support.fake_telegram import FakeTelegram
from tests.support.matrix_bot import BOT_NUMBERS, Bot, WithTelegram, onboard
from tests.support.matrix_people import MatrixPerson, body
from tests.support.synapse_server import Synapse

FROM_TELEGRAM = b"OggS-from-telegram" + bytes(range(256)) * 8
FROM_MATRIX = b"OggS-from-matrix" + bytes(reversed(range(256))) * 8


async def test_voice_crosses_between_telegram_and_matrix(
    synapse: Synapse,
    db: Database,
    fake_telegram: FakeTelegram,
):
    vera = MatrixPerson(synapse, "vera")
    await vera.start()
    running = Bot(
        synapse,
        db,
        HandlerSettings(require_verified_volunteers=False),
        synapse.register(f"voicebot{next(BOT_NUMBERS)}"),
    )
    both = WithTelegram(running, fake_telegram)
    await both.start()
    try:
        # Vera on Matrix helps Amira on Telegram: a running contact.
        vera_room = await onboard(vera, running, "1")  # Deutsch
        volunteer = await db.users.find("matrix", vera.user_id)
        fake_telegram.names[1001] = "Amira"
        amira = await db.users.seen("telegram", "1001", "1001", "Amira")
        await db.users.set_language(amira.id, "de")
        await db.users.record_consent(amira.id)
        request = await db.requests.create(
            amira.id, amira.id, category="shopping", description="Wasserkisten tragen"
        )
        await db.requests.transition(request.id, "open", None)
        await db.requests.transition(request.id, "matched", None, volunteer_id=volunteer.id)
        for user_id in (amira.id, volunteer.id):
            await db.users.set_state(user_id, "relay", {"request_id": request.id})

        # Telegram → Matrix: downloaded from Telegram, uploaded to the homeserver, sent as
        # a voice message with its info.
        mark = len(vera.received)
        fake_telegram.send_voice(1001, FROM_TELEGRAM, duration=4)
        audio = await vera.wait_for(
            lambda e: e.get("content", {}).get("msgtype") == "m.audio", after=mark
        )
        content = audio["content"]
        assert "Amira" in body(audio)
        assert content["url"].startswith("mxc://")
        assert content["info"]["mimetype"] == "audio/ogg"
        assert content["info"]["duration"] == 4000
        assert content["info"]["size"] == len(FROM_TELEGRAM)
        assert "org.matrix.msc3245.voice" in content
        assert content["org.matrix.msc1767.audio"]["duration"] == 4000
        assert fake_telegram.calls_to("getFile")
        downloaded = await vera.client.download(mxc=content["url"])
        assert isinstance(downloaded, nio.MemoryDownloadResponse), downloaded
        assert downloaded.body == FROM_TELEGRAM

        # Matrix → Telegram: Vera records a voice message; Amira gets it as an upload.
        upload, _ = await vera.client.upload(
            io.BytesIO(FROM_MATRIX),
            content_type="audio/ogg",
            filename="voice.ogg",
            filesize=len(FROM_MATRIX),
        )
        assert isinstance(upload, nio.UploadResponse), upload
        mark = len(fake_telegram.calls)
        await vera.send(
            vera_room,
            "m.room.message",
            {
                "msgtype": "m.audio",
                "body": "Voice message",
                "url": upload.content_uri,
                "info": {"mimetype": "audio/ogg", "duration": 2500, "size": len(FROM_MATRIX)},
                "org.matrix.msc1767.audio": {"duration": 2500},
                "org.matrix.msc3245.voice": {},
            },
        )
        sent = await fake_telegram.wait_for("sendVoice", after=mark, chat_id=1001)
        assert isinstance(sent.params["voice"], dict)  # an upload, not a Matrix URI
        assert sent.params["voice"]["content"] == FROM_MATRIX
        assert str(sent.params.get("duration")) in ("2", "3")
        assert vera.user_id not in sent.text
        await fake_telegram.settle()
        assert await db.outbox.pending() == 0
    finally:
        await both.stop()
        await vera.stop()


async def test_a_matrix_voice_keeps_its_info_and_voice_flag(
    synapse: Synapse,
    db: Database,
):
    """Relayed within Matrix, by its mxc:// URI, with mimetype, duration and the flags."""
    alice = MatrixPerson(synapse, "alice")
    bob = MatrixPerson(synapse, "bob")
    await alice.start()
    await bob.start()
    running = Bot(synapse, db, HandlerSettings(require_verified_volunteers=False))
    matrix = await running.start()
    worker = OutboxWorker(db, [matrix], poll_seconds=0.2)
    running.dispatcher.on_queued = worker.wake
    stop = asyncio.Event()
    delivery = asyncio.create_task(worker.run(stop))
    try:
        alice_room = await onboard(alice, running, "1")
        await onboard(bob, running, "1")
        requester = await db.users.find("matrix", alice.user_id)
        helper = await db.users.find("matrix", bob.user_id)
        request = await db.requests.create(
            requester.id, requester.id, category="shopping", description="Wasserkisten"
        )
        await db.requests.transition(request.id, "open", None)
        await db.requests.transition(request.id, "matched", None, volunteer_id=helper.id)
        for user_id in (requester.id, helper.id):
            await db.users.set_state(user_id, "relay", {"request_id": request.id})
        upload, _ = await alice.client.upload(
            io.BytesIO(FROM_MATRIX), content_type="audio/ogg", filesize=len(FROM_MATRIX)
        )
        mark = len(bob.received)
        await alice.send(
            alice_room,
            "m.room.message",
            {
                "msgtype": "m.audio",
                "body": "Voice message",
                "url": upload.content_uri,
                "info": {"mimetype": "audio/ogg", "duration": 2345},
                "org.matrix.msc3245.voice": {},
            },
        )
        audio = await bob.wait_for(
            lambda e: e.get("content", {}).get("msgtype") == "m.audio", after=mark
        )
        content = audio["content"]
        assert content["url"] == upload.content_uri
        assert content["info"] == {"mimetype": "audio/ogg", "duration": 2345}
        assert content["org.matrix.msc1767.audio"] == {"duration": 2345}
        assert content["org.matrix.msc3245.voice"] == {}
    finally:
        stop.set()
        await delivery
        await running.stop()
        await alice.stop()
        await bob.stop()
