"""The hour's code texts (``[sms] codes_per_hour``, budget.py ``take_code``) are the
installation's, counted in the main city's database; a STOP's code text counts only with
its STOP committed (``Budget.codes_with``, around transport.py ``take_text``'s
transaction). A STOP cut off after its code was issued and before its commit leaves
nothing: not the STOP, not its code, and no code text counted for the hour - in the main
city (one transaction) and in another city, whose count is in the main city's database
(given back there). Passed on again, it counts once, and its code text goes from the
outbox. Before, another city's failed STOP kept its code text counted for the hour.
With the real dispatcher and outbox worker and a recording gateway, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.delivery import OutboxWorker
from bot.transports.sms.budget import Budget, Limits, hour_of
from bot.transports.sms.transport import SmsTransport
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.support.city_databases import open_city
from tests.support.sms.codes import code_in
from tests.support.sms.gateways import RecordingKannel

pytestmark = pytest.mark.both_backends

BACKCHANNEL = ("console", "coordinators")
MOMENT = datetime.now(UTC)


class Crash(Exception):
    """The handling ends here, before its transaction commits."""


async def _counted(main: Database) -> int:
    """The code texts of the hour counted for the installation."""
    rows = await main.fetch_all(
        "SELECT sent FROM sms_code_texts WHERE hour = ?", (hour_of(MOMENT),)
    )
    return int(rows[0][0]) if rows else 0


async def _stop_cut_off_then_again(
    city: Database, main: Database, settings: HandlerSettings, number: str
) -> None:
    dispatcher = Dispatcher(city, build_router(), settings)
    budget = Budget(city, 1000, [BACKCHANNEL], limits=Limits(codes_hour=10), clock=lambda: MOMENT)
    budget.count_in(main)
    gateway = RecordingKannel()
    sms = SmsTransport(dispatcher.ports, city, gateway, budget)
    await sms.take_text(number, "Hallo")
    user = await city.users.find("sms", number)
    assert user is not None
    await city.requests.create(user.id, user.id, category="shopping", description="Einkauf")
    counted = await _counted(main)

    issue = sms.store.issue_code

    async def issued_then_crash(*args: Any, **kwargs: Any) -> str | None:
        await issue(*args, **kwargs)
        raise Crash

    sms.store.issue_code = issued_then_crash  # type: ignore[method-assign]
    with pytest.raises(Crash):
        await sms.take_text(number, "STOP", "kannel-17")
    assert await _counted(main) == counted  # nothing of it stayed
    assert await sms.store.stop_state(number) == ""

    sms.store.issue_code = issue  # type: ignore[method-assign]
    sent = len(gateway.sent)
    await sms.take_text(number, "STOP", "kannel-17")  # passed on again
    assert await _counted(main) == counted + 1
    assert await sms.store.stop_state(number) == "help"
    await OutboxWorker(city, [sms], chain=dispatcher.chain).run_once()
    (told,) = gateway.sent[sent:]
    assert told[0] == number and code_in(told[1])


async def test_a_stop_cut_off_before_its_commit_counts_no_code_text(
    db: Database, database_url: str, settings: HandlerSettings
) -> None:
    unna = await open_city(database_url, "unna")
    try:
        await _stop_cut_off_then_again(db, db, settings, "+4917611112222")  # the main city
        await _stop_cut_off_then_again(unna, db, settings, "+4917633334444")  # counted apart
        assert await _counted(unna) == 0  # nothing counted in Unna's own database
    finally:
        await unna.close()
