"""A month's budget of something each use of which costs money (issue 65, point 4): the one
count for the text messages' segments (sms/budget.py) and the calls the bot places
(phone/dialling.py), each a meter of it with its own table and units. It counts and
reports; what a share reached means to the coordinators is the features' (issue 103,
point 3).

**The month.** ``monthly`` units for the installation, all its cities together; the month
is Europe/Berlin's. A use is taken from the month before it is made, with one conditional
UPDATE (:meth:`MonthCounts.spend`, as the translation budget): processes and cities taking
at once never spend past it. The month is counted in the main city's database
(:meth:`MonthBudget.count_in`, when a city is attached; a lone city counts in its own).

**The reserve.** The last ``reserve_percent`` of the month is kept for uses for a person
whose help is under way - the features say whose is (handlers/channels.py
``CallersPort.running``, the lifecycle's rule, asked through the city's ports for both
meters: :meth:`MonthBudget.helping`): the meter's owner says whether a use is one
(``helping``), asked only once the rest of the month is spent.

**The notices.** Each share the meter tells of (``shares``, in the order they are reached):
80 % used; the month used up but for its reserve (:data:`RESERVE_REACHED`, only with a
reserve); all used up (100) - is reported to each city's features once a month
(handlers/channels.py ``MonthShareReached``; the words: handlers/limits/month_budgets.py),
which tell its coordinators through its outbox. A use refused counts as reaching the share
it ran into. Each city claims its notices in its own database (``told`` keeps the highest
share told, claimed with one conditional UPDATE), so each is told once, when the city next
takes or is refused.

A meter is a :class:`Meter`: where it counts, its units and which shares it tells of.
States: per meter a table ``(month, <units>, told)`` (:class:`Ledger`). Button data: none.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from db import Database
from db.statements import changed, execute, fetch_one
from db.transactions import Transactions
from handlers.channels import RESERVE_SHARE, MonthShareReached, Report
from handlers.updates.ports import Callers, features_report
from locales import TIMEZONE

log = logging.getLogger(__name__)

# The shares of the month a meter may tell the coordinators of, in the order reached.
RESERVE_REACHED = RESERVE_SHARE  # used up but for the reserve (a share of its own, not 90 %)
THRESHOLDS = (80, RESERVE_REACHED, 100)

# Whether the use being taken is for a person whose help is under way.
Helping = Callable[[], Awaitable[bool]]
# Whether help is under way for the person of a number on a platform (the features' rule).
Running = Callable[[str, str], Awaitable[bool]]


def month_of(moment: datetime) -> str:
    """The budget's month of ``moment`` (Europe/Berlin), e.g. "2026-11"."""
    return moment.astimezone(TIMEZONE).strftime("%Y-%m")


@dataclass(frozen=True)
class Ledger:
    """Where a meter counts: its table (``month``, the units' column, ``told``)."""

    table: str
    units: str


@dataclass(frozen=True)
class Meter:
    """What is counted: where (``ledger``), its units (``what``: "segments", "calls", as
    the features word a share reached and the log names it; never who or what for) and the
    shares reported (``shares``, of :data:`THRESHOLDS`)."""

    ledger: Ledger
    what: Literal["segments", "calls"]
    shares: tuple[int, ...] = THRESHOLDS


class RunningHelp:
    """Whether a use is for a person whose help is under way: asked at most once, and only
    when it matters (the answer is kept for the rest of the use)."""

    def __init__(self, ask: Helping | None) -> None:
        self._ask = ask
        self.answer: bool | None = None

    async def __call__(self) -> bool:
        if self._ask is None:
            return False
        if self.answer is None:
            self.answer = await self._ask()
        return self.answer


class MonthCounts:
    """A meter's counts in one database: the units taken per month and the share told."""

    def __init__(self, transactions: Transactions, ledger: Ledger) -> None:
        self._tx = transactions
        self._ledger = ledger

    async def _month(self, month: str) -> None:
        await execute(
            self._tx,
            f"INSERT INTO {self._ledger.table} (month, {self._ledger.units}, told)"
            " VALUES (?, 0, 0) ON CONFLICT (month) DO NOTHING",
            (month,),
        )

    async def spend(self, month: str, amount: int, limit: int) -> bool:
        """Take ``amount`` of ``month`` if the month stays within ``limit``, else nothing."""
        table, units = self._ledger.table, self._ledger.units
        async with self._tx.transaction():
            await self._month(month)
            return (
                await changed(
                    self._tx,
                    f"UPDATE {table} SET {units} = {units} + ?"
                    f" WHERE month = ? AND {units} + ? <= ?",
                    (amount, month, amount, limit),
                )
                == 1
            )

    async def spent(self, month: str) -> int:
        row = await fetch_one(
            self._tx,
            f"SELECT {self._ledger.units} FROM {self._ledger.table} WHERE month = ?",
            (month,),
        )
        return int(row[0]) if row else 0

    async def claim_notice(self, month: str, share: int) -> bool:
        """Whether this caller tells the coordinators of ``share`` of ``month`` (the caller
        saw it reached): true once a month a share, and never for one below a share told."""
        async with self._tx.transaction():
            await self._month(month)
            return (
                await changed(
                    self._tx,
                    f"UPDATE {self._ledger.table} SET told = ? WHERE month = ? AND told < ?",
                    (share, month, share),
                )
                == 1
            )


