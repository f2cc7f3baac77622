"""Check calls: the call the bot makes to a number to check who asked
(handlers/numbers/caller_check.py) - a caller ID that claims a person the bot knows, or a number a
withheld caller typed. Such a call rings a number on a stranger's word, so it keeps rules
of its own, apart from the outbox's call-backs (outbox_calls.py):

- The quiet hours are the call-backs' (when_to_call_again.py ``Policy``): a check asked for
  in them is placed when they end, and the caller hears when (:meth:`CheckCalls.ask`).
- A number gets at most :data:`PER_NUMBER_DAY` check calls a day (Europe/Berlin) and none
  within :data:`GAP` of the last - whoever asks, whatever is typed. Only calls placed count.
- Each caller ID may ask for at most ``[phone] checks_per_caller_hour`` checks an hour, the
  withheld callers together as one: the feature that asks counts them
  (handlers/numbers/caller_check.py, :attr:`CheckCalls.per_caller_hour`). Past a day's
  cap, the caller hears "not today".
- The city's check calls come from a daily pool of their own, ``[phone]
  check_calls_per_day``, at most ``check_calls_per_hour`` an hour: they never spend the
  month's calls (dialling.py), which stay for the messages' call-backs. A number the bot may
  not dial is never called.
- The last ``check_calls_reserve_percent`` of the day's pool and of each hour's is a
  reserve for numbers whose person has a request let through or a desk entry
  (db/users.py ``has_own_data(entered=True)``, asked through ``reserved`` when the check is asked
  for and when it is placed; a PIN alone is not enough - anyone the bot once called back
  chose one): a check of anyone else - a new caller choosing a PIN, a number nobody here
  has - is counted against the rest as well (:data:`NEWCOMERS`), so strangers asking from
  new numbers cannot put off a resident's check.
- One block of numbers (all digits alike but the last :data:`BLOCK_DIGITS`: a range of
  cheap numbers, or a caller ID set to a row of residents' numbers) gets at most
  :data:`PER_BLOCK_DAY` check calls a day, whoever asks: every such check rings someone.
- When a check is put off or refused because a pool (the newcomers' share or the whole)
  or a block's day is spent, the coordinators are told, once a day or hour for each (the
  report ``CheckPoolDry``, taken by handlers/numbers/call_notices.py), with who used the
  day's checks: the people of the numbers called, by name, never a number.
- One check waits per number: asked again, the one waiting stays, and its time is said.
- It is kept in the database (check_call_store.py) until done: a check that cannot be
  placed now (the quiet hours, a cap) waits; one that found the line busy, nobody answering
  or nobody pressing a key is tried again by the call-backs' policy (``call_attempts``,
  ``call_pause_minutes``), after a restart too; after the last try the coordinators are
  told (the report ``CheckGivenUp``, taken by handlers/numbers/call_notices.py); a "not
  me" at a number whose person has something to protect tells them too (``CheckDenied``).
  Answered
  with "1" (the call goes on as the person's conversation, ``begin``) or "2" (not them) it
  is done.
- The question names nobody and says what happened (words/who_picked_up.py
  ``check_question``: someone called a moment ago, or at the time the check was asked
  for, and asked to be called back at this number): the call is made to find out who is
  there, and a resident whose number a stranger used says "not me".

Button data: none. States: the waiting checks and the day's counts in the database; the
checks being placed, in memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.transports.phone.calls.callers_number import PLATFORM
from bot.transports.phone.calls.check_call_store import (
    BLOCK,
    NEWCOMERS,
    PER_BLOCK_DAY,
    POOL,
    CheckCallStore,
    Waiting,
)
from bot.transports.phone.calls.dialling import CheckSettings
from bot.transports.phone.calls.outbox_calls import CallingBack, Outcome, next_day
from bot.transports.phone.calls.verbs import CallRunner
from bot.transports.phone.calls.when_to_call_again import BERLIN
from db import Database
from db.clock import local_day
from handlers.channels import (
    CheckDenied,
    CheckGivenUp,
    CheckPoolDry,
    DrySpan,
    PortRefusal,
    Profile,
)
from handlers.messages import Event
from locales import Translator

log = logging.getLogger(__name__)

# Check calls to one number a day at most, and the least time between two of them.
PER_NUMBER_DAY = 2
GAP = timedelta(minutes=30)
# Check calls a day at most to one block of numbers: check_call_store.py PER_BLOCK_DAY
# (the desk's panel reads it without the calls' audio). A block: numbers alike in all but
# their last BLOCK_DIGITS digits.
BLOCK_DIGITS = 3
# A caller whose number is called back hangs up first: the first try waits so long.
CHECK_PAUSE_SECONDS = 3.0
# How often the waiting checks are looked at (besides when one is asked for).
LOOK_SECONDS = 30.0
# A check placed no later than this after it was asked counts as "in a moment".
SOON = timedelta(minutes=1)
# A check being placed is not due again for so long (longer than any check call lasts):
# a process that dies during the call leaves it to be tried then.
CLAIMED = timedelta(minutes=15)

# The checked call goes on as the person's conversation: (number, the check, its call).
Begin = Callable[[str, Waiting, CallRunner], Awaitable[None]]
# The words the question is said in: (number, what the asking call passed on).
Words = Callable[[str, Profile], Awaitable[Translator]]
# Whether a number's person has something to protect: its check may spend the reserve.
Protects = Callable[[str], Awaitable[bool]]
# A pool's cap on a check: (its count's name, the most, the newcomers' share alone).
Cap = tuple[str, int, bool]


def profile_of_waiting(waiting: Waiting) -> Profile:
    return Profile(waiting.language or None, waiting.consented, waiting.easy)


class CheckCalls:
    def __init__(
        self,
        db: Database,
        calling: CallingBack,
        *,
        begin: Begin,
        words: Words,
        proven: Callable[[str, Event], None],
        protects: Protects,
        reserved: Protects | None = None,
    ) -> None:
        self.db = db
        self.calling = calling
        self.settings: CheckSettings = calling.settings.checks
        self.begin = begin
        self.words = words
        # A claimed call proved by its PIN (handlers/numbers/phone_pin.py): the transport's.
        self.proven = proven
        self.protects = protects
        # Whose checks may spend the pool's reserve (a request let through, a desk entry).
        self.reserved = reserved or protects
        self.clock = calling.clock
        self.store = CheckCallStore(db.transactions)
        self.running: dict[str, asyncio.Task[None]] = {}
        self._looking: asyncio.Task[None] | None = None

    # -- asked for

    @property
    def per_caller_hour(self) -> int:
        """How many checks one caller ID may ask for an hour (``[phone]
        checks_per_caller_hour``; counted by the feature that asks)."""
        return self.settings.per_caller_hour

    def may_call(self, number: str) -> bool:
        """Whether a check call may ever go to ``number``: the line calls out (``[phone]
        domain``) and the bot may dial the number (dialling.py)."""
        return bool(self.calling.settings.domain) and self.calling.dialling.may_dial(number)

    async def ask(self, number: str, data: str, profile: Profile) -> datetime | PortRefusal:
        """A check of ``number``, to begin with the button ``data``: when it is placed, or
        why not - "never" (the bot may not call the number), "day" (the number's or the
        pool's day is full); each is said to the caller as it is
        (handlers/numbers/caller_check.py ``REFUSED``)."""
        if not self.may_call(number):
            return "never"
        now = self.clock()
        at, today = await self._when(number, now, await self.reserved(number))
        waiting = await self.store.get(number)
        if waiting is None:
            if not today:
                return "day"
            asked = Waiting(
                number,
                data,
                profile.language or "",
                profile.consented,
                profile.easy,
                0,
                at,
            )
            waiting = await self.store.ask(asked, now)
        if waiting.next_at <= now and number not in self.running:
            self._start(number, CHECK_PAUSE_SECONDS)
        return max(waiting.next_at, now)

    def soon(self, at: datetime) -> bool:
        """Whether a check placed at ``at`` comes "in a moment"."""
        return at <= self.clock() + SOON

    async def _when(self, number: str, now: datetime, protected: bool) -> tuple[datetime, bool]:
        """When a check call to ``number`` (``protected``: its person has something to
        protect, the reserve is theirs too) may be placed, and whether today (else the
        number's or the pool's day is full: the next day). A pool that puts it off is told."""
        day = local_day(now)
        calls, last = await self.store.placed(day, number)
        policy = self.calling.settings.policy
        if calls >= PER_NUMBER_DAY:
            return policy.outside_quiet(next_day(now)), False
        if await self._block_spent(day, number):
            return policy.outside_quiet(next_day(now)), False
        if await self._dry(now, self._day_caps(protected), "day"):
            return policy.outside_quiet(next_day(now)), False
        at = now if last is None else max(now, last + GAP)
        if await self._dry(at, self._hour_caps(at, protected), "hour"):
            at = _next_hour(at)
        return policy.outside_quiet(at), True

    def _day_caps(self, protected: bool) -> list[Cap]:
        """The day's pool, and for a check without anything to protect the newcomers'
        share of it."""
        per_day = self.settings.per_day
        caps = [(POOL, per_day, False)]
        return caps if protected else [*caps, (NEWCOMERS, self.settings.newcomers(per_day), True)]

    def _hour_caps(self, at: datetime, protected: bool) -> list[Cap]:
        """The pool's hour ``at`` falls in, and the newcomers' share of it."""
        per_hour = self.settings.per_hour
        caps = [(_hour(at), per_hour, False)]
        if protected:
            return caps
        return [*caps, (_hour(at, NEWCOMERS), self.settings.newcomers(per_hour), True)]

    async def _dry(self, at: datetime, caps: list[Cap], span: DrySpan) -> bool:
        """Whether one of ``caps`` is spent on the day of ``at``: then the coordinators
        are told of the first (the whole pool before the newcomers' share) - once a day,
        or hour, each."""
        day = local_day(at)
        for name, cap, newcomers in caps:
            spent, _ = await self.store.placed(day, name)
            if spent >= cap:
                if await self.store.first_told(day, name):
                    used = tuple(await self.store.used(day))
                    await self.calling.report(CheckPoolDry(PLATFORM, span, newcomers, cap, used))
                return True
        return False

    async def _block_spent(self, day: str, number: str) -> bool:
        """Whether the block of ``number`` had its :data:`PER_BLOCK_DAY` check calls on
        ``day``: then the coordinators are told, once a day for the block, who was called."""
        block = _block(number)
        spent, _ = await self.store.placed(day, block)
        if spent < PER_BLOCK_DAY:
            return False
        if await self.store.first_told(day, block):
            used = tuple(await self.store.used(day))
            dry = CheckPoolDry(PLATFORM, "day", False, PER_BLOCK_DAY, used, block=True)
            await self.calling.report(dry)
        return True

    # -- placed

    async def run(self) -> None:
        """Place the waiting checks when due, until cancelled."""
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("phone: looking for checks to place failed")
            await asyncio.sleep(LOOK_SECONDS)

    def start(self) -> None:
        self._looking = asyncio.create_task(self.run())

    async def run_once(self) -> None:
        """Start the checks that are due and not under way."""
        for waiting in await self.store.due(self.clock()):
            if waiting.number not in self.running:
                self._start(waiting.number)

    async def settled(self) -> None:
        """Wait until no check is being placed."""
        while self.running:
            await asyncio.wait(set(self.running.values()))

    async def stop(self) -> None:
        tasks = list(self.running.values())
        if self._looking is not None:
            tasks.append(self._looking)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _start(self, number: str, pause: float = 0.0) -> None:
        task = asyncio.create_task(self._place(number, pause))
        self.running[number] = task

        def ended(done: asyncio.Task[None]) -> None:
            if self.running.get(number) is done:
                del self.running[number]

        task.add_done_callback(ended)

    async def _place(self, number: str, pause: float) -> None:
        if pause:
            await asyncio.sleep(pause)
        now = self.clock()
        waiting = await self.store.get(number)
        if waiting is None or waiting.next_at > now:
            return  # done, or put off, meanwhile
        protected = await self.reserved(number)
        at, _ = await self._when(number, now, protected)
        if at > now:
            await self.store.wait_until(number, at)
            return
        if not await self.store.claim(waiting, now + CLAIMED):
            return  # another process places it
        if not await self._count(number, now, protected):  # a cap filled meanwhile
            later, _ = await self._when(number, now, protected)
            await self.store.wait_until(number, later if later > now else now + SOON)
            return
        try:
            t = await self.words(number, profile_of_waiting(waiting))

            async def begin(runner: CallRunner) -> None:
                await self.begin(number, waiting, runner)

            outcome: Outcome = await self.calling.check(number, t, begin, waiting.asked_at)
        except Exception:
            log.exception("phone: a check call failed")
            outcome = "failed"
        await self._went(waiting, outcome)

    async def _count(self, number: str, now: datetime, protected: bool) -> bool:
        """Count a check call to ``number`` placed now, if the caps leave room (the
        newcomers' share too, unless ``protected``)."""
        pools = [*self._day_caps(protected), *self._hour_caps(now, protected)]
        caps: list[tuple[str, int, datetime | None]] = [(number, PER_NUMBER_DAY, now - GAP)]
        caps += [(_block(number), PER_BLOCK_DAY, None)]
        caps += [(name, cap, None) for name, cap, _ in pools]
        return await self.store.count(local_day(now), now, caps)

    async def _went(self, waiting: Waiting, outcome: Outcome) -> None:
        """After a try: done when answered; else the next try, or given up."""
        number = waiting.number
        if outcome in ("heard", "not them"):
            await self.store.done(number)
            if outcome == "not them" and await self.protects(number):
                # Her own "not me": the clearest sign someone uses her number's caller ID.
                await self.calling.report(CheckDenied(PLATFORM, number))
            return
        now = self.clock()
        tries = waiting.tries + 1
        at = self.calling.settings.policy.next_try(now, tries, now)
        if at is None:
            await self.store.done(number)
            log.info("phone: a check call was given up after %d tries", tries)
            await self._give_up(number, tries)
            return
        await self.store.wait_until(number, at, tries)

    async def _give_up(self, number: str, tries: int) -> None:
        await self.calling.report(CheckGivenUp(PLATFORM, number, tries))


def _hour(at: datetime, pool: str = POOL) -> str:
    """The count of ``pool`` (the whole, or the newcomers' share) in the hour ``at`` falls
    in (Europe/Berlin)."""
    return pool + f"{at.astimezone(BERLIN).hour:02d}"


def _block(number: str) -> str:
    """The count of the block of numbers ``number`` belongs to (all but its last
    :data:`BLOCK_DIGITS` digits)."""
    return BLOCK + number[:-BLOCK_DIGITS]


def _next_hour(at: datetime) -> datetime:
    local = at.astimezone(BERLIN)
    return (local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)).astimezone(
        at.tzinfo
    )
