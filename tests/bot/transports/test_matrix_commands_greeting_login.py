"""Matrix manners against a real Synapse: "!" for commands, a greeting on joining a direct
chat, and one login (one device, one live token) however often the bot or doctor runs."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import nio

from bot.config import MatrixSection
from bot.transports.matrix import MatrixTransport, bang_commands
from bot.transports.matrix.key_vault import is_sealed, open_text, store_key
from bot.transports.matrix.login import SESSION
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from locales import translator
from tests.support.cli import matrix_config, run_bot
from tests.support.matrix_bot import BOT_NUMBERS, all_synced, is_notice
from tests.support.matrix_people import MatrixPerson, body
from tests.support.synapse_server import Synapse


def test_commands_are_written_with_a_bang():
    commands = {"help", "start", "myrequests"}
    assert bang_commands("Send /help or /myrequests.", commands) == "Send !help or !myrequests."
    # Not inside a link or a path, not a closing tag, not an unknown name.
    untouched = '<a href="https://x.org/help">x.org/help</a> a/help </b> /nosuch'
    assert bang_commands(untouched, commands) == untouched
    # Isolated values (Arabic, Farsi) and brackets are still commands.
    assert bang_commands("(\u2068/start\u2069)", commands) == "(\u2068!start\u2069)"
    assert bang_commands("/start", ()) == "/start"


async def test_greeting_on_joining_a_direct_chat(alice: MatrixPerson, matrix_bot, synapse: Synapse):
    room = await alice.dm(matrix_bot.user_id)
    # Nothing typed yet: the bot greets and offers the languages.
    picker = await alice.wait_for(lambda e: "1️⃣" in body(e))
    assert "Deutsch" in body(picker) and "English" in body(picker)
    # Everything handled and its answers seen: a second greeting would be among them.
    await all_synced(synapse, matrix_bot)
    await alice.caught_up()
    assert sum("1️⃣" in body(e) for _, e in alice.received if is_notice(e)) == 1
    mark = len(alice.received)
    await alice.say(room, "2")  # English
    notice = await alice.wait_for(lambda e: "🔒" in body(e), after=mark)
    mark = len(alice.received)
    await alice.react(room, notice["event_id"], "1️⃣")
    await alice.wait_for(lambda e: "🏠" in body(e), after=mark)

    # A second direct chat of someone known: greeted in their language with the menu.
    mark = len(alice.received)
    second = await alice.dm(matrix_bot.user_id)
    menu = await alice.wait_for(lambda e: e.get("room") == second, after=mark)
    assert translator("en")._("Find a place") in body(menu)
    user = await matrix_bot.db.users.find("matrix", alice.user_id)
    assert user.chat_id == second


async def _devices(server: Synapse, registration: dict[str, str]) -> list[str]:
    return server.devices(registration["access_token"])


def _doctor(server: Synapse, user_id: str, database: Path, tmp: Path) -> str:
    result = run_bot(
        "--config",
        str(matrix_config(tmp, database, server.url, user_id)),
        "doctor",
        env={"NACHBARBOT_MATRIX__PASSWORD": "bot-password"},
    )
    assert "bot-password" not in result.stdout + result.stderr
    return result.stdout


async def test_one_login_one_device(synapse: Synapse, tmp_path: Path):
    registration = synapse.register(f"loginbot{next(BOT_NUMBERS)}", password="bot-password")
    database = tmp_path / "bot.sqlite3"
    # The key beside the database, where doctor looks for it too.
    config = MatrixSection(
        homeserver=synapse.url,
        user_id=registration["user_id"],
        password="bot-password",
        sync_timeout=1,
        key_file=str(tmp_path / "bot.matrix-key"),
    )
    before = await _devices(synapse, registration)

    async def start_and_stop() -> str:
        db = await Database.open(database)
        try:
            transport = MatrixTransport(
                Dispatcher(db, build_router(), HandlerSettings()).ports, db, config
            )
            await transport.start()
            await asyncio.wait_for(transport.keys_published.wait(), 60)  # a hang detector
            assert transport.client is not None
            token = transport.client.access_token
            await transport.stop()
            return token
        finally:
            await db.close()

    first = await start_and_stop()
    after_first = await _devices(synapse, registration)
    assert len(after_first) == len(before) + 1
    # A second start restores the stored login: no new device, the same token.
    assert await start_and_stop() == first
    assert await _devices(synapse, registration) == after_first

    # doctor uses the bot's stored login: twice, and no device is added.
    for _ in range(2):
        out = await asyncio.to_thread(_doctor, synapse, config.user_id, database, tmp_path)
        assert f"ok    matrix login - {config.user_id}" in out, out
        # The bot made its identity and signed its device when it started.
        assert "ok    matrix device - cross-signed by the bot's identity" in out, out
    assert await _devices(synapse, registration) == after_first

    # The token revoked elsewhere (M_UNKNOWN_TOKEN): the bot logs in again, on its device.
    revoker = nio.AsyncClient(synapse.url, config.user_id)
    revoker.user_id, revoker.access_token = config.user_id, first
    assert isinstance(await revoker.logout(), nio.LogoutResponse)
    await revoker.close()
    renewed = await start_and_stop()
    assert renewed != first
    assert await _devices(synapse, registration) == after_first
    db = await Database.open(database)
    try:
        sealed = await db.transport_state.get(SESSION) or ""
        # Sealed with the key outside the database: a dump alone holds no usable token.
        assert is_sealed(sealed) and renewed not in sealed
        stored = json.loads(open_text(store_key(config), sealed, SESSION))
        assert stored["access_token"] == renewed and stored["user_id"] == config.user_id
        # A login stored before sealing existed is sealed at the next start.
        await db.transport_state.set(SESSION, json.dumps(stored))
    finally:
        await db.close()
    assert await start_and_stop() == renewed
    db = await Database.open(database)
    try:
        assert is_sealed(await db.transport_state.get(SESSION) or "")
    finally:
        await db.close()
