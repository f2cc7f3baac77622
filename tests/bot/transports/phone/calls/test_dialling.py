"""Whether the bot places a call (dialling.py), counted in the database with a fake clock:
call-backs to one number stop at ``calls_per_number_day`` until the next day (only calls
placed count: one the month refuses is not); the month's
calls stop at ``monthly_calls``, its last ``call_reserve_percent`` kept for people in a
running help, the coordinators told once at 80 % and at 100 %; a call-back the month has
no call for is given up as unanswered ones are (the coordinators told why), one past the
day's cap waits for the next day; a bridged call to a number the bot may not dial is never
made; ``doctor`` shows the month's calls. No line runs here: a stand-in stack notes each
call it is asked to make (the real line: test_calling_back.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import PhoneSection
from bot.delivery import OutboxWorker
from bot.transports.month_budget import MonthCounts, month_of
from bot.transports.phone.calls.bridging import Bridging
from bot.transports.phone.calls.dialling import CALLS, Dialling, DialSettings, check
from bot.transports.phone.calls.outbox_calls import CallBackSettings, CallingBack
from bot.transports.phone.calls.when_to_call_again import Policy
from db import Database
from db.statements import fetch_one
from handlers.channels import CallOrder
from handlers.messages import Message
from handlers.messenger import Messenger
from handlers.settings import HandlerSettings
from locales import Translator, translator
from tests.support.clock import Clock, daytime, daytime_in_one_month
from tests.support.help_story import matched_through_lifecycle
from tests.support.helping_people import verified_volunteer
from tests.support.reports import features_told
from tests.support.sip.call_backs import BACKCHANNEL

RESIDENT = "+492319876543"
OTHER = "+491701234567"
# A phone person with no request.
NOBODYS = "+492311112222"
PREMIUM = "+499005123456"


class Calls:
    """A stack that notes the calls it is asked to make; none of them goes through."""

    def __init__(self) -> None:
        self.made: list[str] = []

    async def make_call(self, uri: str, listener: object, **beside: object) -> int:
        self.made.append(uri)
        raise RuntimeError("no phone line is running")

    def hang_up(self, call_id: int) -> None:
        """Nothing runs."""


class Phone:
    """The phone platform's sender for the outbox worker: the call-backs."""

    platform = "phone"

    def __init__(self, calling: CallingBack) -> None:
        self.calling = calling

    async def deliver(self, chat_id: str, item: object, edit_message_id: str | None = None):
        return await self.calling.deliver(chat_id, item)  # type: ignore[arg-type]


async def _told(db: Database, clock: Clock) -> list[str]:
    waiting = await db.outbox.waiting(*BACKCHANNEL, clock() + timedelta(days=1))
    return [item.payload["text"] for item in waiting]


@pytest.mark.both_backends  # the counts' SQL (calls_per_number_day.py)
async def test_call_backs_to_a_number_stop_at_the_days_cap_until_the_next_day(db: Database):
    clock = Clock(daytime(10))
    dialling = Dialling(db, DialSettings(per_number_day=2, monthly=100), clock=clock)
    for _ in range(2):
        assert await dialling.admit(RESIDENT, running_help=False, call_back=True) is None
    assert await dialling.admit(RESIDENT, running_help=False, call_back=True) == "number's day"
    assert await dialling.admit(OTHER, running_help=False, call_back=True) is None
    # A bridged call's leg is not a call-back: not counted against the number's day.
    assert await dialling.admit(RESIDENT, running_help=True, call_back=False) is None
    clock.pass_(days=1)
    assert await dialling.admit(RESIDENT, running_help=False, call_back=True) is None
    # Only the day's counts are kept.
    row = await fetch_one(db.transactions, "SELECT COUNT(*) FROM call_days", ())
    assert row is not None and row[0] == 1


@pytest.mark.both_backends  # the counts' SQL (calls_per_number_day.py)
async def test_a_call_back_the_month_refuses_is_not_counted_in_the_numbers_day(db: Database):
    clock = Clock(daytime(10))
    spent = Dialling(db, DialSettings(per_number_day=1, monthly=1, reserve_percent=0), clock=clock)
    assert await spent.admit(OTHER, running_help=False, call_back=True) is None
    assert await spent.admit(RESIDENT, running_help=False, call_back=True) == "month"
    # The operator raises the month: the number's one call-back of the day is still there.
    raised = Dialling(db, DialSettings(per_number_day=1, monthly=5, reserve_percent=0), clock=clock)
    assert await raised.admit(RESIDENT, running_help=False, call_back=True) is None
    assert await raised.admit(RESIDENT, running_help=False, call_back=True) == "number's day"


