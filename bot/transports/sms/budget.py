"""What text messages cost, and who may spend it: the one owner (docs/sms.md).

**The month.** ``[sms] monthly_segments`` (installation-wide, bot/cities.py) for all its
cities together, a clear stop, and each city's coordinators told at 80 %, when only the
reserve is left and when it is used up (reported: handlers/limits/month_budgets.py words
it): a meter of the month's budget
(bot/transports/month_budget.py, which the phone's calls are too), counted in segments.
Each text is taken from the month before it is handed to the gateway; the month is counted
in the main city's database (:meth:`Budget.count_in`, called by bot/city_service.py; a lone
city counts in its own). A text that does not fit is not sent (the transport refuses it for
good, so the outbox moves on) and the city's coordinators learn that the budget is used up.

**The reserve.** The last ``[sms] reserve_percent`` of the month only notices of running
help may spend: a text from the outbox (never an answer) to a person whose help is under
way (handlers/helping/lifecycle.py ``running_help``, asked by the transport, and only when
it matters). Strangers and chatty numbers cannot take the code word from a resident.

**One number.** A number is sent at most ``[sms] texts_per_number_per_hour`` texts an hour
(UTC) and ``texts_per_number_per_day`` a day (Europe/Berlin), counted in its city's
database with one conditional UPDATE (store.py ``count_text``); past either its texts are
refused, but for the notices of its running help (counted all the same). Its person is
told once a cap period, outside the cap (the month pays), when the bot answers again
(:meth:`Budget.take`'s ``capped``, claimed in store.py ``capped_until``), so that a flood of
texts gets one answer an hour or a day at most.

**Unchecked answers.** The answers to texts from a number that has not texted a right code
back within the last half hour (handlers/channels.py ``PASSING``) - all a forged
sender's texts are - take at most half of the number's texts of the hour and day
(:attr:`Limits.unchecked_caps`); past it :meth:`Budget.take` raises :class:`Held` and the
transport holds them for a check (bot/transports/sms/checking.py: one code, reminders that
back off). The rest is for the codes, the answers once a code came back right and the
notices of running help, so texts forged from a resident's number never spend all of hers.

**Strangers.** A number the bot does not know is answered only while the day's
``[sms] new_numbers_per_day`` and ``new_numbers_per_prefix`` (numbers alike but for their
last :data:`PREFIX_CUT` digits, as a bank of SIM cards or a forged range is) have room:
:meth:`Budget.first_contact`, installation-wide like the month. ``new_numbers_kept_percent``
of the day is kept for the city's own area codes (``[sms] area_codes``) and numbers seen
before today (store.py ``seen``: the bot kept something for them - texted them, their
STOP, a turned-away texter told): a crowd of new numbers from elsewhere spends only the rest. The
city's coordinators are told the moment a share runs out (once a day each,
:meth:`Budget.first_contact`); a turned-away texter is told once a day when the bot answers
again (:meth:`Budget.may_tell_turned_away`: as many a day as first contacts, and a prefix's
as many as its first contacts, so telling costs at most what answering would).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import phonenumbers

from bot.transports.month_budget import (
    Ledger,
    Meter,
    MonthBudget,
    Running,
    RunningHelp,
    month_of,
)
from bot.transports.sms.config import SmsSection
from bot.transports.sms.store import DAY_FULL, PLATFORM, TOLD, SmsStore
from db import Database
from db.clock import BERLIN, hour_end, local_day, to_text
from db.users import User
from handlers.channels import (
    PASSING,
    CodeShare,
    CodeTextsUsed,
    FirstTextsUsed,
    Report,
    TextsCapped,
)

__all__ = [
    "SEGMENTS",
    "Budget",
    "CodeLimits",
    "Limits",
    "State",
    "limits_of",
    "month_of",
    "prefix_of",
]

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)

# Where the month's segments are counted (db/migrations/0030_sms.sql).
SEGMENTS = Ledger("sms_budget", "segments")
# A number's prefix for the first contacts: the number without its last digits.
PREFIX_CUT = 4


def hour_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H")


def prefix_of(number: str) -> str:
    """The first contacts' prefix of an E.164 number: all but its last :data:`PREFIX_CUT`
    digits ("+4917611111111" → "+491761111")."""
    return number[:-PREFIX_CUT] if len(number) > PREFIX_CUT + 1 else number


# Within :meth:`Budget.codes_with`: the code texts taken in another database (the main
# city's) than the city's handling - each its hour, its number and the number's codes
# (store.py ``codes_issued``) when it was taken - given back unless a code of them was
# committed (None outside).
_TAKEN_APART: ContextVar[list[tuple[str, str, tuple[str, int]]] | None] = ContextVar(
    "sms_codes_apart", default=None
)

# How far back a number a coordinator entered for a resident opens the kept share of the
# first contacts (:meth:`Budget._entered`): the requests of a quarter of a year.
ENTERED_DAYS = 90

# Per cent of the hour's code texts kept for people with help under way (:attr:`Limits.
# codes_kept`): a crowd of newcomers asking for codes leaves the running help its own.
CODES_KEPT_PERCENT = 30


# Per cent of the hour's code texts that numbers may take which have not texted a code back
# right today and have no help under way (:meth:`Budget.take_code`): the share a forged
# sender can make the city send (issue 98, point 4). The rest is for those who proved they
# hold their number today and for running help - a crowd of forged senders asking for
# codes leaves the residents theirs.
NEW_CODES_PERCENT = 50
# The hour's row of those codes in sms_code_texts ("2026-11-29T14 new": after the hour's own
# row, gone with it at the next hour's first count).
NEW_CODES = " new"
# The day's row of a prefix's codes in sms_first_contacts ("codes +491761111"): numbers
# alike but for their last four digits share [sms] new_numbers_per_prefix codes a day
# while they have not confirmed one today, as they share the first contacts.
PREFIX_CODES = "codes "
# Within one handling (:meth:`Budget.take_code`, :meth:`Budget.code_back`): the newest
# code text taken from the new numbers' share, to give back with it.
_NEW_TAKEN: ContextVar[list[str] | None] = ContextVar("new_codes_taken", default=None)
# Within one handling: the numbers a code text was taken for (:meth:`Budget.coded`) - its
# answers carry the code, and go from the number's whole texts, not its unchecked share.
_CODED: ContextVar[list[str] | None] = ContextVar("codes_taken_for", default=None)


# The share of a number's texts of the hour and of the day that answers to its unchecked
# texts may take (:attr:`Limits.unchecked_caps`): one in this many.
UNCHECKED_SHARE = 2


class Held(Exception):
    """An answer to an unchecked text past the number's unchecked share (:meth:`Budget.
    take`): not sent, held for a check (bot/transports/sms/checking.py)."""


def kept_of(cap: int, percent: int) -> int:
    """``percent`` of ``cap`` kept for some, rounded up - at least one is left for everyone
    else (0 for no cap)."""
    if not cap:
        return 0
    return min(-(-cap * percent // 100), cap - 1)


@dataclass(frozen=True)
class CodeLimits:
    """The limits on codes that hold now (:meth:`Budget.code_limits`): whether this hour's
    code texts are sent for the new numbers' share, for everyone, or all of them (until
    ``until``), the city's wrong codes of the hour (checking paused at the store's
    ``CITY_WRONG_CODES``), and the people whose numbers had their codes of the day."""

    until: datetime
    new_used: bool
    open_used: bool
    all_used: bool
    wrong: int
    out_of_codes: tuple[User, ...]
    # The people whose numbers' answers are held for a check this hour (checking.py).
    held: tuple[User, ...] = ()


@dataclass(frozen=True)
class Limits:
    """Who may spend how much (``[sms]``, docs/sms.md); 0 is no cap, as for a test."""

    per_number_hour: int = 0
    per_number_day: int = 0
    new_numbers_day: int = 0
    new_numbers_prefix: int = 0
    # Per cent of the day's first contacts kept for ``area_codes`` and numbers seen before.
    new_numbers_kept_percent: int = 0
    # The city's own area codes, as E.164 beginnings ("+49231").
    area_codes: tuple[str, ...] = ()

    @property
    def unchecked_caps(self) -> tuple[int, int]:
        """The number's texts of the hour and of the day that answers to its unchecked
        texts may take (at least one of each cap; 0: no cap)."""
        return (
            max(1, self.per_number_hour // UNCHECKED_SHARE) if self.per_number_hour else 0,
            max(1, self.per_number_day // UNCHECKED_SHARE) if self.per_number_day else 0,
        )

    @property
    def new_numbers_kept(self) -> int:
        """The day's first contacts kept (at least one is left for everyone else: a cap of
        0 would be none)."""
        return kept_of(self.new_numbers_day, self.new_numbers_kept_percent)

    # Per cent of the month only notices of running help may spend.
    reserve_percent: int = 0
    # Code texts the installation sends an hour (:meth:`Budget.take_code`); 0: no cap.
    codes_hour: int = 0

    @property
    def codes_kept(self) -> int:
        """The hour's code texts kept for people with help under way."""
        return kept_of(self.codes_hour, CODES_KEPT_PERCENT)

    @property
    def codes_new(self) -> int:
        """The hour's code texts numbers may take that have not confirmed a code today
        (at least one)."""
        return max(1, self.codes_hour * NEW_CODES_PERCENT // 100) if self.codes_hour else 0


def limits_of(section: SmsSection) -> Limits:
    """The limits ``[sms]`` sets (bot/config.py ``SmsSection``)."""
    return Limits(
        per_number_hour=section.texts_per_number_per_hour,
        per_number_day=section.texts_per_number_per_day,
        new_numbers_day=section.new_numbers_per_day,
        new_numbers_prefix=section.new_numbers_per_prefix,
        new_numbers_kept_percent=section.new_numbers_kept_percent,
        area_codes=area_codes_of(section.area_codes, section.country),
        reserve_percent=section.reserve_percent,
        codes_hour=section.codes_per_hour,
    )


def area_codes_of(written: Iterable[str], country: str) -> tuple[str, ...]:
    """Area codes as written ("0231", "+49 231") as E.164 beginnings ("+49231")."""
    calling = str(phonenumbers.country_code_for_region(country.upper()))
    codes = []
    for code in written:
        digits = "".join(ch for ch in code if ch.isdigit())
        if code.strip().startswith("+"):
            codes.append("+" + digits)
        elif digits:
            codes.append("+" + calling + digits.removeprefix("0"))
    return tuple(codes)


@dataclass(frozen=True)
class State:
    """The budget as the desk and ``doctor`` show it."""

    month: str
    spent: int
    monthly: int
    reserve: int
    # First texts from unknown numbers today: answered, not answered, and the day's cap.
    new_numbers: int
    new_numbers_refused: int
    new_numbers_cap: int

    @property
    def ordinary_left(self) -> int:
        """What every kind of text may still spend this month."""
        return max(0, self.monthly - self.reserve - self.spent)

    @property
    def left(self) -> int:
        """What the notices of running help may still spend (the reserve and the rest)."""
        return max(0, self.monthly - self.spent)


class Budget(MonthBudget):
    """The month's segments (a :class:`MonthBudget`), and what one number and the numbers
    the bot does not know may spend of it."""

    def __init__(
        self,
        db: Database,
        monthly: int,
        backchannels: Iterable[tuple[str, str]],
        *,
        limits: Limits = Limits(),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_queued: Callable[[], None] | None = None,
        report: Report | None = None,
        running: Running | None = None,
    ) -> None:
        meter = Meter(SEGMENTS, "segments")
        super().__init__(
            db,
            meter,
            monthly,
            limits.reserve_percent,
            backchannels,
            clock=clock,
            on_queued=on_queued,
            report=report,
            running=running,
        )
        self.limits = limits
        # What its limits stop is reported (handlers/channels.py ``TextsCapped``,
        # ``FirstTextsUsed``, ``CodeTextsUsed``, ``MonthShareReached``: ``report``) and the
        # features tell the coordinators (handlers/limits/text_messages.py): the city's
        # ports' report, as the city wires it (``service``).
        # The first contacts: the installation's (count_in), as the month is.
        self.contacts = SmsStore(db.transactions)
        # Texts sent to each number: the city's own, as its numbers are.
        self.texts = SmsStore(db.transactions)
        # Whether the installation's counts are in another database than the city's.
        self.apart = False

    def count_in(self, main: Database) -> None:
        """Count the month and the first contacts in ``main``, the main city's database."""
        super().count_in(main)
        self.contacts = SmsStore(main.transactions)
        self.apart = main.transactions is not self.db.transactions

    @contextlib.asynccontextmanager
    async def codes_with(self) -> AsyncIterator[None]:
        """Around the SMS transport's handling of a text - its own transaction (a STOP's
        code) and the dispatcher's (the features' codes: an act's, an erasure's,
        handlers/numbers/coded_acts.py ``issued``): a code text taken within it
        (:meth:`take_code`) counts only with the code it was taken for committed. Counted in
        the city's own database (a lone city, the main one) it is part of that transaction;
        counted in the main city's, another database, it is given back there once the
        handling is over (or failed) without the number's code committed in the city's -
        a transaction that failed, whether it raised or the dispatcher took its failure and
        answered "something went wrong", costs the hour no code text. Only a crash before
        the give-back leaves one counted for the rest of the hour (never one sent
        uncounted)."""
        taken: list[tuple[str, str, tuple[str, int]]] = []
        token = _TAKEN_APART.set(taken)
        new: list[str] = []
        new_token = _NEW_TAKEN.set(new)
        coded_token = _CODED.set([])
        try:
            yield
        finally:
            _TAKEN_APART.reset(token)
            _NEW_TAKEN.reset(new_token)
            _CODED.reset(coded_token)
            for hour, number, before in taken:
                try:
                    if await self.texts.codes_issued(number) <= before:
                        await self.contacts.code_text_back(hour)
                        if number in new:
                            new.remove(number)
                            await self._new_back(number, self.clock())
                except Exception as exc:  # counted for the hour: fewer codes, never more
                    log.warning("sms: a code text was not given back (%s)", type(exc).__name__)

    async def _counted(self, hour: str, number: str) -> None:
        """A code text for ``number`` counted in ``hour``: noted for :meth:`codes_with`
        where it is counted apart from the city's handling, with the number's codes so far
        (read within that handling: a code issued after it moves them on)."""
        taken = _TAKEN_APART.get()
        if taken is not None and self.apart:
            taken.append((hour, number, await self.texts.codes_issued(number)))

    async def take(
        self,
        segments: int,
        number: str | None = None,
        running: Callable[[], Awaitable[bool]] | None = None,
        capped: Callable[[datetime], Awaitable[None]] | None = None,
        *,
        unchecked: bool = False,
    ) -> bool:
        """Whether ``segments`` may be sent now to ``number`` (and are counted); ``running``
        (for a notice from the outbox) says whether the person's help is under way: then the
        reserve and a number past its caps are open to it. Asked only when that matters,
        and once. A text the number's caps refuse tells the coordinators (:meth:`_capped`)
        and, with ``capped``, has it tell the number's person when the bot answers again -
        once a cap period (claimed in store.py ``capped_until``): the number's texts of the
        hour and day are read once for both. ``unchecked``: an answer to a text from a
        number not checked lately, within its unchecked share - past it (the number's
        whole caps still with room) :class:`Held` is raised and nothing is counted."""
        helping = RunningHelp(running)
        limits = self.limits
        if number is not None and (limits.per_number_hour or limits.per_number_day):
            now = self.clock()
            hour, day = hour_of(now), local_day(now)
            caps = (limits.per_number_hour, limits.per_number_day)
            if unchecked:
                caps = limits.unchecked_caps
            if not await self.texts.count_text(number, hour, day, *caps):
                if unchecked and await self._cap_ends(number, now) is None:
                    raise Held
                if not await helping():
                    log.warning("sms: a number's texts for this hour or day are used up")
                    ends = await self._cap_ends(number, now)
                    await self._capped(number, now, ends)
                    if capped is not None and ends is not None:
                        await self._answered_again(number, now, ends[0], capped)
                    return False
                await self.texts.count_text(number, hour, day)
        return await self.spend(segments, helping)

    async def _capped(self, number: str, now: datetime, ends: tuple[datetime, bool] | None) -> None:
        """Report that ``number``'s person gets no answer until the number's cap of the
        hour or day ends (``ends``: :meth:`_cap_ends`), for the coordinators (by name, never
        the number): once an hour at most per number (claimed in its row). A number nobody
        has (no person to get in touch with) is not reported."""
        until_hour = hour_end(now)
        person = await self.db.users.find(PLATFORM, number)
        if person is None or not await self.texts.claim_told(
            number, "capped", to_text(until_hour - HOUR), to_text(now)
        ):
            return
        if ends is not None and ends[1]:
            await self.report(TextsCapped(PLATFORM, person.id, self.limits.per_number_day, None))
        else:
            cap = self.limits.per_number_hour
            await self.report(TextsCapped(PLATFORM, person.id, cap, until_hour))

    async def _cap_ends(self, number: str, now: datetime) -> tuple[datetime, bool] | None:
        """When ``number``'s cap ends, and whether it is the day's (else the hour's), if it
        is past its texts of the day or of the hour; else None."""
        limits = self.limits
        in_hour, in_day = await self.texts.sent_in(number, hour_of(now), local_day(now))
        if limits.per_number_day and in_day >= limits.per_number_day:
            local = now.astimezone(BERLIN)
            midnight = datetime(local.year, local.month, local.day, tzinfo=BERLIN)
            return midnight + timedelta(days=1), True
        if limits.per_number_hour and in_hour >= limits.per_number_hour:
            return hour_end(now), False
        return None

    async def _answered_again(
        self,
        number: str,
        now: datetime,
        until: datetime,
        tell: Callable[[datetime], Awaitable[None]],
    ) -> None:
        """``number``'s person is told (``tell``) that the bot answers again at ``until``,
        the end of its cap period, unless told so in this period already (claimed now: the
        period's end is kept, so it is told once a period)."""
        if await self.texts.claim_told(number, "capped_until", to_text(now), to_text(until)):
            await tell(until)

    async def first_contact(self, number: str) -> bool:
        """Whether a first text from ``number`` (one the bot does not know) is answered:
        today's first contacts, and those of its prefix, have room (then one is taken) - for
        a number of the city's area codes or seen before the whole day, else the day but for
        its kept share. Running out tells the coordinators."""
        limits = self.limits
        if not (limits.new_numbers_day or limits.new_numbers_prefix):
            return True
        day = local_day(self.clock())
        kept = limits.new_numbers_kept
        ours = bool(kept) and await self._ours(number)
        full = await self.contacts.first_contact(
            day,
            prefix_of(number),
            limits.new_numbers_day - (0 if ours else kept),
            limits.new_numbers_prefix,
        )
        if full == DAY_FULL:
            # The kept share ran out too (or there is none): no new number is answered.
            await self._ran_out(day, ALL_USED if ours or not kept else OPEN_USED)
        if full:
            log.warning("sms: a first text from a new number is not answered (today's are used)")
        return not full

    async def _ours(self, number: str) -> bool:
        """A number of the city's area codes, one the bot kept something for before, or one
        a coordinator entered as the way to reach a resident (:meth:`_entered`)."""
        if number.startswith(self.limits.area_codes):
            return True
        local = self.clock().astimezone(BERLIN)
        today = datetime(local.year, local.month, local.day, tzinfo=BERLIN)
        return await self.texts.seen(number, to_text(today)) or await self._entered(number)

    async def _entered(self, number: str) -> bool:
        """Whether a coordinator entered ``number`` as how a resident is reached (the
        contact of a request entered for her, ``/enter`` or the desk, within
        :data:`ENTERED_DAYS`): she may text from it before anyone here has her as a texter -
        most texters are mobiles, which no area code names (issue 98, point 8c)."""
        since = to_text(self.clock() - timedelta(days=ENTERED_DAYS))
        rows = await self.db.fetch_all(
            "SELECT offline_contact FROM help_requests WHERE entered_by IS NOT NULL"
            " AND offline_contact <> '' AND created_at >= ?",
            (since,),
        )
        for row in rows:
            for found in phonenumbers.PhoneNumberMatcher(str(row[0]), "DE"):
                written = phonenumbers.format_number(
                    found.number, phonenumbers.PhoneNumberFormat.E164
                )
                if written == number:
                    return True
        return False

    async def _ran_out(self, day: str, level: int) -> None:
        """Report, once a day each, that a share of the first contacts ran out (claimed in
        the city's own database, as the month's notices), for the coordinators."""
        if not await self.texts.claim_ran_out(day, level):
            return
        limits = self.limits
        everyone = level == ALL_USED
        cap, kept = limits.new_numbers_day, limits.new_numbers_kept
        await self.report(FirstTextsUsed(PLATFORM, cap, kept, everyone))

    async def may_tell_turned_away(self, number: str) -> bool:
        """Whether a texter the first contacts turned away may be told so now: the day's
        told, and those of its prefix, have room as the first contacts do (then one is
        taken), so that a crowd of new numbers costs at most twice what answering would."""
        limits = self.limits
        return not await self.contacts.first_contact(
            local_day(self.clock()),
            prefix_of(number),
            limits.new_numbers_day,
            limits.new_numbers_prefix,
            total=TOLD,
        )

    async def take_code(self, number: str) -> datetime | None:
        """:meth:`_take_code`; a code text taken is noted for :meth:`coded` within the
        handling."""
        refused = await self._take_code(number)
        coded = _CODED.get()
        if refused is None and coded is not None:
            coded.append(number)
        return refused

    def coded(self, number: str) -> bool:
        """Whether a code text was taken for ``number`` within this handling (and not given
        back): its answers carry the code."""
        return number in (_CODED.get() or ())

    async def _take_code(self, number: str) -> datetime | None:
        """One of the hour's code texts (``[sms] codes_per_hour``, the installation's,
        counted in the main city's database as the first contacts are) for ``number``'s
        person: anyone's while the hour's have room but for those kept (:attr:`Limits.
        codes_kept`), the kept ones only for a person whose help is under way. A number
        that has not texted a code back right today and has no help under way - all a
        forged sender can be - takes from a share of its own (:attr:`Limits.codes_new`)
        and its prefix's codes of the day (``new_numbers_per_prefix``), never from what is
        left for the others. None when taken; else when codes go again (the hour's end,
        or tomorrow for a prefix), and the city's coordinators are told, once an hour for
        each share that ran out."""
        limits = self.limits
        if not limits.codes_hour:
            return None
        now = self.clock()
        hour = hour_of(now)
        helping = await self.helping(PLATFORM, number)
        new = not helping and not await self._proven_today(number, now)
        if new:
            refused = await self._take_new(number, now)
            if refused is not None:
                return refused
        if await self.contacts.take_code_text(hour, limits.codes_hour - limits.codes_kept):
            await self._counted(hour, number)
            return None
        if (
            helping
            and limits.codes_kept
            and await self.contacts.take_code_text(hour, limits.codes_hour)
        ):
            await self._counted(hour, number)
            return None
        if new:
            await self._new_back(number, now)
        log.warning("sms: a code text is not sent (the hour's code texts are used)")
        until = hour_end(now)
        level = ALL_USED if helping or not limits.codes_kept else OPEN_USED
        await self._tell_codes_out(hour, level, until)
        return until

    async def _proven_today(self, number: str, now: datetime) -> bool:
        """Whether ``number`` texted a code back right today (Europe/Berlin): its holder
        was there, a forged sender never is."""
        start = datetime.combine(now.astimezone(BERLIN).date(), datetime.min.time(), BERLIN)
        return await self.texts.confirmed_since(number, to_text(start))

    async def _take_new(self, number: str, now: datetime) -> datetime | None:
        """One of the new numbers' share of the hour and of its prefix's day (see
        :meth:`take_code`): None when taken (noted to give back with the code), else when
        it has room again."""
        limits = self.limits
        hour, day = hour_of(now), local_day(now)
        if not await self.contacts.take_code_text(hour + NEW_CODES, limits.codes_new):
            until = hour_end(now)
            await self._tell_codes_out(hour + NEW_CODES, NEW_USED, until, new=True)
            return until
        prefix = PREFIX_CODES + prefix_of(number)
        if limits.new_numbers_prefix and not await self.contacts.take_day_count(
            day, prefix, limits.new_numbers_prefix
        ):
            await self.contacts.code_text_back(hour + NEW_CODES)
            log.warning("sms: a code text is not sent (a prefix's codes of the day are used)")
            tomorrow = now.astimezone(BERLIN).date() + timedelta(days=1)
            return datetime.combine(tomorrow, datetime.min.time(), BERLIN)
        taken = _NEW_TAKEN.get()
        if taken is not None:
            taken.append(number)
        return None

    async def _new_back(self, number: str, now: datetime) -> None:
        """A code text taken from the new numbers' share was not sent after all."""
        await self.contacts.code_text_back(hour_of(now) + NEW_CODES)
        if self.limits.new_numbers_prefix:
            await self.contacts.day_count_back(local_day(now), PREFIX_CODES + prefix_of(number))

    async def _tell_codes_out(
        self, hour: str, level: int, until: datetime, *, new: bool = False
    ) -> None:
        """Report, once an hour for each share of the code texts that ran out (claimed in
        the city's own ``sms_code_texts``, on the row ``hour``), for the coordinators."""
        if not await self.texts.claim_code_texts_out(hour, level):
            return
        limits = self.limits
        share: CodeShare = "new" if new else "open" if level == OPEN_USED else "all"
        count = {
            "new": limits.codes_new,
            "open": limits.codes_hour - limits.codes_kept,
            "all": limits.codes_hour,
        }[share]
        await self.report(CodeTextsUsed(PLATFORM, share, count, until, limits.codes_kept))

    async def code_limits(self) -> CodeLimits:
        """The limits on codes that stop someone now (the desk shows them while they hold):
        the hour's code texts and their shares, the city's wrong codes of the hour, and the
        people whose numbers had their codes of the day."""
        limits = self.limits
        now = self.clock()
        hour = hour_of(now)
        sent = await self.contacts.code_texts_sent(hour) if limits.codes_hour else 0
        new = await self.contacts.code_texts_sent(hour + NEW_CODES) if limits.codes_hour else 0
        people = await self._people(await self.texts.out_of_codes(local_day(now)))
        # A right code is stamped at the moment it came (store.py ``check_code``).
        checked_since = to_text(datetime.now(UTC) - PASSING)
        held = await self._people(await self.texts.held_numbers(hour, checked_since))
        return CodeLimits(
            until=hour_end(now),
            new_used=bool(limits.codes_hour) and new >= limits.codes_new,
            open_used=bool(limits.codes_hour) and sent >= limits.codes_hour - limits.codes_kept,
            all_used=bool(limits.codes_hour) and sent >= limits.codes_hour,
            wrong=await self.texts.wrong_codes(hour),
            out_of_codes=people,
            held=held,
        )

    async def _people(self, numbers: Iterable[str]) -> tuple[User, ...]:
        """The people of ``numbers`` (a number nobody has left out)."""
        people = []
        for number in numbers:
            person = await self.db.users.find(PLATFORM, number)
            if person is not None:
                people.append(person)
        return tuple(people)

    async def running(self, number: str) -> bool:
        """Whether help is under way for ``number``'s person (``HandlerSettings.code_texts``:
        the features ask it before they check a code)."""
        return await self.helping(PLATFORM, number)

    async def code_back(self) -> None:
        """A code text taken (:meth:`take_code`) was not sent after all: the number had its
        codes of the day."""
        coded = _CODED.get()
        if coded:
            coded.pop()
        if not self.limits.codes_hour:
            return  # nothing was counted
        taken = _TAKEN_APART.get()
        # The newest taken, given back now (not again by codes_with), in its own hour.
        hour = taken.pop()[0] if taken and self.apart else hour_of(self.clock())
        await self.contacts.code_text_back(hour)
        new = _NEW_TAKEN.get()
        if new:  # that one was a new number's: its share and its prefix's too
            await self._new_back(new.pop(), self.clock())

    async def state(self) -> State:
        now = self.clock()
        month = month_of(now)
        answered, refused = await self.contacts.first_contacts(local_day(now))
        return State(
            month,
            await self.store.spent(month),
            self.monthly,
            self.reserve,
            answered,
            refused,
            self.limits.new_numbers_day,
        )


# How far the day's first contacts ran out (:meth:`Budget.first_contact`): those for numbers
# from elsewhere, and all of them (the kept share too, or there is none). The hour's code
# texts, likewise (:meth:`Budget.take_code`), and on the new numbers' own row, their share.
OPEN_USED, ALL_USED = 1, 2
NEW_USED = 1