class MonthBudget:
    """One meter: a month of ``monthly`` units, its reserve and its notices."""

    def __init__(
        self,
        db: Database,
        meter: Meter,
        monthly: int,
        reserve_percent: int,
        backchannels: Iterable[tuple[str, str]],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_queued: Callable[[], None] | None = None,
        report: Report | None = None,
        running: Running | None = None,
    ) -> None:
        self.db = db
        self.meter = meter
        # Where a share reached is reported (``report``) and whose help is under way
        # (``running``): the city's ports (its features), as the city wires them; made
        # alone, the features' on ``db`` with ``backchannels``.
        self._asked: tuple[Report | None, Running | None] = (report, running)
        # The month's counts: the installation's (count_in), else this city's alone.
        self.store = MonthCounts(db.transactions, meter.ledger)
        # The notices this city's coordinators were told of: always the city's own.
        self.notices = MonthCounts(db.transactions, meter.ledger)
        self.monthly = monthly
        self.reserve_percent = reserve_percent
        self.backchannels = list(backchannels)
        self.clock = clock
        self.on_queued = on_queued

    async def helping(self, platform: str, number: str) -> bool:
        """Whether help is under way for the person of ``number`` on ``platform`` (the
        lifecycle's rule): a use for them may spend the reserve."""
        running = self._asked[1] or Callers(self.db).running
        return await running(platform, number)

    @property
    def report(self) -> Report:
        """Where what its limits stop is reported: the features word it."""
        report = self._asked[0]
        if report is None:  # made alone: the features' on its database, made once
            report = features_report(self.db, self.backchannels, self.on_queued)
            self._asked = (report, self._asked[1])
        return report

    @property
    def reserve(self) -> int:
        """The units of the month only uses for a running help may spend."""
        return self.monthly * self.reserve_percent // 100

    def count_in(self, main: Database) -> None:
        """Count the month in ``main``, the main city's database: one budget for every city
        of the installation."""
        self.store = MonthCounts(main.transactions, self.meter.ledger)

    async def spent(self) -> int:
        """What this month has taken so far."""
        return await self.store.spent(month_of(self.clock()))

    async def spend(self, amount: int, helping: Helping | RunningHelp | None = None) -> bool:
        """Whether ``amount`` may be used now (then it is counted); ``helping`` says whether
        the use is for a running help, which may spend the reserve (asked only then). The
        city's coordinators are told of the shares reached (a use refused reaches one)."""
        running = helping if isinstance(helping, RunningHelp) else RunningHelp(helping)
        month, monthly, reserve = month_of(self.clock()), self.monthly, self.reserve
        taken = await self.store.spend(month, amount, monthly - reserve)
        from_reserve = False
        if not taken and reserve and await running():
            taken = from_reserve = await self.store.spend(month, amount, monthly)
        spent = await self.store.spent(month)
        # Refused for good: no reserve, or the reserve was open to this use and is spent.
        refused_all = not taken and (not reserve or running.answer is True)
        reached = {
            80: spent * 100 >= 80 * monthly,
            RESERVE_REACHED: bool(reserve)
            and (from_reserve or not taken or spent >= monthly - reserve),
            100: refused_all or spent >= monthly,
        }
        for share in self.meter.shares:
            if reached[share] and await self.notices.claim_notice(month, share):
                await self._tell(share)
        if not taken:
            log.warning(
                "%s: the month's %d %s are used up%s (%d taken)",
                self.meter.ledger.table,
                monthly,
                self.meter.what,
                "" if refused_all else " but for the reserve for running help",
                spent,
            )
        return taken

    async def _tell(self, share: int) -> None:
        await self.report(MonthShareReached(self.meter.what, share, self.monthly, self.reserve))