@pytest.mark.both_backends  # the counts' SQL (calls_per_number_day.py)
async def test_the_months_reserve_is_for_a_running_help_and_coordinators_are_told_once(
    db: Database,
):
    clock = Clock(daytime(10))
    settings = DialSettings(per_number_day=100, monthly=5, reserve_percent=40)
    dialling = Dialling(db, settings, [BACKCHANNEL], clock=clock)
    for _ in range(3):
        assert await dialling.admit(RESIDENT, running_help=False, call_back=True) is None
    # 3 of 5: the rest is the reserve.
    assert await dialling.admit(RESIDENT, running_help=False, call_back=True) == "month"
    assert await dialling.admit(OTHER, running_help=True, call_back=True) is None
    assert len(await _told(db, clock)) == 1  # 4 of 5: 80 %
    assert await dialling.admit(OTHER, running_help=True, call_back=True) is None
    assert await dialling.admit(OTHER, running_help=True, call_back=True) == "month"
    assert await dialling.admit(RESIDENT, running_help=False, call_back=True) == "month"
    told = await _told(db, clock)
    assert len(told) == 2 and "monthly_calls" in told[1]
    assert await MonthCounts(db.transactions, CALLS).spent(month_of(clock())) == 5
    clock.pass_(days=32)
    assert await dialling.admit(RESIDENT, running_help=False, call_back=True) is None


async def test_doctor_shows_the_months_calls(db: Database):
    dialling = Dialling(db, DialSettings(monthly=5, reserve_percent=0))
    section = PhoneSection(monthly_calls=5)
    assert await check(section, db) == ("phone calls", "ok", "0 of 5 calls used this month")
    for _ in range(4):
        await dialling.admit(RESIDENT, running_help=False, call_back=False)
    assert (await check(section, db))[1] == "WARN"
    await dialling.admit(RESIDENT, running_help=False, call_back=False)
    assert await check(section, db) == ("phone calls", "FAIL", "5 of 5 calls used this month")


async def test_a_call_back_past_the_days_cap_waits_and_one_the_month_has_no_call_for_is_given_up(
    db: Database,
):
    clock = Clock(daytime_in_one_month(10, days=1))  # the month's 2 calls over two days
    stack = Calls()
    erna = await db.users.seen("phone", RESIDENT, RESIDENT, "Erna")
    paul = await db.users.seen("phone", OTHER, OTHER, "Paul")
    settings = CallBackSettings(
        domain="example.org",
        policy=Policy(attempts=3, pause=timedelta(minutes=30)),
        dial=DialSettings(per_number_day=1, monthly=2, reserve_percent=0),
    )
    calling = CallingBack(
        db,
        stack,  # type: ignore[arg-type]
        settings,
        speak=_silent,
        language=_german,
        report=features_told(db, [BACKCHANNEL]),
        backchannels=[BACKCHANNEL],
        clock=clock,
    )
    worker = OutboxWorker(db, [Phone(calling)], clock=clock)  # type: ignore[list-item]
    calling.prepare = worker.prepared
    [erna_item] = await _queue(db, erna.id)
    await _round(worker, calling, clock)
    assert stack.made == [f"sip:{RESIDENT}@example.org"]  # the try (no line: failed)
    clock.pass_(minutes=31)
    await _round(worker, calling, clock)
    # The day's one call-back was made: the next waits for tomorrow, no call, not given up.
    assert len(stack.made) == 1
    state = await db.outbox.state(erna_item)
    assert state is not None and state[1] is None and state[2] is None
    assert await _told(db, clock) == []
    clock.pass_(days=1)
    await _round(worker, calling, clock)
    assert len(stack.made) == 2  # the month's 2 calls are spent
    [paul_item] = await _queue(db, paul.id)
    await _round(worker, calling, clock)
    assert len(stack.made) == 2  # Paul is not called
    state = await db.outbox.state(paul_item)
    assert state is not None and state[1] is None and state[2] is not None  # given up
    told = await _told(db, clock)
    # In the city's language (German): the month's calls, and Paul not called.
    assert any("Paul" in text and "Anrufe dieses Monats" in text for text in told), told
    assert not any(OTHER in text for text in told)


