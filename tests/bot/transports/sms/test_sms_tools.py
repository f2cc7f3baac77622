"""The SMS tests' components without the bot (tests/support/sms): Kannel with fakesmsc as
the phone network carries texts both ways in UTF-8, and the Android gateway fake signs its
webhooks as its documentation says. A tiny aiohttp server stands in for the bot's URL."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web

from tests.support.ports import free_port
from tests.support.sms.android_gateway import (
    FakeAndroidGateway,
    old_timestamp,
    verify_signature,
)
from tests.support.sms.fixtures import KannelStarter

RESIDENT = "+491701234567"
ARABIC = "مرحبا"


@dataclass
class Receiver:
    """Records what reaches the stand-in for the bot's incoming URL."""

    url: str
    requests: list[tuple[dict[str, str], bytes, dict[str, str]]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_for_count(self, count: int, timeout: float = 60.0) -> None:
        async def enough() -> None:
            while len(self.requests) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(enough(), timeout)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    port = free_port()
    found = Receiver(f"http://127.0.0.1:{port}/sms/incoming")

    async def record(request: web.Request) -> web.Response:
        found.requests.append((dict(request.headers), await request.read(), dict(request.query)))
        found.arrived.set()
        return web.Response(text="")

    app = web.Application()
    app.router.add_route("*", "/sms/incoming", record)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield found
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("secret_in", ["query", "basic"])
async def test_texts_from_phones_reach_the_incoming_url_with_the_secret(
    start_kannel: KannelStarter, receiver: Receiver, secret_in: str
) -> None:
    kannel, phones = await asyncio.to_thread(
        start_kannel, receiver.url, secret="s3cret-45", secret_in=secret_in
    )

    phones.send(RESIDENT, "Hallo")
    phones.send(RESIDENT, ARABIC)
    phones.send(RESIDENT, "1\nЗдравствуйте")
    await receiver.wait_for_count(3)

    # smsbox posts each text as it comes through, in no promised order (it has several
    # connections to the URL at once).
    texts = [query["text"] for _, _, query in receiver.requests]
    assert sorted(texts) == sorted(["Hallo", ARABIC, "1\nЗдравствуйте"])
    basic = "Basic " + base64.b64encode(b"kannel:s3cret-45").decode()
    for headers, _, query in receiver.requests:
        if secret_in == "basic":
            assert (headers["Authorization"], query.get("secret")) == (basic, None)
        else:
            assert (headers.get("Authorization"), query["secret"]) == (None, "s3cret-45")
        assert query["from"] == RESIDENT
        assert query["to"] == kannel.bot_number
        assert (query["coding"], query["charset"]) == ("0", "UTF-8")
        assert query["id"]
    assert "s3cret" not in "".join(kannel.log_text(name) for name in ("access.log", "smsbox.log"))


async def test_texts_sent_through_sendsms_reach_the_phone(
    start_kannel: KannelStarter, receiver: Receiver
) -> None:
    kannel, phones = await asyncio.to_thread(start_kannel, receiver.url)
    arabic = "مرحبا بك\n1 مساعدة"
    german = "Grüße!\n1 Hilfe\n2 Orte"
    long_german = "Hallo " * 40

    async with aiohttp.ClientSession() as session:
        for text, coding in ((arabic, "2"), (german, "0"), (long_german, "0")):
            query = kannel.sendsms_query(RESIDENT, text, coding=coding)
            async with session.get(kannel.sendsms_url, params=query) as answer:
                assert answer.status == 202, await answer.text()

    got_arabic = await phones.wait_for_async(lambda t: t.text == arabic)
    got_german = await phones.wait_for_async(lambda t: t.text == german)
    got_long = await phones.wait_for_async(lambda t: t.text == long_german)
    assert (got_arabic.coding, got_arabic.parts) == ("ucs2", 1)
    assert (got_german.coding, got_german.parts) == ("7bit", 1)
    assert (got_long.coding, got_long.parts) == ("7bit", 2)
    assert {t.sender for t in phones.received} == {kannel.bot_number}
    assert phones.texts_to(RESIDENT) == phones.received


async def test_a_delivery_report_reaches_the_dlr_url(
    start_kannel: KannelStarter, receiver: Receiver
) -> None:
    kannel, phones = await asyncio.to_thread(start_kannel, receiver.url)
    report_url = f"{receiver.url}?report=%d&outbox=17"
    query = kannel.sendsms_query(RESIDENT, "Termin", **{"dlr-mask": "3", "dlr-url": report_url})
    async with (
        aiohttp.ClientSession() as session,
        session.get(kannel.sendsms_url, params=query) as answer,
    ):
        assert answer.status == 202

    await phones.wait_for_async(lambda t: t.text == "Termin")
    await receiver.wait_for_count(1)
    assert receiver.requests[0][2] == {"report": "1", "outbox": "17"}


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


async def test_android_gateway_takes_messages_and_signs_its_webhooks(
    android_gateway: FakeAndroidGateway, receiver: Receiver
) -> None:
    auth = _basic(android_gateway.username, android_gateway.password)
    async with aiohttp.ClientSession() as session:
        hook = {"url": receiver.url, "event": "sms:received"}
        async with session.post(f"{android_gateway.url}/webhooks", json=hook, headers=auth) as made:
            assert made.status == 201
        body = {"textMessage": {"text": ARABIC}, "phoneNumbers": [RESIDENT]}
        async with session.post(f"{android_gateway.url}/message", json=body, headers=auth) as sent:
            state = await sent.json()
            assert sent.status == 202
        wrong = _basic(android_gateway.username, "wrong")
        async with session.post(f"{android_gateway.url}/message", json=body, headers=wrong) as no:
            assert no.status == 401
    assert state["state"] == "Pending"
    assert state["recipients"] == [{"phoneNumber": RESIDENT, "state": "Pending"}]
    assert [(m.id, m.text, m.phone_numbers) for m in android_gateway.sent] == [
        (state["id"], ARABIC, [RESIDENT])
    ]

    await android_gateway.receive_sms(RESIDENT, ARABIC)
    await android_gateway.receive_sms(RESIDENT, "Hallo", key="not-the-key")
    await android_gateway.receive_sms(RESIDENT, "Hallo", timestamp=old_timestamp())

    key = android_gateway.signing_key
    checks = []
    for headers, raw, _ in receiver.requests:
        signed = verify_signature(key, raw.decode(), headers["X-Timestamp"], headers["X-Signature"])
        checks.append(signed)
    assert checks == [True, False, True]
    first = json.loads(receiver.requests[0][1])
    assert first["event"] == "sms:received"
    assert (first["payload"]["message"], first["payload"]["phoneNumber"]) == (ARABIC, RESIDENT)
    stamps = [int(headers["X-Timestamp"]) for headers, _, _ in receiver.requests]
    assert stamps[0] - stamps[2] >= 5 * 60
