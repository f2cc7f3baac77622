"""The SMS transport's pace is the gateway's configured rate ([sms]
max_messages_per_second): the outbox worker spaces notices by it, for all processes."""

from __future__ import annotations

import pytest

from bot.config import PhoneSection, SmsSection, compose
from bot.transports.sms.budget import Budget
from bot.transports.sms.transport import SmsTransport, service
from db import Database
from handlers.dispatcher import Dispatcher
from handlers.messages import Message
from tests.support.sms.gateways import NUMBER, RecordingKannel


def test_the_transports_pace_is_the_configured_rate(dispatcher: Dispatcher, db: Database) -> None:
    section = SmsSection(enabled=True, url="http://127.0.0.1:13013", max_messages_per_second=2.5)
    sms = service(compose({"sms": section, "phone": PhoneSection()}), dispatcher.ports)
    assert sms.pace == 2.5
    assert SmsSection().max_messages_per_second == 1.0


async def test_texts_wait_for_their_slot_at_the_pace(
    dispatcher: Dispatcher, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.transports.sms import transport

    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    # A clock that stands still: each text takes the next slot, half a second on.
    monkeypatch.setattr(transport, "_clock", lambda: 1000.0)
    monkeypatch.setattr(transport, "_sleep", sleep)
    gateway = RecordingKannel()
    sms = SmsTransport(dispatcher.ports, db, gateway, Budget(db, 100, []), pace=2.0)
    for n in range(3):
        await sms.deliver(NUMBER, Message(f"Erinnerung {n}"))
    assert [text for _, text in gateway.sent] == [f"Erinnerung {n}" for n in range(3)]
    assert waits == [0.5, 1.0]
