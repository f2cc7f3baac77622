"""A STOP from a number nobody has keeps a row (bot/transports/sms/store.py ``stop``,
``stranger``): before, every one did, uncapped, so forged STOPs from ever new numbers grew
``sms_numbers`` without bound. Now a city keeps ``STRANGER_STOPS_AN_HOUR`` new ones within an
hour (handlers/numbers/text_stops.py ``_stranger_stop_kept``); past them such a STOP is
neither kept nor answered and the coordinators are told, once within the hour it lasts. A
STOP from a number the bot knows is always kept, as is one kept already."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.transports.sms.budget import Budget, Limits
from bot.transports.sms.transport import SmsTransport
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import decode
from handlers.numbers import text_stops
from tests.support.clock import Clock
from tests.support.sms.gateways import RecordingKannel

BACKCHANNEL = ("console", "coordinators")
START = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
KNOWN = "+4917655555555"


def _stranger(n: int) -> str:
    return f"+49176444400{n:02d}"


async def _kept(db: Database) -> set[str]:
    rows = await db.fetch_all("SELECT number FROM sms_numbers WHERE stopped_at IS NOT NULL")
    return {str(row[0]) for row in rows}


async def _told(db: Database) -> list[str]:
    rows = await db.fetch_all(
        "SELECT payload FROM outbox WHERE chat_id = ? ORDER BY id", (BACKCHANNEL[1],)
    )
    return [str(decode(json.loads(row[0])).text) for row in rows]  # type: ignore[union-attr]


@pytest.mark.both_backends
async def test_stops_from_numbers_nobody_has_are_kept_so_many_an_hour(
    dispatcher: Dispatcher, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text_stops, "STRANGER_STOPS_AN_HOUR", 3)
    clock = Clock(START)
    budget = Budget(db, 1000, [BACKCHANNEL], limits=Limits(), clock=clock)
    gateway = RecordingKannel()
    sms = SmsTransport(dispatcher.ports, db, gateway, budget)
    await sms.take_text(KNOWN, "Hallo")

    for n in range(5):
        await sms.take_text(_stranger(n), "STOP")
    # The hour's three are kept and answered; the rest neither.
    assert await _kept(db) == {_stranger(0), _stranger(1), _stranger(2)}
    assert {to for to, _ in gateway.sent} - {KNOWN} == {_stranger(n) for n in range(3)}
    rows = await db.fetch_all("SELECT number FROM sms_numbers")
    assert {str(row[0]) for row in rows} - {KNOWN} == {_stranger(n) for n in range(3)}
    # The coordinators are told once while it lasts, never with a number.
    told = await _told(db)
    assert len(told) == 1 and told[0].startswith("📵"), told
    assert not any(_stranger(3)[3:] in notice for notice in told)

    # A STOP kept already holds (and takes none of the hour's); a known number's is kept.
    await sms.take_text(_stranger(0), "STOP")
    await sms.take_text(KNOWN, "STOP")
    await sms.take_text(_stranger(5), "STOP")
    assert await _kept(db) == {_stranger(0), _stranger(1), _stranger(2), KNOWN}
    assert len(await _told(db)) == 1

    # After the hour: room again, and used up again it is told again.
    clock.now += timedelta(hours=1, seconds=1)
    for n in range(6, 10):
        await sms.take_text(_stranger(n), "STOP")
    assert {_stranger(n) for n in range(6, 9)} <= await _kept(db)
    assert _stranger(9) not in await _kept(db)
    assert len(await _told(db)) == 2


@pytest.mark.both_backends
async def test_the_hours_stops_hold_for_all_processes_together(
    database_url: str, db: Database, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes on one database (the gateway calls whichever it reaches) keep the
    hour's STOPs from numbers nobody has between them, and tell the coordinators once:
    before, each counted its own in memory, so each process kept its own 3."""
    monkeypatch.setattr(text_stops, "STRANGER_STOPS_AN_HOUR", 3)
    clock = Clock(START)
    other = await Database.open(database_url)
    try:
        processes = [
            SmsTransport(
                Dispatcher(each, build_router(), settings).ports,
                each,
                RecordingKannel(),
                Budget(each, 1000, [BACKCHANNEL], limits=Limits(), clock=clock),
            )
            for each in (db, other)
        ]
        for n in range(8):
            await processes[n % 2].take_text(_stranger(n), "STOP")
        assert len(await _kept(db)) == 3
        told = await _told(db)
        assert len(told) == 1 and told[0].startswith("📵"), told
    finally:
        await other.close()
