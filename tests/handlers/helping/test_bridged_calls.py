"""Who may start a call with a phone resident (handlers/helping/bridged_calls.py), checked
when the button is pressed and again when the number comes: only the helper of a request
still taken, whose resident is a phone person, outside the quiet hours, at most
CALLS_PER_HOUR calls a request within an hour. Refused, nothing is called. The port is a
stand-in that notes what it was asked to call (the real one, the phone transport's, is
tested with real phones in tests/bot/transports/phone/calls/test_bridged_call.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.transports.phone.calls.when_to_call_again import BERLIN
from db import Database
from handlers.channels import CallOrder
from handlers.context import Backstage
from handlers.helping import lifecycle
from handlers.helping.bridged_calls import CALLS_PER_HOUR
from handlers.messages import Command, Toast
from locales import FSI, PDI, translator
from locales.phone_numbers import EXAMPLE_NUMBER
from tests.support.clock import Clock, daytime
from tests.support.help_story import grant_role_to, matched_through_lifecycle, register_volunteer
from tests.support.memory_transport import MemoryTransport, button_data, messages, texts

RESIDENT = "+492319876543"


class Port:
    def __init__(self) -> None:
        self.quiet: datetime | None = None
        self.orders: list[CallOrder] = []

    def quiet_until(self) -> datetime | None:
        return self.quiet

    def start(self, order: CallOrder) -> None:
        self.orders.append(order)


async def _story(story: MemoryTransport, db: Database) -> tuple[Port, int, int]:
    """Vera helps a phone resident; the port; the request and Vera's user number."""
    port = Port()
    story.dispatcher.settings = replace(story.dispatcher.settings, bridged_calls=port)
    vera = await register_volunteer(story, db, "vera", "de")
    await story.onboard("cora", "de")
    cora = await grant_role_to(db, "cora", "coordinator")
    await story.in_group("cora", Command("verify", str(vera)))
    resident = await db.users.seen("phone", RESIDENT, RESIDENT, "")
    await db.users.set_language(resident.id, "de")
    await db.users.record_consent(resident.id)
    request_id = await matched_through_lifecycle(
        db, story.dispatcher.settings, resident.id, vera, cora
    )
    return port, request_id, vera


def _refused(out) -> bool:
    return any(isinstance(item, Toast) for item in out)


async def test_the_helper_gives_a_number_once_and_the_call_is_started(
    story: MemoryTransport, db: Database
):
    port, request_id, vera = await _story(story, db)
    assert f"bc:call:{request_id}" in button_data(await story.press("vera", "menu:main"))
    await story.press("vera", f"bc:call:{request_id}")
    wrong = await story.text("vera", "12345")
    assert "0231" in texts(wrong) and port.orders == []
    assert await db.call_numbers.get(vera) is None
    started = await story.text("vera", "0170 1234567")
    assert "📞" in texts(started)
    [order] = port.orders
    assert (order.request_id, order.helper_number, order.resident_number) == (
        request_id,
        "+491701234567",
        RESIDENT,
    )
    # Given once: the next call starts at once. The number is shown nowhere.
    again = await story.press("vera", f"bc:call:{request_id}")
    assert len(port.orders) == 2 and "1234567" not in texts(again)
    # A resident who chose texts is still their number: called as well.
    resident = await db.users.find("phone", RESIDENT)
    assert await db.users.set_channel(resident.id, "sms")
    assert f"bc:call:{request_id}" in button_data(await story.press("vera", "menu:main"))
    await story.press("vera", f"bc:call:{request_id}")
    assert len(port.orders) == 3 and port.orders[-1].resident_number == RESIDENT


async def test_another_volunteer_and_a_done_request_are_refused_and_nothing_is_called(
    story: MemoryTransport, db: Database
):
    port, request_id, vera = await _story(story, db)
    await db.call_numbers.set(vera, "+491701234567")
    await register_volunteer(story, db, "paul", "de")
    assert _refused(await story.press("paul", f"bc:call:{request_id}"))
    resident = await db.users.find("phone", RESIDENT)
    async with db.transaction():
        await lifecycle.done(Backstage(db, story.dispatcher.settings), resident, request_id)
    assert f"bc:call:{request_id}" not in button_data(await story.press("vera", "menu:main"))
    assert _refused(await story.press("vera", f"bc:call:{request_id}"))
    assert port.orders == []


async def test_no_call_in_the_quiet_hours(story: MemoryTransport, db: Database):
    port, request_id, vera = await _story(story, db)
    await db.call_numbers.set(vera, "+491701234567")
    port.quiet = datetime(2026, 11, 25, 8, 0, tzinfo=BERLIN)
    out = await story.press("vera", f"bc:call:{request_id}")
    assert "🌙" in texts(out) and port.orders == []


