"""The bridged calls' port (bridging.py): the quiet hours it says, and a line that cannot
call (no line running) ends the call as "failed" and the helper's chat is told. (How many
calls a request may have in an hour is the feature's: tests/handlers/helping/
test_bridged_calls.py.)"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.transports.phone.calls.bridging import Bridging
from bot.transports.phone.calls.outbox_calls import CallBackSettings
from bot.transports.phone.calls.when_to_call_again import BERLIN, Policy
from db import Database
from handlers.channels import CallOrder
from tests.support.clock import Clock, daytime
from tests.support.reports import features_told


class NoLine:
    """A stack with no line running."""

    async def make_call(self, uri: str, listener: object, **beside: object) -> int:
        raise RuntimeError("no phone line is running")


async def _said(text: str, lang: str) -> None:
    return None


async def test_a_failed_call_is_told_to_the_helper_without_a_number(db: Database):
    clock = Clock(daytime(10))
    bridging = Bridging(
        db,
        NoLine(),  # type: ignore[arg-type]
        CallBackSettings(domain="example.org", policy=Policy()),
        speak=_said,
        report=features_told(db),
        clock=clock,
    )
    vera = await db.users.seen("memory", "vera", "vera", "Vera")
    order = CallOrder(7, vera.id, "+491701234567", "de", "+492319876543", "de")
    bridging.start(order)
    bridging.start(CallOrder(8, vera.id, "+491701234567", "de", "+492319876543", "de"))
    await bridging.settled()
    assert [outcome for _, outcome in bridging.outcomes] == ["failed", "failed"]
    told = await db.outbox.waiting("memory", "vera", clock() + timedelta(days=1))
    assert told and "📵" in told[0].payload["text"]
    assert "+49" not in "".join(item.payload["text"] for item in told)


async def test_quiet_hours_say_until_when(db: Database):
    clock = Clock(datetime(2026, 11, 24, 22, 0, tzinfo=BERLIN))
    bridging = Bridging(
        db,
        NoLine(),  # type: ignore[arg-type]
        CallBackSettings(domain="example.org", policy=Policy()),
        speak=_said,
        report=features_told(db),
        clock=clock,
    )
    assert bridging.quiet_until() == datetime(2026, 11, 25, 8, 0, tzinfo=BERLIN)
    clock.now = datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN)
    assert bridging.quiet_until() is None
