"""A request's voice message on the desk (bot/web/desk/voice.py), through the real web
server and the real Telegram transport fetching from the fake Bot API server: coordinators
hear it, fetched from Telegram each time and never cached; residents, banned and former
coordinators get 403; after the request's retention it is 404; a file Telegram cannot
deliver gets a clear page, and no log holds the file's id."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.app import apply_retention
from bot.config import Config
from bot.web.desk.voice import audio_type
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support import browser
from tests.support.bot_process import launch_bot
from tests.support.cli import stop_bot
from tests.support.desk_client import log_in
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.memory_transport import MemoryTransport
from tests.support.ogg_opus import silence
from tests.support.ports import free_port
from tests.support.telegram_wiring import telegram_person, telegram_with_worker
from tests.support.web_site import browser_session, serving

EN = {"Accept-Language": "en"}
VOICE = silence(2.0)
FAILED = "The voice message could not be fetched from the chat service"


@dataclass
class Desk:
    base: str
    chat: MemoryTransport  # where coordinators ask for their login link


@pytest.fixture
async def desk(
    db: Database, settings: HandlerSettings, fake_telegram: FakeTelegram
) -> AsyncIterator[Desk]:
    """The web of a city running Telegram: its desk fetches files through the transport."""
    async with (
        telegram_with_worker(fake_telegram, db, settings) as wired,
        serving(db, settings, media=[wired.transport]) as (site, base),
    ):
        yield Desk(base, MemoryTransport(Dispatcher(db, build_router(), site.settings)))


async def _voice_request(db: Database, fake: FakeTelegram, state: str = "review", **values):
    amira = await telegram_person(db, 1001, "Amira", "ar")
    file_id = fake.add_file(VOICE)
    request = await db.requests.create(
        amira,
        amira,
        state=state,
        category="shopping",
        voice_file_id=file_id,
        voice_platform="telegram",
        **values,
    )
    return request.id, file_id


def _downloads(fake: FakeTelegram) -> int:
    return len(fake.calls_to("download"))


async def test_coordinators_hear_the_voice_fetched_from_telegram_each_time(
    db, desk, fake_telegram, caplog
):
    caplog.set_level(logging.INFO)
    request_id, file_id = await _voice_request(db, fake_telegram)
    plain = await db.requests.create(None, None, category="shopping", description="Einkauf")
    voice = f"{desk.base}/desk/requests/{request_id}/voice"
    async with browser_session(headers=EN) as browser:
        await log_in(desk.chat, db, browser)
        # The queue and the request's page carry the player, labelled, loading nothing yet.
        for page_path in ("/desk/queue", f"/desk/requests/{request_id}"):
            async with browser.get(desk.base + page_path) as page:
                html = await page.text()
            player = re.search(rf'<audio [^>]*src="/desk/requests/{request_id}/voice"[^>]*>', html)
            assert player, page_path
            assert 'preload="none"' in player.group(0) and "controls" in player.group(0)
            assert f'aria-label="Voice message of request #{request_id}"' in player.group(0)
            assert "desk-voice.js" in html
        assert _downloads(fake_telegram) == 0
        async with browser.get(f"{desk.base}/desk/requests/{plain.id}") as page:
            assert "<audio" not in await page.text()

        async with browser.get(voice) as sound:
            assert sound.status == 200
            assert sound.headers["Content-Type"] == "audio/ogg"
            assert sound.headers["Cache-Control"] == "no-store"
            assert sound.headers["Accept-Ranges"] == "bytes"
            assert await sound.read() == VOICE
        # A player's ranges: from the start, a slice, the end; one it cannot have.
        size = len(VOICE)
        for asked, status, expected, where in (
            ("bytes=0-", 206, VOICE, f"0-{size - 1}/{size}"),
            ("bytes=4-9", 206, VOICE[4:10], f"4-9/{size}"),
            ("bytes=-16", 206, VOICE[-16:], f"{size - 16}-{size - 1}/{size}"),
            (f"bytes={size}-", 416, b"", f"*/{size}"),
        ):
            async with browser.get(voice, headers={"Range": asked}) as sound:
                assert sound.status == status, asked
                assert await sound.read() == expected, asked
                assert sound.headers["Content-Range"] == f"bytes {where}", asked
                assert sound.headers["Cache-Control"] == "no-store"
        # Nothing kept: every answer came from Telegram (the refused range asked it too).
        assert _downloads(fake_telegram) == 5
        async with browser.get(f"{desk.base}/desk/requests/{plain.id}/voice") as sound:
            assert sound.status == 404
        async with browser.get(f"{desk.base}/desk/requests/999999/voice") as sound:
            assert sound.status == 404
    assert file_id not in caplog.text


async def test_residents_banned_and_former_coordinators_get_403(db, desk, fake_telegram):
    request_id, _ = await _voice_request(db, fake_telegram)
    voice = f"{desk.base}/desk/requests/{request_id}/voice"
    async with browser_session() as stranger, stranger.get(voice) as sound:
        assert sound.status == 403
    async with browser_session(headers=EN) as browser:
        cora = await log_in(desk.chat, db, browser, "cora")
        async with browser.get(voice) as sound:
            assert sound.status == 200
        # The role taken away: refused at the next request, with the session still open.
        await db.users.revoke_role(cora, "coordinator")
        async with browser.get(voice) as sound:
            assert sound.status == 403
            assert await sound.read() != VOICE
    # A banned coordinator: the ban ends her sessions; one opened anyway is refused too.
    async with browser_session(headers=EN) as browser:
        bernd = await log_in(desk.chat, db, browser, "bernd")
        await db.users.set_banned(bernd, True)
        async with browser.get(voice) as sound:
            assert sound.status == 403
        session_id, _ = await db.desk.open_session(bernd, datetime.now(UTC))
    async with (
        browser_session(cookies={"nb_desk": session_id}) as banned,
        banned.get(voice) as sound,
    ):
        assert sound.status == 403
    assert _downloads(fake_telegram) == 1


async def test_after_the_requests_retention_the_voice_is_gone(db, desk, fake_telegram):
    request_id, _ = await _voice_request(db, fake_telegram, state="open")
    voice = f"{desk.base}/desk/requests/{request_id}/voice"
    async with browser_session(headers=EN) as browser:
        await log_in(desk.chat, db, browser)
        async with browser.get(voice) as sound:
            assert sound.status == 200
        await db.requests.transition(request_id, "expired", None)
        async with browser.get(voice) as sound:  # closed, but not yet for long
            assert sound.status == 200
        await db.execute(
            "UPDATE help_requests SET closed_at = ? WHERE id = ?",
            ("2000-01-01T00:00:00Z", request_id),
        )
        await apply_retention(db, Config(), datetime.now(UTC))
        request = await db.requests.get(request_id)
        assert request is not None and request.voice_file_id == ""
        async with browser.get(voice) as sound:
            assert sound.status == 404
        async with browser.get(f"{desk.base}/desk/requests/{request_id}") as page:
            assert "<audio" not in await page.text()
    assert _downloads(fake_telegram) == 2


async def test_a_file_telegram_cannot_deliver_gets_a_clear_page(db, desk, fake_telegram, caplog):
    caplog.set_level(logging.INFO)
    request_id, file_id = await _voice_request(db, fake_telegram)
    del fake_telegram.files[file_id]
    async with browser_session(headers=EN) as browser:
        await log_in(desk.chat, db, browser)
        async with browser.get(f"{desk.base}/desk/requests/{request_id}/voice") as sound:
            assert sound.status == 502
            assert sound.headers["Cache-Control"] == "no-store"
            assert FAILED in await sound.text()
    assert f"voice of request {request_id} not fetched from telegram" in caplog.text
    assert file_id not in caplog.text


async def test_the_web_alone_fetches_the_voice_from_telegram(
    tmp_path: Path, database_url: str, db: Database, fake_telegram: FakeTelegram
):
    """``python -m bot web`` beside the bot process: it reaches Telegram for the file when
    it is first asked for, and takes no updates and sends nothing there."""
    config = tmp_path / "web.toml"
    config.write_text(
        f'[bot]\ndatabase = "{database_url}"\nlog_level = "INFO"\n'
        f'[telegram]\napi_base_url = "{fake_telegram.url}"\n',
        encoding="utf-8",
    )
    cora = await telegram_person(db, 3001, "Cora", "en", "coordinator")
    request_id, file_id = await _voice_request(db, fake_telegram)
    session_id, _ = await db.desk.open_session(cora, datetime.now(UTC))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
    env |= {"NACHBARBOT_WEB__PORT": str(port), "NACHBARBOT_TELEGRAM__TOKEN": TOKEN}
    log = tmp_path / "web.log"
    process = launch_bot(config, env, log, "web")

    async def serving() -> bool:
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            async with aiohttp.ClientSession() as http, http.get(f"{base}/desk") as answer:
                return answer.status == 403
        except aiohttp.ClientConnectionError:
            return False

    try:
        await browser.wait_until(serving, timeout=30)
        assert not fake_telegram.calls_to("getFile")  # nothing reached before it is needed
        async with (
            browser_session(cookies={"nb_desk": session_id}) as http,
            http.get(f"{base}/desk/requests/{request_id}/voice") as sound,
        ):
            assert sound.status == 200, log.read_text(errors="replace")[-3000:]
            assert sound.headers["Content-Type"] == "audio/ogg"
            assert await sound.read() == VOICE
    finally:
        await stop_bot(process)
    called = {call.method for call in fake_telegram.calls}
    assert called <= {"getMe", "getFile", "download"}, called
    assert file_id not in log.read_text(errors="replace")


async def test_without_a_connection_to_the_platform_the_page_says_so(db, settings, fake_telegram):
    """A web that runs no transport for the voice's platform (the console's): the note."""
    request_id, _ = await _voice_request(db, fake_telegram)
    async with serving(db, settings) as (site, base):
        chat = MemoryTransport(Dispatcher(db, build_router(), site.settings))
        async with browser_session(headers=EN) as browser:
            await log_in(chat, db, browser)
            async with browser.get(f"{base}/desk/requests/{request_id}/voice") as sound:
                assert sound.status == 502
                assert FAILED in await sound.text()
    assert _downloads(fake_telegram) == 0


def test_the_served_type_names_the_sound():
    assert audio_type(VOICE, "audio/ogg") == "audio/ogg"
    assert audio_type(b"ID3...", "audio/mpeg") == "audio/mpeg"
    # An encrypted Matrix file comes without a type: OGG told by its first bytes.
    assert audio_type(VOICE, "") == "audio/ogg"
    assert audio_type(VOICE, "application/octet-stream") == "audio/ogg"
    assert audio_type(b"\x00\x01", "") == "application/octet-stream"