async def test_a_bridged_call_never_dials_a_number_the_bot_may_not_call(db: Database):
    clock = Clock(daytime(10))
    stack = Calls()
    bridging = Bridging(
        db,
        stack,  # type: ignore[arg-type]
        CallBackSettings(domain="example.org"),
        speak=_silent,
        report=features_told(db),
        clock=clock,
    )
    vera = await db.users.seen("memory", "vera", "vera", "Vera")
    # A helper's number kept before, a resident's caller ID: premium, satellite.
    bridging.start(CallOrder(7, vera.id, PREMIUM, "de", RESIDENT, "de"))
    bridging.start(CallOrder(8, vera.id, OTHER, "de", "+881612345678", "de"))
    await bridging.settled()
    assert stack.made == []
    assert sorted(outcome for _, outcome in bridging.outcomes) == [
        "helper's number refused",
        "resident's number refused",
    ]
    told = await db.outbox.waiting("memory", "vera", clock() + timedelta(days=1))
    assert len(told) == 2 and all("📵" in item.payload["text"] for item in told)


async def _silent(text: str, reader: Translator | str) -> None:
    return None


async def _german(chat_id: str) -> Translator:
    return translator("de")


async def _queue(db: Database, user_id: int) -> list[int]:
    mail = Messenger(db, [BACKCHANNEL])
    async with db.transaction():
        await mail.to_user(user_id, lambda t: Message("Paul kommt am Freitag."))
    return mail.queued_ids


async def _round(worker: OutboxWorker, calling: CallingBack, clock: Clock) -> None:
    await worker.run_once()
    await calling.settled()
    clock.pass_(seconds=10)


async def test_the_reserve_calls_back_only_a_resident_whose_request_a_helper_has_taken(
    db: Database,
):
    clock = Clock(daytime_in_one_month(10, days=1))  # the month's 2 calls over two days
    stack = Calls()
    erna = await db.users.seen("phone", RESIDENT, RESIDENT, "Erna")
    paul = await db.users.seen("phone", OTHER, OTHER, "Paul")
    vera = await db.users.seen("memory", "vera", "vera", "Vera")
    request = await db.requests.create(erna.id, erna.id, state="open", category="shopping")
    await db.requests.transition(request.id, "matched", vera.id, volunteer_id=vera.id)
    settings = CallBackSettings(
        domain="example.org",
        policy=Policy(attempts=1),
        # All of the month is the reserve: only a running help is called.
        dial=DialSettings(monthly=1, reserve_percent=100),
    )
    calling = CallingBack(
        db,
        stack,  # type: ignore[arg-type]
        settings,
        speak=_silent,
        language=_german,
        report=features_told(db, [BACKCHANNEL]),
        backchannels=[BACKCHANNEL],
        clock=clock,
    )
    worker = OutboxWorker(db, [Phone(calling)], clock=clock)  # type: ignore[list-item]
    calling.prepare = worker.prepared
    [paul_item] = await _queue(db, paul.id)
    await _queue(db, erna.id)
    await _round(worker, calling, clock)
    assert stack.made == [f"sip:{RESIDENT}@example.org"]
    state = await db.outbox.state(paul_item)
    assert state is not None and state[2] is not None  # given up, the coordinators told


async def test_the_reserve_asks_the_lifecycle_whose_help_is_under_way(
    db: Database, settings: HandlerSettings
):
    """The budget asks the one rule (handlers/helping/lifecycle.py ``running_help``: a
    request of theirs active, or one they help with) for both meters: a phone resident
    whose request a volunteer accepted, one whose request waits, not a person without one,
    nor a number of nobody."""
    dialling = Dialling(db, DialSettings(monthly=5), clock=Clock(daytime(10)))
    coordinator = await _person(db, "telegram", "301", "coordinator")
    volunteer = await _person(db, "telegram", "302")
    await verified_volunteer(db, volunteer, quiet=None, verified_by=coordinator)
    resident = await _person(db, "phone", RESIDENT)
    waiting = await _person(db, "phone", OTHER)
    await _person(db, "phone", NOBODYS)
    await db.requests.create(waiting, waiting, category="shopping", description="Einkauf")
    await matched_through_lifecycle(db, settings, resident, volunteer, coordinator)
    assert await dialling.helping("phone", RESIDENT)
    assert await dialling.helping("phone", OTHER)
    assert not await dialling.helping("phone", NOBODYS)
    assert not await dialling.helping("phone", "+492319999999")


async def _person(db: Database, platform: str, uid: str, role: str = "") -> int:
    user = await db.users.seen(platform, uid, uid)
    await db.users.set_language(user.id, "de")
    await db.users.record_consent(user.id)
    if role:
        await db.users.grant_role(user.id, role)
    return user.id
