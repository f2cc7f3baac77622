"""An update the bot cannot read is skipped and confirmed, and only its id is logged.

Telegram keeps an update until ``getUpdates`` is called with a higher offset (or the
webhook answers 2xx). One that python-telegram-bot cannot read must therefore be confirmed
like any other, or the same batch comes back for ever and nothing after it is handled.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import aiohttp

from bot.config import TelegramSection
from bot.transports.telegram import TelegramTransport
from handlers.dispatcher import Dispatcher
from tests.support.bot_process import launch_bot
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.ports import free_port

SECRET_TEXT = "Geheimtext 0176 5550123 Musterweg 7"
SECRET_NAME = "Geheimname"
LEAKS = (SECRET_TEXT, "Geheimtext", "5550123", "Musterweg", SECRET_NAME, TOKEN)


def malformed(user_id: int) -> dict[str, Any]:
    """A message whose fields have the wrong types: ``chat`` is not an object and ``date``
    not a number. python-telegram-bot's Update.de_json fails on it."""
    return {
        "message": {
            "message_id": "x",
            "date": "gestern",
            "chat": "private",
            "from": {"id": user_id, "is_bot": False, "first_name": SECRET_NAME},
            "text": SECRET_TEXT,
        }
    }


def readable_but_odd(user_id: int) -> dict[str, Any]:
    """Read by de_json (it does not check types), but its text is not a string."""
    return {
        "message": {
            "message_id": 77,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": SECRET_NAME},
            "text": [SECRET_TEXT],
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        }
    }


def assert_no_leak(logged: str) -> None:
    for leaked in LEAKS:
        assert leaked not in logged, leaked


async def wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_polling_skips_and_confirms_an_unreadable_update(
    fake_telegram: FakeTelegram, dispatcher: Dispatcher, caplog
):
    caplog.set_level(logging.DEBUG)
    config = TelegramSection(api_base_url=fake_telegram.url, poll_timeout=1)
    # All three wait on the server before the bot fetches: one batch, the bad one inside.
    first = fake_telegram.send_text(6001, "/start", language_code="de")
    bad = fake_telegram.inject(malformed(6002))
    odd = fake_telegram.inject(readable_but_odd(6004))
    last = fake_telegram.send_text(6003, "/start", language_code="de")
    transport = TelegramTransport(
        dispatcher.ports, config, TOKEN, dispatcher.router.public_commands()
    )
    await transport.start()
    try:
        await fake_telegram.wait_for("sendMessage", chat_id=6001)
        await fake_telegram.wait_for("sendMessage", chat_id=6003)
        # Everything confirmed: the next getUpdates asked for ids after the last one.
        await wait_until(lambda: fake_telegram.unconfirmed() == [])
        assert not fake_telegram.calls_to("sendMessage", chat_id=6002)
        # Polling goes on.
        mark = len(fake_telegram.calls)
        fake_telegram.send_text(6005, "/start", language_code="de")
        await fake_telegram.wait_for("sendMessage", after=mark, chat_id=6005)
        assert transport.polling is not None and transport.polling.running
    finally:
        await transport.stop()
    assert first < bad < odd < last
    messages = [record.getMessage() for record in caplog.records]
    assert any("could not be read" in m and str(bad) in m for m in messages), messages
    assert_no_leak(caplog.text)
    # Nor in the tracebacks of anything logged.
    assert_no_leak(
        "\n".join(
            caplog.formatter.formatException(r.exc_info) for r in caplog.records if r.exc_info
        )
    )


async def test_webhook_answers_200_for_an_unreadable_update(
    fake_telegram: FakeTelegram, dispatcher: Dispatcher, caplog
):
    caplog.set_level(logging.DEBUG)
    port = free_port()
    config = TelegramSection(
        api_base_url=fake_telegram.url,
        mode="webhook",
        webhook_url="https://bot.example.org/telegram",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret="s3cret",
    )
    transport = TelegramTransport(
        dispatcher.ports, config, TOKEN, dispatcher.router.public_commands()
    )
    await transport.start()
    url = f"http://127.0.0.1:{port}/telegram"
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "s3cret"}

    def good(update_id: int, user_id: int) -> dict[str, Any]:
        return {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private"},
                "from": {"id": user_id, "is_bot": False, "first_name": "A"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }

    try:
        statuses = []
        async with aiohttp.ClientSession() as session:
            for update in (
                good(11, 7001),
                {"update_id": 12, **malformed(7002)},
                {"update_id": 13, **readable_but_odd(7004)},
                good(14, 7003),
            ):
                async with session.post(url, data=json.dumps(update), headers=headers) as response:
                    statuses.append(response.status)
        # 200 for all: Telegram would otherwise send the bad ones again and again.
        assert statuses == [200, 200, 200, 200]
        assert fake_telegram.calls_to("sendMessage", chat_id=7001)
        assert fake_telegram.calls_to("sendMessage", chat_id=7003)
        assert not fake_telegram.calls_to("sendMessage", chat_id=7002)
    finally:
        await transport.stop()
    messages = [record.getMessage() for record in caplog.records]
    assert any("could not be read" in m and "12" in m for m in messages), messages
    assert_no_leak(caplog.text)


async def test_the_running_bot_goes_past_an_unreadable_update(
    tmp_path: Path, fake_telegram: FakeTelegram
):
    """``python -m bot run`` at log level DEBUG: the updates around the bad one are
    answered, the bad one is confirmed, and nothing of it is in the log."""
    config = tmp_path / "bot.toml"
    config.write_text(
        f'[bot]\ndatabase = "{tmp_path / "bot.sqlite3"}"\nlog_level = "DEBUG"\n'
        f'[telegram]\napi_base_url = "{fake_telegram.url}"\npoll_timeout = 1\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
    env["NACHBARBOT_TELEGRAM__TOKEN"] = TOKEN
    fake_telegram.send_text(8001, "/start", language_code="de")
    bad = fake_telegram.inject(malformed(8002))
    fake_telegram.send_text(8003, "/start", language_code="de")
    log_path = tmp_path / "bot.log"
    process = launch_bot(config, env, log_path)
    try:
        await fake_telegram.wait_for("sendMessage", chat_id=8001)
        await fake_telegram.wait_for("sendMessage", chat_id=8003)
        await wait_until(lambda: fake_telegram.unconfirmed() == [], timeout=30)
        mark = len(fake_telegram.calls)
        fake_telegram.send_text(8005, "/start", language_code="de")
        await fake_telegram.wait_for("sendMessage", after=mark, chat_id=8005)
    finally:
        process.terminate()
        process.wait(timeout=30)
    logged = log_path.read_text(encoding="utf-8", errors="replace")
    assert f"telegram update {bad} could not be read" in logged, logged[-3000:]
    assert_no_leak(logged)
