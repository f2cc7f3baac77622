"""Webhook mode: Telegram posts updates to the bot's own HTTP server; the secret is checked."""

from __future__ import annotations

import json

import aiohttp

from bot.config import TelegramSection
from bot.transports.telegram import TelegramTransport
from handlers.dispatcher import Dispatcher
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.ports import free_port


async def test_webhook_checks_the_secret_and_answers(
    fake_telegram: FakeTelegram, dispatcher: Dispatcher
):
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
    try:
        registered = await fake_telegram.wait_for("setWebhook")
        assert registered.params["url"] == "https://bot.example.org/telegram"
        assert registered.params["secret_token"] == "s3cret"
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 42, "type": "private"},
                "from": {"id": 42, "is_bot": False, "first_name": "A", "language_code": "ro"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        url = f"http://127.0.0.1:{port}/telegram"
        headers = {"Content-Type": "application/json"}
        async with aiohttp.ClientSession() as session:
            async with session.post(
                url,
                data=json.dumps(update),
                headers={**headers, "X-Telegram-Bot-Api-Secret-Token": "wrong"},
            ) as response:
                assert response.status == 403
            # A secret that is not ASCII: refused too, not a 500.
            async with session.post(
                url,
                data=json.dumps(update),
                headers={**headers, "X-Telegram-Bot-Api-Secret-Token": "s3crét①"},
            ) as response:
                assert response.status == 403
            async with session.post(
                url,
                data=json.dumps(update),
                headers={**headers, "X-Telegram-Bot-Api-Secret-Token": "s3cret"},
            ) as response:
                assert response.status == 200
                # Telegram hears "200" only after the update was handled and answered: had
                # the bot died before, Telegram would send it again.
                assert fake_telegram.calls_to("sendMessage", chat_id=42)
            async with session.post(
                url,
                data="{not json",
                headers={**headers, "X-Telegram-Bot-Api-Secret-Token": "s3cret"},
            ) as response:
                assert response.status == 400
        answer = await fake_telegram.wait_for("sendMessage", chat_id=42)
        assert answer.button_labels[0] == "✅ Română"
        assert len(fake_telegram.calls_to("sendMessage")) == 1
    finally:
        await transport.stop()


def test_updates_are_taken_at_the_webhook_urls_own_path_and_at_telegram():
    from bot.transports.telegram_webhook import paths

    assert paths("https://bot.example.org/telegram") == ["/telegram"]
    assert paths("https://bot.example.org/") == ["/telegram"]
    # One host, a path per city: a proxy that forwards the whole path, or strips its prefix.
    assert paths("https://bot.example.org/unna/telegram/") == ["/unna/telegram", "/telegram"]
