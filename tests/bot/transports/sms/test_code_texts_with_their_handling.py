"""The hour's code texts (``[sms] codes_per_hour``, budget.py ``take_code``) that the
features issue - an erasure's code, an act's (handlers/numbers/coded_acts.py ``issued``) -
count only with the handling that issued them committed, as a STOP's code does
(``Budget.codes_with``, around the SMS transport's handling of a text). A handling that
fails after its code was issued leaves nothing: no code, and no code text counted for the
hour - in the main city (one transaction) and in another city, whose count is in the main
city's database (given back there). Sent again, the erasure counts once and its code comes.
Before, another city's failed handling kept its code text counted for the hour.
With the real dispatcher and a recording gateway, on both backends."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.transports.sms.budget import Budget, Limits
from bot.transports.sms.store import SmsStore
from bot.transports.sms.transport import SmsTransport
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from tests.bot.transports.sms.test_code_texts_with_their_stop import (
    BACKCHANNEL,
    MOMENT,
    Crash,
    _counted,
)
from tests.support.channels import channels
from tests.support.city_databases import open_city
from tests.support.sms.codes import code_in, has_code
from tests.support.sms.gateways import RecordingKannel

pytestmark = pytest.mark.both_backends


async def _erasure_failing_then_again(
    city: Database, main: Database, settings: HandlerSettings, number: str, monkeypatch: Any
) -> None:
    settings = replace(settings, backchannels=frozenset({BACKCHANNEL}), channels=channels("sms"))
    dispatcher = Dispatcher(city, build_router(), settings)
    budget = Budget(city, 1000, [BACKCHANNEL], limits=Limits(codes_hour=10), clock=lambda: MOMENT)
    budget.count_in(main)
    gateway = RecordingKannel()
    sms = SmsTransport(dispatcher.ports, city, gateway, budget)
    dispatcher.settings = replace(settings, **sms.ports())
    await sms.take_text(number, "Hallo")
    user = await city.users.find("sms", number)
    assert user is not None
    # Data of her own (a request): the erasure waits for a code.
    await city.requests.create(user.id, user.id, category="shopping", description="Einkauf")
    counted = await _counted(main)

    issue = SmsStore.issue_code

    async def issued_then_failing(self: SmsStore, *args: Any, **kwargs: Any) -> str | None:
        await issue(self, *args, **kwargs)
        raise Crash

    monkeypatch.setattr(SmsStore, "issue_code", issued_then_failing)
    await sms.take_text(number, "/delete", "kannel-31")
    sent = len(gateway.sent)
    await sms.take_text(number, "1", "kannel-32")  # "Yes, delete everything": its handling fails
    assert not any(has_code(text) for _, text in gateway.sent[sent:]), gateway.sent[sent:]
    assert await _counted(main) == counted  # nothing of it stayed

    monkeypatch.setattr(SmsStore, "issue_code", issue)
    await sms.take_text(number, "/delete", "kannel-33")
    sent = len(gateway.sent)
    await sms.take_text(number, "1", "kannel-34")
    assert await _counted(main) == counted + 1
    (told,) = gateway.sent[sent:]
    assert told[0] == number and code_in(told[1])


async def test_a_code_whose_handling_fails_counts_no_code_text(
    db: Database, database_url: str, settings: HandlerSettings, monkeypatch: Any
) -> None:
    unna = await open_city(database_url, "unna")
    try:
        await _erasure_failing_then_again(db, db, settings, "+4917611115555", monkeypatch)
        await _erasure_failing_then_again(unna, db, settings, "+4917633336666", monkeypatch)
        assert await _counted(unna) == 0  # nothing counted in Unna's own database
    finally:
        await unna.close()
