"""A clock a test sets and moves on (``Clock``), for code that takes its clock as an
argument (the outbox worker, the call-backs, the SMS budget, flood limits); and
``daytime(hour)``, a start for it at an hour of the day after the real time (and
``daytime_in_one_month``, one whose month does not turn over a test's days)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.transports.phone.calls.when_to_call_again import BERLIN


class Clock:
    """The test's clock: called, it gives ``now``, which the test sets or moves on with
    ``pass_(minutes=31)`` (``timedelta``'s arguments) - pauses and windows are passed, never
    waited.

    ``Clock(start)`` starts at ``start``: a datetime, or seconds for code that counts on a
    monotonic clock (``pass_`` then moves it by as many seconds). ``Clock()`` starts at the
    real time (UTC) when it is first read: what a test queues is stamped with the real time
    (to the second), so a clock set before it was queued - a second boundary in between, on
    a busy machine - would see nothing due, and a fixed start would one day lie before it."""

    def __init__(self, start: datetime | float | None = None) -> None:
        self._now = start

    @property
    def now(self) -> Any:  # a datetime, or seconds, as it started
        if self._now is None:
            self._now = datetime.now(UTC)
        return self._now

    @now.setter
    def now(self, value: datetime | float) -> None:
        self._now = value

    def __call__(self) -> Any:
        return self.now

    def pass_(self, **delta: float) -> None:
        moved = timedelta(**delta)
        now = self.now
        self.now = now + moved if isinstance(now, datetime) else now + moved.total_seconds()


def daytime(hour: int) -> datetime:
    """The first ``hour``:00 (Berlin) at least two hours from now. The outbox stamps what a
    test queues with the real time and the worker sends only what is due by its clock, so
    a test's clock must be after the real time, whatever day the test runs; the hour keeps
    it in or out of the quiet hours."""
    soon = datetime.now(BERLIN) + timedelta(hours=2)
    at = soon.replace(hour=hour, minute=0, second=0, microsecond=0)
    return at if at >= soon else at + timedelta(days=1)


def daytime_in_one_month(hour: int, days: int) -> datetime:
    """``daytime(hour)``, or the first day after it at that hour, from which ``days`` days
    later is still the same month: a test that counts a month's calls or texts over days
    must not see the month turn - on a month's last days it would, and find the month's
    count begun again (fewer than 28 ``days``)."""
    at = daytime(hour)
    while (at + timedelta(days=days)).month != at.month:
        at += timedelta(days=1)
    return at
