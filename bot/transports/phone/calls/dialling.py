"""Whether the bot places a call now: asked before every call it makes - a call-back
(outbox_calls.py) and each leg of a bridged call (bridging.py).

A call is placed only

- to a number the bot may dial (locales/phone_numbers.py: fixed and mobile numbers of
  ``[phone] call_countries``; never premium, shared-cost, personal, satellite ... - a
  caller ID says nothing about what a number costs, and may be forged);
- for a call-back, while the number had fewer than ``[phone] calls_per_number_day``
  call-backs today (Europe/Berlin); a call-back past it waits for the next day; only calls
  placed count (one the month refuses is taken back);
- while the month's calls (``[phone] monthly_calls``, the installation's, all its cities
  together, counted in the main city's database: :meth:`Dialling.count_in`) have room. The
  last ``call_reserve_percent`` of the month are kept for people in a running help
  (handlers/helping/lifecycle.py ``running_help``; a bridged call always is one): others
  are not called once the rest is spent. The month is a meter of the month's budget
  (bot/transports/month_budget.py), as the text messages' segments are.

``python -m bot doctor`` shows how many of the month's calls are used (:func:`check`).
The calls that check who asked (check_calls.py) are not counted here: they come from a
daily pool of their own (:class:`CheckSettings`), so the month stays for the messages.
Each city's coordinators are told once a month when 80 % and when all of the month's calls
are spent (reported, ``MonthShareReached``: handlers/limits/month_budgets.py words it, as
the SMS budget's of texts). What is not
called for the month or because the number may not be dialled is given up by its caller
(outbox_calls.py tells the coordinators about the person; bridging.py tells the helper).

Button data: none. States: the counts, in the database (the month: table ``call_budget``;
a number's day: calls_per_number_day.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from bot.transports.hooks import Check
from bot.transports.month_budget import (
    Ledger,
    Meter,
    MonthBudget,
    MonthCounts,
    Running,
    month_of,
)
from bot.transports.phone.calls.calls_per_number_day import CallDays
from db import Database
from db.clock import local_day
from handlers.channels import Report
from locales.phone_numbers import COUNTRIES, dialable

# Where the month's calls are counted (db/migrations/0032_call_budget.sql).
CALLS = Ledger("call_budget", "calls")
# The shares of the month the coordinators are told of, once each (not the reserve's).
THRESHOLDS = (80, 100)
# Why a call is not placed: the number may not be dialled, it had its call-backs today,
# the month's calls (or all but the reserve) are spent.
Refusal = Literal["not dialable", "number's day", "month"]


@dataclass(frozen=True)
class DialSettings:
    """``[phone] call_countries``, ``calls_per_number_day``, ``monthly_calls``,
    ``call_reserve_percent``."""

    countries: tuple[str, ...] = COUNTRIES
    per_number_day: int = 6
    monthly: int = 1000
    reserve_percent: int = 20


@dataclass(frozen=True)
class CheckSettings:
    """The check calls' own pool (check_calls.py): ``[phone] check_calls_per_day``,
    ``check_calls_per_hour``, ``checks_per_caller_hour``, ``check_calls_reserve_percent``."""

    per_day: int = 20
    per_hour: int = 6
    per_caller_hour: int = 3
    reserve_percent: int = 50

    def newcomers(self, cap: int) -> int:
        """Of ``cap`` (the pool's day or hour), what checks of numbers whose person has
        nothing to protect may spend: the rest is the reserve (rounded up, so a reserve
        of any share keeps at least one)."""
        reserve = -(-cap * self.reserve_percent // 100)
        return cap - reserve


async def check(phone: Any, db: Database) -> Check:
    """``doctor``'s line for the month's calls of the ``[phone]`` section ``phone``."""
    monthly = phone.monthly_calls
    spent = await MonthCounts(db.transactions, CALLS).spent(month_of(datetime.now(UTC)))
    status = "FAIL" if spent >= monthly else "WARN" if spent * 100 >= 80 * monthly else "ok"
    return ("phone calls", status, f"{spent} of {monthly} calls used this month")


class Dialling(MonthBudget):
    """The month's calls (a :class:`MonthBudget`), and which calls are placed at all."""

    def __init__(
        self,
        db: Database,
        settings: DialSettings,
        backchannels: Iterable[tuple[str, str]] = (),
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_queued: Callable[[], None] | None = None,
        report: Report | None = None,
        running: Running | None = None,
    ) -> None:
        meter = Meter(CALLS, "calls", THRESHOLDS)
        super().__init__(
            db,
            meter,
            settings.monthly,
            settings.reserve_percent,
            backchannels,
            clock=clock,
            on_queued=on_queued,
            report=report,
            running=running,
        )
        self.settings = settings
        # The call-backs of each number today: the city's own, as its numbers are.
        self.days = CallDays(db.transactions)

    def may_dial(self, number: str) -> bool:
        return dialable(number, self.settings.countries)

    async def admit(self, number: str, *, running_help: bool, call_back: bool) -> Refusal | None:
        """Whether a call to ``number`` is placed now (then it is counted), else why not."""
        if not self.may_dial(number):
            return "not dialable"
        day = local_day(self.clock())
        if call_back and not await self.days.count_call(day, number, self.settings.per_number_day):
            return "number's day"

        async def helping() -> bool:
            return running_help

        if not await self.spend(1, helping):
            if call_back:  # a number's day counts only calls placed
                await self.days.uncount_call(day, number)
            return "month"
        return None
