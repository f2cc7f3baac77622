"""A withheld caller's number to call back, as a conversation (handlers/numbers/
number_entry.py): a request begun by a sender nobody can reach after this conversation asks
for a number first; a wrong one changes nothing; a right one is said back, "1" takes it and
the call that checks it is asked of the voice transport's port - the request is never made
in this conversation. The port is a stand-in that notes what it was asked (the real one,
the phone's, with real calls: tests/bot/transports/phone/dialogue/test_withheld_number.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from handlers.channels import Profile
from handlers.messages import Message, Outgoing, Toast
from handlers.numbers.call_notices import withheld_used_up
from handlers.numbers.caller_check import (
    CALLING_TYPED,
    CALLING_TYPED_AT,
    CANNOT_CALL,
    NOT_NOW,
    NOT_THIS_HOUR,
)
from handlers.numbers.number_entry import ASK, BAD, CONFIRM, MOST_DIGITS, STATE
from handlers.numbers.phone_pin import after_check
from locales import translator
from tests.support.check_port import NOW, Checks
from tests.support.help_story import GROUP
from tests.support.memory_transport import MemoryTransport, messages

CALLER = "withheld:4f1c"
TYPED = "02319876543"
NUMBER = "+492319876543"


@pytest.fixture
async def caller(story: MemoryTransport) -> MemoryTransport:
    """A withheld caller on the phone, through the language and the notice; the checks."""
    story.platform = "phone"
    story.withheld.add(CALLER)
    await story.onboard(CALLER, "de")
    return story


def _checks(story: MemoryTransport, checks: Checks | None) -> None:
    story.dispatcher.settings = replace(story.dispatcher.settings, check_calls=checks)


def _said(out: list[Outgoing]) -> Message:
    (said,) = messages(out)
    return said


async def _state(db: Database) -> dict | None:
    user = await db.users.find("phone", CALLER)
    assert user is not None
    state = await db.users.get_state(user.id)
    return {"state": state.state, **state.data} if state is not None else None


async def test_a_withheld_callers_request_asks_for_a_number_first(
    caller: MemoryTransport, db: Database
):
    _checks(caller, Checks())
    t = translator("de")
    asked = _said(await caller.press(CALLER, "hr:new"))
    assert asked.text == t._(ASK)
    # Digits of the caller's own until "#", the text names the keys, "#" goes back.
    assert asked.typed_digits == MOST_DIGITS and asked.keys_named
    assert [(b.data, b.role) for row in asked.buttons for b in row] == [("menu:help", "back")]
    assert await _state(db) == {"state": STATE, "then": "hr:new"}
    user = await db.users.find("phone", CALLER)
    assert user is not None and await db.requests.for_requester(user.id) == []


async def test_a_wrong_or_premium_number_changes_nothing_a_right_one_is_said_back(
    caller: MemoryTransport, db: Database
):
    checks = Checks()
    _checks(caller, checks)
    t = translator("de")
    await caller.press(CALLER, "hr:new")
    for wrong in ("12", "09005123456", "01805123456", "00436641234567", "1" * 21, "abc"):
        assert _said(await caller.text(CALLER, wrong)).text == t._(BAD), wrong
        assert await _state(db) == {"state": STATE, "then": "hr:new"}
    said_back = _said(await caller.text(CALLER, TYPED))
    assert said_back.text == str(t.t(CONFIRM, digits=", ".join(TYPED)))
    assert said_back.keys_named and not said_back.closing
    assert [(b.data, b.role) for row in said_back.buttons for b in row] == [
        ("number:yes", "reply"),
        ("number:again", "back"),
    ]
    assert await _state(db) == {"state": STATE, "then": "hr:new", "number": NUMBER, "typed": TYPED}
    assert checks.asked == []


async def test_any_other_key_or_2_types_it_again(caller: MemoryTransport, db: Database):
    _checks(caller, Checks())
    t = translator("de")
    await caller.press(CALLER, "hr:new")
    await caller.text(CALLER, TYPED)
    assert _said(await caller.text(CALLER, "3")).text == t._(ASK)
    assert await _state(db) == {"state": STATE, "then": "hr:new"}
    await caller.text(CALLER, TYPED)
    assert _said(await caller.press(CALLER, "number:again")).text == t._(ASK)
    assert await _state(db) == {"state": STATE, "then": "hr:new"}
    # "1" now takes nothing: no number is said back.
    assert any(isinstance(item, Toast) for item in await caller.press(CALLER, "number:yes"))


async def test_1_asks_for_the_check_call_and_ends_the_call(caller: MemoryTransport, db: Database):
    checks = Checks()
    _checks(caller, checks)
    await caller.press(CALLER, "hr:new")
    await caller.text(CALLER, TYPED)
    calling = _said(await caller.press(CALLER, "number:yes"))
    assert calling.text == translator("de")._(CALLING_TYPED) and calling.closing
    # Withheld: no caller ID; the checked call begins where this one was; the language and
    # the consent of this call (and its easy texts, as a phone person starts) go to a
    # person made for the number then, not now.
    assert checks.asked == [(NUMBER, after_check("hr:new"), Profile("de", True, True))]
    assert await _state(db) is None
    assert await db.users.find("phone", NUMBER) is None


async def test_a_later_check_says_when(caller: MemoryTransport, db: Database):
    later = NOW + timedelta(hours=10)
    _checks(caller, Checks(later))
    await caller.press(CALLER, "hr:new")
    await caller.text(CALLER, TYPED)
    calling = _said(await caller.press(CALLER, "number:yes"))
    t = translator("de")
    assert calling.closing
    assert calling.text == t.t(CALLING_TYPED_AT, when=t.day_and_time(later, "MMMMEEEEd"))


async def test_a_refused_check_is_said_and_the_call_goes_on(caller: MemoryTransport, db: Database):
    _checks(caller, Checks("day"))
    await caller.press(CALLER, "hr:new")
    await caller.text(CALLER, TYPED)
    refused = _said(await caller.press(CALLER, "number:yes"))
    assert refused.text == translator("de")._(NOT_NOW)
    assert not refused.closing and refused.keys_named
    assert await _state(db) is None


async def _ask_check(story: MemoryTransport, caller: str, typed: str) -> Message:
    await story.press(caller, "hr:new")
    await story.text(caller, typed)
    return _said(await story.press(caller, "number:yes"))


async def test_withheld_callers_together_ask_a_few_checks_an_hour(
    caller: MemoryTransport, db: Database
):
    """Whoever withholds their number is counted as one asker (handlers/numbers/
    caller_check.py ``ASKED``): past ``per_caller_hour`` within the hour, "not this hour",
    and the port is not asked; an hour later, again."""
    t = translator("de")
    checks = Checks(per_caller_hour=2)
    _checks(caller, checks)
    clock = [NOW]
    caller.dispatcher.settings = replace(caller.dispatcher.settings, clock=lambda: clock[0])
    other = "withheld:9b0d"
    caller.withheld.add(other)
    await caller.onboard(other, "de")
    assert (await _ask_check(caller, CALLER, TYPED)).closing
    assert (await _ask_check(caller, other, "02311234567")).closing
    refused = await _ask_check(caller, CALLER, "02317654321")
    assert refused.text == t._(NOT_THIS_HOUR) and not refused.closing
    assert [number for number, _data, _profile in checks.asked] == [NUMBER, "+492311234567"]
    clock[0] = NOW + timedelta(hours=1, minutes=1)
    assert (await _ask_check(caller, other, "02317654321")).closing
    assert len(checks.asked) == 3


async def test_the_coordinators_hear_when_the_withheld_callers_checks_are_used_up(
    caller: MemoryTransport, db: Database
):
    """All withheld callers share one count, so its limit stops callers who never asked
    before (a senior on a withheld landline hears "not this hour" after three strangers):
    the coordinators are told while it does, once within the hour - before, only the caller
    heard it."""
    t = translator("de")
    checks = Checks(per_caller_hour=1)
    _checks(caller, checks)
    clock = [NOW]
    caller.dispatcher.settings = replace(caller.dispatcher.settings, clock=lambda: clock[0])
    other = "withheld:77aa"
    caller.withheld.add(other)
    await caller.onboard(other, "de")

    async def group() -> list[str]:
        soon = datetime.now(UTC) + timedelta(days=1)
        return [
            str(item.payload.get("text")) for item in await db.outbox.waiting("memory", GROUP, soon)
        ]

    assert (await _ask_check(caller, CALLER, TYPED)).closing
    assert await group() == []
    assert (await _ask_check(caller, other, "02311234567")).text == t._(NOT_THIS_HOUR)
    assert await group() == [str(withheld_used_up(t).text)]
    # Told once while it lasts, however many more are turned away.
    assert (await _ask_check(caller, CALLER, "02317654321")).text == t._(NOT_THIS_HOUR)
    assert len(await group()) == 1
    # An hour later the share is free again; used up again, told again.
    clock[0] = NOW + timedelta(hours=1, minutes=1)
    assert (await _ask_check(caller, other, "02317654321")).closing
    assert (await _ask_check(caller, CALLER, "02311234567")).text == t._(NOT_THIS_HOUR)
    assert len(await group()) == 2


async def test_without_check_calls_nothing_is_asked(caller: MemoryTransport, db: Database):
    _checks(caller, None)
    await caller.press(CALLER, "hr:new")
    await caller.text(CALLER, TYPED)
    out = _said(await caller.press(CALLER, "number:yes"))
    assert out.text == translator("de")._(CANNOT_CALL) and not out.closing


async def test_a_country_added_to_the_calls_takes_its_mobile_numbers(
    caller: MemoryTransport, db: Database
):
    checks = Checks()
    caller.dispatcher.settings = replace(
        caller.dispatcher.settings, check_calls=checks, call_countries=("DE", "AT")
    )
    await caller.press(CALLER, "hr:new")
    await caller.text(CALLER, "00436641234567")
    await caller.press(CALLER, "number:yes")
    assert [number for number, _, _ in checks.asked] == ["+436641234567"]


async def test_a_caller_with_a_number_begins_the_request_at_once(story: MemoryTransport):
    story.platform = "phone"
    await story.onboard(NUMBER, "de")
    out = messages(await story.press(NUMBER, "hr:new"))
    assert out and all(message.typed_digits == 0 for message in out)
    assert "hr:cat:" in " ".join(b.data for message in out for row in message.buttons for b in row)
