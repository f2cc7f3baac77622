"""The calls that check who asked (bot/transports/phone/calls/check_calls.py), in real calls
through Kamailio: baresip calls with the number of Erna, a phone resident the bot knows,
and asks for her requests; "1" asks for the check call to her number - her phone (a second
baresip, or SIPp busy). The check call keeps the quiet hours (the caller hears when it
comes; a restart meanwhile loses nothing) and names nobody before "1"; it spends none of
the month's calls; put off, it says when it was asked for, and begins with the main menu,
not with what the caller pressed; busy, it is tried again by the call-backs' policy, twice
a day at most and half an hour apart, then given up and the coordinators told; a key
pressed while "please hang up now" is said does not keep the caller's line open. The bot's
clock is the test's: hours are passed by moving it, never waited; the order is the calls'
events. The prompts are tones as long as their words (tests/support/sip/tone_engine.py):
what is said is known by its text, and no prompt holds a call up for seconds.

Without a line (a stand-in stack): the numbers a check may go to, the city's daily pool and
hourly cap of check calls, one check waiting per number, the pool's reserve that only
numbers whose person has something to protect may spend and the coordinators told when a
pool runs dry (how often a caller ID may ask is the feature's count:
tests/handlers/numbers/test_caller_check.py)."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.speech.engine import Audio
from bot.transports.month_budget import MonthCounts, month_of
from bot.transports.phone.calls.check_calls import CheckCalls
from bot.transports.phone.calls.dialling import CALLS, CheckSettings
from bot.transports.phone.calls.outbox_calls import CallBackSettings, CallingBack
from bot.transports.phone.calls.when_to_call_again import BERLIN, Policy
from bot.transports.phone.transport import PhoneTransport
from bot.transports.phone.words.who_picked_up import QUESTION_AT
from db import Database
from db.clock import local_day
from handlers.channels import CheckPoolDry, Profile
from handlers.dispatcher import Dispatcher
from handlers.numbers.caller_check import CALLING, calling
from handlers.numbers.phone_pin import OFFER as PIN_OFFER
from locales import Translator, translator
from tests.support.clock import Clock, daytime
from tests.support.reports import Kept
from tests.support.sip.answers import answers_to
from tests.support.sip.baresip import BaresipCaller
from tests.support.sip.call_backs import BACKCHANNEL, call_back_line
from tests.support.sip.calls import (
    claimed_asks_for_her_requests,
    heard_texts,
    keys_answered,
    phone_line,
    until,
    voice_tone,
)
from tests.support.sip.fixtures import BOT_USER, PhoneFactory
from tests.support.sip.kamailio import HOST, KamailioServer
from tests.support.sip.sipp import SippPhone
from tests.support.sip.tone_engine import ToneEngine, tone_prompts

ERNA = "+4923155507"
OTHER = "+491701234567"
THIRD = "+4923155508"


async def _erna(dispatcher: Dispatcher) -> int:
    """Erna, a phone resident who agreed, with a request: her number is a claim to check."""
    db = dispatcher.db
    erna = await db.users.seen("phone", ERNA, ERNA, "Erna")
    await db.users.set_language(erna.id, "de")
    await db.users.record_consent(erna.id)
    request = await db.requests.create(erna.id, erna.id, category="shopping", description="Brot")
    return request.id


async def _asks_for_her_requests(
    bot: PhoneTransport, phones: PhoneFactory, kamailio: KamailioServer, tmp_path: Path
) -> BaresipCaller:
    """A call with Erna's number asks for her requests and presses "#" for the check."""
    caller = await asyncio.to_thread(phones, ERNA, says=voice_tone(tmp_path), pad_seconds=60)
    await asyncio.to_thread(caller.dial, kamailio.uri(BOT_USER))
    await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED")
    await until(lambda: bot._calls, "the call came")
    (call,) = bot._calls.values()
    await until(lambda: answers_to(call) == 1, "the languages")
    await claimed_asks_for_her_requests(bot, caller, call)
    await keys_answered(caller, call, "#")
    return caller


