"""The Bot API's calls over aiohttp (bot/transports/telegram_http.py): what python-telegram-bot
expects of a request, and whether a failed send may have reached Telegram - the outbox
decides by that between sending again and marking the item in doubt."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from markupsafe import Markup
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyKeyboardRemove,
)
from telegram.error import TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.config import TelegramSection
from bot.transports.sending import DeliveryError
from bot.transports.telegram import REMOVE_KEYBOARD, TelegramTransport
from bot.transports.telegram_http import AiohttpRequest, _proxy
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import Button, Document, Message, Picture, Voice
from handlers.settings import HandlerSettings
from tests.support.fake_telegram import TOKEN, FakeTelegram


def transport_to(url: str, db: Database) -> TelegramTransport:
    dispatcher = Dispatcher(db, build_router(), HandlerSettings())
    return TelegramTransport(dispatcher.ports, TelegramSection(api_base_url=url), TOKEN, [])


async def test_the_transport_sends_texts_and_uploads_through_it(db: Database) -> None:
    fake = FakeTelegram()
    await fake.start()
    transport = transport_to(fake.url, db)
    await transport.application.initialize()
    try:
        assert isinstance(transport.bot.request, AiohttpRequest)
        text_id = await transport.deliver("7", Message("<b>Hallo</b> & tschüss"))
        voice_id = await transport.deliver(
            "7", Voice("m1", "matrix", mime_type="audio/ogg", content=b"OggS-voice")
        )
        # A picture goes as a photo, a file as a document, each with its caption.
        png = b"\x89PNG\r\n\x1a\n" + bytes(16)
        photo_id = await transport.deliver("7", Picture(png, Markup("<b>Woche</b>")))
        document_id = await transport.deliver(
            "7", Document("daten.json", b"{}", Markup("Deine Daten"))
        )
    finally:
        await transport.application.shutdown()
        await fake.stop()
    (text,) = fake.calls_to("sendMessage")
    assert text.params["text"] == "<b>Hallo</b> & tschüss"
    assert text_id == str(text.result["message_id"])
    (voice,) = fake.calls_to("sendVoice")
    assert voice_id == str(voice.result["message_id"])
    (photo,) = fake.calls_to("sendPhoto")
    assert photo.params["caption"] == "<b>Woche</b>" and photo.params["photo"]["content"] == png
    assert photo_id == str(photo.result["message_id"])
    (document,) = fake.calls_to("sendDocument")
    assert document.params["caption"] == "Deine Daten"
    assert document.params["document"]["filename"] == "daten.json"
    assert document_id == str(document.result["message_id"])


Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _server(serve: Serve) -> AsyncIterator[str]:
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()


async def _read_request(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    await reader.readexactly(length)


async def _send_fails(url: str, db: Database) -> DeliveryError:
    transport = transport_to(url, db)
    await transport.bot.request.initialize()
    try:
        with pytest.raises(DeliveryError) as failed:
            await transport.deliver("7", Message("Hallo"))
    finally:
        await transport.bot.request.shutdown()
    return failed.value


async def test_the_parameters_go_as_json_each_as_the_bot_api_reads_a_form_value() -> None:
    # The Bot API takes a JSON body beside a form; a string value is read as a form's
    # value, so a keyboard goes as its JSON text (python-telegram-bot's ``json_payload``).
    # Encoded in C: a form quoted every byte of an Arabic answer in Python (issue 104).
    request = AiohttpRequest()
    await request.initialize()
    heard: dict[str, bytes] = {}

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        heard["head"], heard["body"] = head.lower(), await reader.readexactly(length)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\n")
        writer.write(b'{"ok":true,"result":true}\n')
        await writer.drain()
        writer.close()

    text = "قَرِيب مِنْك: <b>Café</b> & Привіт"
    keyboard = {"inline_keyboard": [[{"text": "🙋 نعم", "callback_data": "mt:acc:1"}]]}
    try:
        async for url in _server(answer):
            await request.post(
                f"{url}/bot{TOKEN}/sendMessage",
                RequestData(
                    [
                        RequestParameter.from_input("chat_id", 7),
                        RequestParameter.from_input("text", text),
                        RequestParameter.from_input("reply_markup", keyboard),
                    ]
                ),
            )
    finally:
        await request.shutdown()
    assert b"content-type: application/json" in heard["head"]
    sent = json.loads(heard["body"])
    assert sent == {"chat_id": "7", "text": text, "reply_markup": json.dumps(keyboard)}


async def test_a_message_goes_out_as_the_library_encodes_its_objects(db: Database) -> None:
    # The transport hands a kept keyboard, the keyboard's removal and the preview options
    # over already encoded (issue 104: encoded again for every message before): the
    # request carries the very strings python-telegram-bot makes of the objects.
    fake = FakeTelegram()
    await fake.start()
    transport = transport_to(fake.url, db)
    await transport.application.initialize()
    sent: list[dict[str, Any]] = []
    request = transport.bot.request
    do_request = request.do_request

    async def recording(url: str, method: str, request_data: Any = None, **kw: Any) -> Any:
        sent.append(request_data.json_parameters)
        return await do_request(url, method, request_data, **kw)

    request.do_request = recording
    buttons = [[Button("🙋 نعم", "mt:acc:1"), Button("Karte", url="https://example.org/k")]]
    try:
        for _ in range(2):  # the second from the kept keyboard
            await transport.deliver("7", Message("Hallo", buttons))
        await transport._send_text("7", "Weg", REMOVE_KEYBOARD)
    finally:
        await transport.application.shutdown()
        await fake.stop()

    def encoded(value: object) -> str | None:
        return RequestParameter.from_input("x", value).json_value

    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("🙋 نعم", callback_data="mt:acc:1"),
                InlineKeyboardButton("Karte", url="https://example.org/k"),
            ]
        ]
    )
    preview = encoded(LinkPreviewOptions(is_disabled=True))
    assert [s["reply_markup"] for s in sent] == [encoded(markup)] * 2 + [
        encoded(ReplyKeyboardRemove())
    ]
    assert all(s["link_preview_options"] == preview for s in sent)
    assert fake.calls_to("sendMessage")[0].params["reply_markup"] == markup.to_dict()


async def test_a_send_that_never_reached_telegram_is_not_in_doubt(db: Database) -> None:
    with socket.socket() as unused:  # a port nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    failed = await _send_fails(f"http://127.0.0.1:{port}", db)
    assert not failed.maybe_sent and not failed.permanent


async def test_a_connection_lost_after_the_request_leaves_it_in_doubt(db: Database) -> None:
    received = asyncio.Event()

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        received.set()
        writer.close()

    async for url in _server(hang_up):
        failed = await _send_fails(url, db)
    assert received.is_set() and failed.maybe_sent


async def test_an_answer_that_does_not_come_is_a_time_out_in_doubt() -> None:
    request = AiohttpRequest()
    await request.initialize()
    answered = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        await answered.wait()
        writer.close()

    try:
        async for url in _server(silent):
            with pytest.raises(TimedOut) as failed:
                await request.post(f"{url}/bot{TOKEN}/sendMessage", read_timeout=0.2)
            answered.set()
    finally:
        await request.shutdown()
    from bot.transports.telegram import _delivery_error

    assert _delivery_error(failed.value).maybe_sent


async def test_a_proxy_named_in_the_environment_is_used(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fake server answers a request in a proxy's form (the whole address in the
    # request line) as it answers any other: reached through it, an address that does
    # not resolve still gets its answer.
    fake = FakeTelegram()
    await fake.start()
    monkeypatch.setenv("HTTP_PROXY", fake.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    _proxy.cache_clear()
    transport = transport_to("http://api.telegram.invalid", db)
    await transport.bot.request.initialize()
    try:
        await transport.deliver("7", Message("Hallo"))
    finally:
        await transport.bot.request.shutdown()
        await fake.stop()
        _proxy.cache_clear()
    assert [c.params["text"] for c in fake.calls_to("sendMessage")] == ["Hallo"]


@pytest.mark.parametrize(
    ("environment", "proxy"),
    [
        ({"HTTPS_PROXY": "http://proxy:3128"}, "http://proxy:3128"),
        ({"ALL_PROXY": "http://proxy:3128"}, "http://proxy:3128"),
        ({"HTTPS_PROXY": "proxy:3128"}, "http://proxy:3128"),
        ({"HTTP_PROXY": "http://proxy:3128"}, None),
        ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "telegram.org"}, None),
        ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "example.org"}, "http://proxy:3128"),
    ],
)
def test_the_environment_names_the_proxy_as_httpx_read_it(
    environment: dict[str, str], proxy: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    _proxy.cache_clear()
    try:
        assert _proxy("https", "api.telegram.org") == proxy
    finally:
        _proxy.cache_clear()
