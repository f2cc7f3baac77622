"""A voice request from Matrix on the desk (bot/web/desk/voice.py): the web fetches the
file through the city's Matrix transport, connected as in a process that does not hold
the sync role (real Synapse): a plain ``mxc://`` file as the homeserver keeps it, and an
encrypted room's file (``enc:``) decrypted, with its type told by its bytes."""

from __future__ import annotations

import io

import nio
from nio.crypto import encrypt_attachment

from bot.transports.matrix import MatrixTransport
from bot.transports.matrix.media import file_id, place
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support.desk_client import log_in
from tests.support.matrix_bot import Bot
from tests.support.matrix_people import MatrixPerson
from tests.support.memory_transport import MemoryTransport
from tests.support.ogg_opus import silence
from tests.support.synapse_server import Synapse
from tests.support.web_site import browser_session, serving

VOICE = silence(1.5)


async def _upload(person: MatrixPerson, content: bytes, mime_type: str) -> str:
    answer, _ = await person.client.upload(
        io.BytesIO(content), content_type=mime_type, filesize=len(content)
    )
    assert isinstance(answer, nio.UploadResponse), answer
    return answer.content_uri


async def test_matrix_voices_plain_and_encrypted_are_played_through_the_transport(
    synapse: Synapse, db: Database, settings: HandlerSettings
):
    amira = MatrixPerson(synapse, "amira")
    plain_uri = await _upload(amira, VOICE, "audio/ogg")
    ciphertext, keys = encrypt_attachment(VOICE)
    encrypted = file_id(place(await _upload(amira, ciphertext, "application/octet-stream"), keys))
    assert encrypted.startswith("enc:")
    requester = await db.users.seen("matrix", amira.user_id, amira.user_id, "Amira")
    ids = {}
    for name, voice in (("plain", plain_uri), ("encrypted", encrypted)):
        request = await db.requests.create(
            requester.id,
            requester.id,
            category="shopping",
            voice_file_id=voice,
            voice_platform="matrix",
        )
        ids[name] = request.id
    running = Bot(synapse, db, settings)
    matrix = MatrixTransport(running.dispatcher.ports, db, running.config)
    await matrix.connect()
    try:
        async with serving(db, settings, media=[matrix]) as (site, base):
            chat = MemoryTransport(Dispatcher(db, build_router(), site.settings))
            async with browser_session(headers={"Accept-Language": "en"}) as browser:
                await log_in(chat, db, browser)
                for name, request_id in ids.items():
                    async with browser.get(f"{base}/desk/requests/{request_id}/voice") as sound:
                        assert sound.status == 200, name
                        assert sound.headers["Content-Type"] == "audio/ogg", name
                        assert sound.headers["Cache-Control"] == "no-store", name
                        assert await sound.read() == VOICE, name
                # A file the homeserver does not have: the desk's page says so.
                gone = await db.requests.create(
                    requester.id,
                    requester.id,
                    category="shopping",
                    voice_file_id=plain_uri + "x",
                    voice_platform="matrix",
                )
                async with browser.get(f"{base}/desk/requests/{gone.id}/voice") as sound:
                    assert sound.status == 502
                    assert "could not be fetched" in await sound.text()
    finally:
        await matrix.stop()
        await amira.client.close()