async def _line(
    dispatcher: Dispatcher, domain: str, kamailio: KamailioServer, clock: Clock, **more: Any
) -> PhoneTransport:
    """``call_back_line`` with tones for prompts, at the call's clock rate."""
    return await call_back_line(dispatcher, kamailio, domain, clock, prompts=tone_prompts(), **more)


async def _month_spent(db: Database, clock: Clock) -> int:
    return await MonthCounts(db.transactions, CALLS).spent(month_of(clock()))


def _morning(evening: datetime) -> datetime:
    """8:00 (Berlin) the day after ``evening``: the end of the default quiet hours."""
    day = evening.astimezone(BERLIN).date() + timedelta(days=1)
    return datetime.combine(day, time(8), BERLIN)


async def test_a_check_asked_in_the_quiet_hours_comes_when_they_end_and_names_nobody(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    clock = Clock(daytime(22))  # the quiet hours: 21:00-08:00
    request_id = await _erna(dispatcher)
    her_phone = await asyncio.to_thread(
        phones, ERNA, answer=True, says=voice_tone(tmp_path), pad_seconds=120
    )
    bot = await _line(dispatcher, f"{HOST}:{her_phone.sip_port}", kamailio, clock)
    spoken = heard_texts(bot)
    t = translator("de")
    morning = _morning(clock())
    try:
        caller = await _asks_for_her_requests(bot, phones, kamailio, tmp_path)
        # Not "in a moment": at the end of the quiet hours, said with its day.
        assert spoken[-1] == str(calling(t, typed=False, when=morning).text)
        await asyncio.to_thread(caller.wait_for, "CALL_CLOSED")  # the bot hung up
        await bot.checks.run_once()
        await bot.checks.settled()
        assert bot.calling.outcomes == []  # no call in the quiet hours
        assert await _month_spent(dispatcher.db, clock) == 0
        # The bot restarts in the night: the check is kept.
        await bot.stop()
        bot = await _line(dispatcher, f"{HOST}:{her_phone.sip_port}", kamailio, clock)
        spoken = heard_texts(bot)

        asked_at = clock()  # when the caller hung up: the check was asked for then
        clock.now = morning + timedelta(minutes=1)
        await bot.checks.run_once()
        await asyncio.to_thread(her_phone.wait_for, "CALL_ESTABLISHED")
        # Not "a moment ago": when someone called and asked for the call-back.
        question = str(t.t(QUESTION_AT, when=t.day_and_time(asked_at, "MMMMEEEEd")))
        await until(lambda: question in spoken, "the question")
        assert not any("Erna" in text for text in spoken)  # no name before "1"
        await asyncio.to_thread(her_phone.press, "1")
        # A PIN is offered first (handlers/numbers/phone_pin.py): "2" goes on - to her
        # requests, what the call asked to see (what acts would not be carried).
        await until(lambda: t._(PIN_OFFER) in spoken, "the PIN offered")
        assert not any(f"#{request_id} " in text for text in spoken)
        await asyncio.to_thread(her_phone.press, "2")
        await until(lambda: any(f"#{request_id} " in text for text in spoken), "her requests")
        await asyncio.to_thread(her_phone.hangup)
        await until(lambda: bot.calling.outcomes == [(ERNA, "heard")], "the call ended")
        await bot.checks.settled()
    finally:
        await bot.stop()
    assert await bot.checks.store.get(ERNA) is None  # done
    # A check call spends none of the month's calls: they stay for the messages.
    assert await _month_spent(dispatcher.db, clock) == 0


async def test_a_busy_check_is_tried_again_twice_a_day_then_given_up_and_coordinators_told(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    """Her line is busy (as her own phone is while the call that asked is still open): the
    check is not lost. Tried again after the pause, at most twice a day and half an hour
    apart, the third try the next morning; after it, given up and the coordinators told."""
    clock = Clock(daytime(10))
    await _erna(dispatcher)
    t = translator("de")
    with SippPhone("uas_busy.xml", calls=3) as her_phone:
        bot = await _line(dispatcher, f"{HOST}:{her_phone.port}", kamailio, clock, attempts=3)
        spoken = heard_texts(bot)

        async def looked(busy: int) -> None:
            await bot.checks.run_once()
            await bot.checks.settled()
            assert bot.calling.outcomes == [(ERNA, "busy")] * busy

        try:
            caller = await _asks_for_her_requests(bot, phones, kamailio, tmp_path)
            assert spoken[-1] == t._(CALLING)
            await asyncio.to_thread(caller.wait_for, "CALL_CLOSED")
            await until(lambda: bot.calling.outcomes, "the first try")
            await looked(1)
            clock.pass_(minutes=20)
            await looked(1)  # the pause is not over
            clock.pass_(minutes=11)
            await looked(2)
            clock.pass_(minutes=31)
            await looked(2)  # two check calls a day: the third waits for the morning
            waiting = await bot.checks.store.get(ERNA)
            assert waiting is not None and waiting.tries == 2
            assert waiting.next_at == _morning(clock())
            assert await dispatcher.db.outbox.waiting(*BACKCHANNEL, clock()) == []
            clock.now = waiting.next_at
            await looked(3)
            result = her_phone.wait(60)
        finally:
            await bot.stop()
    assert result.count("SuccessfulCall") == 3, result.errors
    assert await bot.checks.store.get(ERNA) is None  # given up
    (told,) = await dispatcher.db.outbox.waiting(*BACKCHANNEL, clock())
    text = told.payload["text"]
    assert "Erna" in text and "3" in text and ERNA not in text
    assert await _month_spent(dispatcher.db, clock) == 0


class _LongHangUp(ToneEngine):
    """The tone engine, with "please hang up now" as long as a slow speaker says it."""

    async def speak(self, text: str, lang: str) -> Audio:
        if "legen Sie jetzt auf" not in text:
            return await super().speak(text, lang)
        return await super().speak(text + " " * 1500, lang)  # some 7 s


async def test_a_key_while_please_hang_up_is_said_does_not_keep_the_line_open(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    """Today's caller presses a key as she hears "please hang up now": the bot hangs up
    all the same, so her line is free for the check call."""
    await _erna(dispatcher)
    her_phone = await asyncio.to_thread(
        phones, ERNA, answer=True, says=voice_tone(tmp_path), pad_seconds=120
    )
    bot = await phone_line(dispatcher, kamailio, tmp_path, calls_to=f"{HOST}:{her_phone.sip_port}")
    assert bot.prompts is not None
    bot.prompts.engine = _LongHangUp()
    spoken = heard_texts(bot)
    try:
        caller = await _asks_for_her_requests(bot, phones, kamailio, tmp_path)
        assert spoken[-1] == translator("de")._(CALLING)
        await asyncio.to_thread(caller.press, "5")
        await asyncio.to_thread(caller.wait_for, "CALL_CLOSED", timeout=60)
        await asyncio.to_thread(her_phone.wait_for, "CALL_ESTABLISHED")
    finally:
        await bot.stop()


# -- without a line


class _NoLine:
    """A stack that places no call (the checks asked for are counted, not rung)."""

    async def make_call(self, uri: str, listener: object, **beside: object) -> int:
        raise RuntimeError("no phone line is running")

    def hang_up(self, call_id: int) -> None:
        """Nothing runs."""


async def _silent(text: str, reader: Translator | str) -> None:
    return None


async def _german(chat_id: str) -> Translator:
    return translator("de")


def _checks(
    db: Database,
    clock: Clock,
    settings: CheckSettings,
    protected: frozenset[str] = frozenset(),
    report: Kept | None = None,
) -> CheckCalls:
    """The check calls of ``settings``; the numbers ``protected`` have a person with
    something to protect; what they report is kept in ``report``."""
    calling_back = CallingBack(
        db,
        _NoLine(),  # type: ignore[arg-type]
        CallBackSettings(domain="example.org", policy=Policy(quiet=None), checks=settings),
        speak=_silent,
        language=_german,
        report=report or Kept(),
        clock=clock,
    )

    async def begin(*_: object) -> None:
        raise AssertionError("no call is answered here")

    async def words(number: str, profile: Profile) -> Translator:
        return translator("de")

    def proven(*_: object) -> None:
        raise AssertionError("no PIN is typed here")

    async def protects(number: str) -> bool:
        return number in protected

    return CheckCalls(db, calling_back, begin=begin, words=words, proven=proven, protects=protects)


@pytest.mark.both_backends  # the counts' SQL (check_call_store.py)
async def test_the_pool_has_its_day_and_hour_and_a_number_its_own(db: Database):
    clock = Clock(daytime(10))
    settings = CheckSettings(per_day=3, per_hour=2, per_caller_hour=2, reserve_percent=0)
    checks = _checks(db, clock, settings)
    checks._start = lambda number, pause=0.0: None  # type: ignore[method-assign]
    now = clock()
    assert checks.may_call(ERNA) and not checks.may_call("+499005123456")
    assert await checks.ask(ERNA, "hr:mine", Profile()) == now
    assert await checks.ask(ERNA, "hr:mine", Profile()) == now  # the one waiting
    assert await checks.ask(OTHER, "hr:new", Profile()) == now
    assert await checks.ask(THIRD, "hr:new", Profile()) == now
    # A number the bot may not call is never checked.
    assert await checks.ask("+499005123456", "hr:new", Profile()) == "never"
    # Two calls placed this hour: the pool's hour is full, the next check waits for the next.
    assert await checks._count(ERNA, now, False) and await checks._count(OTHER, now, False)
    assert not await checks._count(THIRD, now, False)  # counted by no cap
    assert await checks.store.placed(local_day(now), THIRD) == (0, None)
    assert await checks.ask("+4923155511", "hr:new", Profile()) == now.replace(hour=11)
    # The third call of the day, in the next hour: the pool's day is full.
    clock.pass_(hours=1)
    assert await checks._count(THIRD, clock(), False)
    assert await checks.ask("+4923155512", "hr:new", Profile()) == "day"
    # A number had two check calls today: none more, however asked.
    clock.pass_(days=1)
    assert await checks._count(ERNA, clock(), False)
    later = clock() + timedelta(minutes=29)
    assert not await checks._count(ERNA, later, False)  # half an hour apart
    assert await checks._count(ERNA, clock() + timedelta(minutes=31), False)
    assert not await checks._count(ERNA, clock() + timedelta(hours=2), False)


@pytest.mark.both_backends  # the counts' SQL (check_call_store.py)
async def test_strangers_spend_only_their_share_residents_are_checked_from_the_reserve(
    db: Database,
):
    """Four check calls a day, two an hour, half of each a reserve: checks of numbers whose
    person has nothing to protect (a new caller choosing a PIN) may spend one an hour and
    two a day; Erna (a request, a desk entry) is checked from the rest. The coordinators
    are told once when a pool - the strangers' share or the whole - runs dry."""
    clock = Clock(daytime(10))
    kept = Kept()
    settings = CheckSettings(per_day=4, per_hour=2, per_caller_hour=3, reserve_percent=50)
    checks = _checks(db, clock, settings, frozenset({ERNA, THIRD}), kept)
    checks._start = lambda number, pause=0.0: None  # type: ignore[method-assign]
    now, pin = clock(), "pin:choose"
    # Numbers of blocks of their own (check_call_store.py ``PER_BLOCK_DAY``).
    strangers = [f"+4923152{n}0001" for n in range(6)]
    assert await checks.ask(strangers[0], pin, Profile()) == now
    assert await checks._count(strangers[0], now, False)
    # The strangers' hour is spent: the next stranger waits an hour, counted by no cap.
    assert not await checks._count(strangers[1], now, False)
    assert await checks.ask(strangers[1], pin, Profile()) == now.replace(hour=11)
    assert _dry(kept) == [("hour", True, 1)]
    assert await checks.ask(strangers[2], pin, Profile()) == now.replace(hour=11)
    assert len(kept.reports) == 1  # told once an hour
    # Erna is checked now, from the reserve.
    assert await checks.ask(ERNA, "menu:main", Profile()) == now
    assert await checks._count(ERNA, now, True)
    # Now the whole hour is spent: Erna's neighbour waits too, and that is told.
    assert not await checks._count(THIRD, now, True)
    assert await checks.ask(THIRD, "menu:main", Profile()) == now.replace(hour=11)
    assert _dry(kept)[-1] == ("hour", False, 2)
    # The next hour: the second stranger's check is placed - the strangers' day (two) is
    # spent with it; a third stranger is refused for today, THIRD is still checked.
    clock.pass_(hours=1)
    assert await checks._count(strangers[1], clock(), False)
    assert not await checks._count(strangers[2], clock(), False)
    assert await checks.ask(strangers[3], pin, Profile()) == "day"
    assert _dry(kept)[-1] == ("day", True, 2)
    assert await checks._count(THIRD, clock(), True)
    # The whole day (four) is spent: Erna's next check is put off to tomorrow, told once.
    clock.pass_(hours=1)
    assert not await checks._count(ERNA, clock(), True)
    assert await checks.ask("+492316660001", "menu:main", Profile()) == "day"
    assert _dry(kept)[-1] == ("day", False, 4)  # the whole day
    # Who used the day's checks comes with it: each number called and how often.
    assert dict(kept.reports[-1].used) == {
        strangers[0]: 1,
        strangers[1]: 1,
        ERNA: 1,
        THIRD: 1,
    }
    await checks.store.done(ERNA)
    assert await checks.ask(ERNA, "menu:main", Profile()) == "day"  # the reserve too
    assert len(kept.reports) == 4  # each told once


def _dry(kept: Kept) -> list[tuple[str, bool, int]]:
    """The pools reported dry: (span, the newcomers' share, the cap)."""
    return [
        (report.span, report.newcomers, report.cap)
        for report in kept.reports
        if isinstance(report, CheckPoolDry)
    ]


async def test_a_block_of_numbers_gets_four_checks_a_day_and_the_coordinators_see_who(
    db: Database,
):
    """Issue 98, point 6: numbers alike in all but their last three digits - a range of
    cheap numbers, or a caller ID set to a row of residents' numbers - get four check
    calls a day between them, whatever the pool has left; the fifth is "not today", and
    the coordinators are told once, with whom the day's checks rang."""
    clock = Clock(daytime(10))
    kept = Kept()
    settings = CheckSettings(per_day=20, per_hour=20, per_caller_hour=3, reserve_percent=50)
    checks = _checks(db, clock, settings, frozenset({ERNA, THIRD}), kept)
    checks._start = lambda number, pause=0.0: None  # type: ignore[method-assign]
    now = clock()
    row = [f"+49231555{n:02d}" for n in range(30, 36)]
    for number in (ERNA, THIRD, row[0], row[1]):
        assert await checks.ask(number, "menu:main", Profile()) == now
        assert await checks._count(number, now, number in (ERNA, THIRD))
    assert not await checks._count(row[2], now, False)  # counted by no cap
    # The fifth of the block: "not today" (the day is the block's).
    assert await checks.ask(row[3], "menu:main", Profile()) == "day"
    [told] = [report for report in kept.reports if isinstance(report, CheckPoolDry)]
    assert told.block and told.cap == 4
    assert dict(told.used) == {ERNA: 1, THIRD: 1, row[0]: 1, row[1]: 1}
    await checks.ask(row[4], "menu:main", Profile())
    assert len(kept.reports) == 1  # once a day
    # Another block is called as ever.
    assert await checks.ask(OTHER, "menu:main", Profile()) == now


async def test_a_residents_not_me_tells_the_coordinators_a_strangers_does_not(db: Database):
    """A check answered "it was not me" at a number whose person has something to protect
    is reported (handlers/numbers/call_notices.py tells the coordinators): someone else uses
    her number's caller ID. At a number of nobody with anything, "not me" is a wrong number
    typed or a stranger's own: nothing to tell. Either way the check is done."""
    from bot.transports.phone.calls.check_call_store import Waiting
    from handlers.channels import CheckDenied

    clock = Clock(daytime(10))
    kept = Kept()
    settings = CheckSettings(per_day=20, per_hour=6, per_caller_hour=3, reserve_percent=50)
    checks = _checks(db, clock, settings, frozenset({ERNA}), kept)
    for number in (ERNA, THIRD):
        waiting = Waiting(number, "menu:main", "de", False, False, 0, clock())
        await checks._went(waiting, "not them")
    assert kept.reports == [CheckDenied("phone", ERNA)]