async def test_at_most_three_calls_a_request_within_an_hour(story: MemoryTransport, db: Database):
    port, request_id, vera = await _story(story, db)
    clock = Clock(daytime(10))
    story.dispatcher.settings = replace(story.dispatcher.settings, clock=clock)
    await db.call_numbers.set(vera, "+491701234567")
    for _ in range(CALLS_PER_HOUR):
        assert "📞" in texts(await story.press("vera", f"bc:call:{request_id}"))
    refused = await story.press("vera", f"bc:call:{request_id}")
    assert "⏳" in texts(refused) and len(port.orders) == CALLS_PER_HOUR
    clock.pass_(minutes=59)
    assert "⏳" in texts(await story.press("vera", f"bc:call:{request_id}"))
    clock.pass_(minutes=2)  # the first call is more than an hour ago
    for _ in range(CALLS_PER_HOUR):
        assert "📞" in texts(await story.press("vera", f"bc:call:{request_id}"))
    assert "⏳" in texts(await story.press("vera", f"bc:call:{request_id}"))
    # The city's clock is its settings': settings with another clock count on that one.
    later = Clock(clock.now + timedelta(hours=2))
    story.dispatcher.settings = replace(story.dispatcher.settings, clock=later)
    assert "📞" in texts(await story.press("vera", f"bc:call:{request_id}"))
    assert len(port.orders) == 2 * CALLS_PER_HOUR + 1


async def test_the_number_is_changed_and_removed_in_the_settings(
    story: MemoryTransport, db: Database
):
    _port, _request_id, vera = await _story(story, db)
    assert "bc:chg" not in button_data(await story.press("vera", "menu:settings"))
    await db.call_numbers.set(vera, "+491701234567")
    shown = await story.press("vera", "menu:settings")
    assert {"bc:chg", "bc:del"} <= set(button_data(shown)) and "1234567" not in texts(shown)
    await story.press("vera", "bc:chg")
    await story.text("vera", "0231 9876543")
    assert await db.call_numbers.get(vera) == "+492319876543"
    await story.press("vera", "bc:del")
    assert await db.call_numbers.get(vera) is None


async def test_a_request_done_while_the_number_is_typed_keeps_and_calls_nothing(
    story: MemoryTransport, db: Database
):
    port, request_id, vera = await _story(story, db)
    await story.press("vera", f"bc:call:{request_id}")
    resident = await db.users.find("phone", RESIDENT)
    async with db.transaction():
        await lifecycle.done(Backstage(db, story.dispatcher.settings), resident, request_id)
    out = await story.text("vera", "0170 1234567")
    assert "ℹ️" in texts(out) and port.orders == []
    assert await db.call_numbers.get(vera) is None
    assert await db.users.get_state(vera) is None


async def test_a_premium_or_foreign_number_of_the_helper_is_refused_and_not_kept(
    story: MemoryTransport, db: Database
):
    """The helper's number is one the bot may dial (locales/phone_numbers.py): 0900 and a
    satellite number get their own answer, nothing is kept nor called, and the helper may
    type another."""
    not_dialable = (
        "🙈 I cannot call that number: I call only ordinary landline and mobile numbers,"
        " no premium or service numbers. Please send another number."
    )
    port, request_id, vera = await _story(story, db)
    await story.press("vera", f"bc:call:{request_id}")
    for number in ("0900 5 123456", "+881 612 345678"):
        out = await story.text("vera", number)
        assert str(translator("de").t(not_dialable)) in texts(out)
        assert port.orders == [] and await db.call_numbers.get(vera) is None
    await story.text("vera", "0170 1234567")
    assert [order.helper_number for order in port.orders] == ["+491701234567"]


async def test_the_example_number_is_one_isolated_value_in_arabic_and_persian(
    story: MemoryTransport, db: Database
):
    """The example the helper is given ("0231 1234567", asked and refused) is a value of the
    sentence in the reader's digits, isolated: written into the Arabic or Persian sentence,
    its two runs of digits were laid out right to left ("1234567 0231")."""
    port, request_id, vera = await _story(story, db)
    for lang in ("ar", "fa"):
        await db.users.set_language(vera, lang)
        example = FSI + translator(lang).digits(EXAMPLE_NUMBER) + PDI
        asked = await story.press("vera", f"bc:call:{request_id}")
        refused = await story.text("vera", "12")
        for out in (asked, refused):
            shown = "\n".join(str(m.text) for m in messages(out))
            assert example in shown, (lang, shown)
    assert port.orders == []
