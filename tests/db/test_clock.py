"""Timestamps as stored (db/clock.py): ``utcnow`` is the moment it is asked, to the second,
also when it is asked many times within one second and the next second comes."""

from __future__ import annotations

from datetime import UTC, datetime

from db import clock


def test_now_is_the_second_it_is_asked_in(monkeypatch) -> None:
    moments = iter([1_790_000_000.2, 1_790_000_000.9, 1_790_000_001.0, 1_790_003_661.5])
    monkeypatch.setattr(clock.time, "time", lambda: next(moments))
    said = [clock.utcnow() for _ in range(4)]
    assert said == [
        "2026-09-21T14:13:20Z",
        "2026-09-21T14:13:20Z",
        "2026-09-21T14:13:21Z",
        "2026-09-21T15:14:21Z",
    ]
    assert said[2] == clock.to_text(datetime.fromtimestamp(1_790_000_001, UTC))


def test_now_is_as_the_clock_says() -> None:
    before = clock.to_text(datetime.now(UTC))
    now = clock.utcnow()
    after = clock.to_text(datetime.now(UTC))
    assert before <= now <= after
