"""The call-back policy: attempts, pauses, quiet hours across midnight (Europe/Berlin)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.transports.phone.calls.when_to_call_again import BERLIN, Policy, parse_quiet_hours

POLICY = Policy(attempts=3, pause=timedelta(minutes=30), quiet=(time(21), time(8)))


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)


def test_quiet_hours_across_midnight():
    assert POLICY.is_quiet(berlin(24, 21))
    assert POLICY.is_quiet(berlin(24, 23, 59))
    assert POLICY.is_quiet(berlin(25, 0, 30))
    assert POLICY.is_quiet(berlin(25, 7, 59))
    assert not POLICY.is_quiet(berlin(25, 8))
    assert not POLICY.is_quiet(berlin(24, 20, 59))
    # in UTC too: 20:30 UTC is 21:30 in Berlin in November
    assert POLICY.is_quiet(datetime(2026, 11, 24, 20, 30, tzinfo=UTC))


def test_quiet_hours_within_a_day():
    lunch = Policy(quiet=(time(12), time(14)))
    assert lunch.is_quiet(berlin(24, 13))
    assert not lunch.is_quiet(berlin(24, 14))
    assert not lunch.is_quiet(berlin(24, 23))
    assert lunch.outside_quiet(berlin(24, 12, 30)) == berlin(24, 14)


def test_a_try_in_the_quiet_hours_waits_until_they_end():
    assert POLICY.next_try(berlin(24, 22), 0, None) == berlin(25, 8)
    assert POLICY.next_try(berlin(25, 3), 0, None) == berlin(25, 8)
    # the pause after a call at 20:45 ends at 21:15, in the quiet hours: next morning
    assert POLICY.next_try(berlin(24, 20, 50), 1, berlin(24, 20, 45)) == berlin(25, 8)


def test_attempts_and_pauses_then_give_up():
    now = berlin(24, 10)
    assert POLICY.next_try(now, 0, None) == now
    assert POLICY.next_try(now, 1, now) == now + timedelta(minutes=30)
    later = now + timedelta(hours=2)
    assert POLICY.next_try(later, 2, now) == later
    assert POLICY.next_try(later, 3, now) is None


def test_no_quiet_hours():
    assert parse_quiet_hours("") is None
    always = Policy(quiet=None)
    assert not always.is_quiet(berlin(24, 3))
    assert always.next_try(berlin(24, 3), 0, None) == berlin(24, 3)


def test_parse_quiet_hours():
    assert parse_quiet_hours("21:00-08:00") == (time(21), time(8))
    assert parse_quiet_hours(" 22:30 - 07:15 ") == (time(22, 30), time(7, 15))
    for bad in ("21:00", "25:00-08:00", "08:00-08:00", "abends"):
        with pytest.raises(ValueError):
            parse_quiet_hours(bad)
