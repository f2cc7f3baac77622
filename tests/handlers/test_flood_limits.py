"""The flood limits' memory is bounded: every new account is a new key, so senders who went
quiet are forgotten, and a flood of new accounts cannot grow it past its bound."""

from __future__ import annotations

from dataclasses import replace

from handlers import flood_limits
from handlers.dispatcher import Dispatcher
from handlers.flood_limits import FloodCounts
from tests.support.memory_transport import MemoryTransport


def test_senders_quiet_for_a_minute_are_forgotten():
    now = [1000.0]
    counts = FloodCounts(lambda: now[0])
    for number in range(500):
        assert counts.count(("telegram", str(number), False)) == 1
    assert len(counts) == 500
    now[0] += 30
    assert counts.count(("telegram", "0", False)) == 2  # still within the minute
    now[0] += 31
    # 61 s after the 499 others were last heard of: only the one heard 31 s ago is left.
    counts.count(("matrix", "@new:localhost", False))
    assert len(counts) == 2
    assert counts.counted(("telegram", "1", False)) == 0


def test_first_is_true_once_within_the_window():
    now = [1000.0]
    counts = FloodCounts(lambda: now[0], window=3600.0)
    told = ("sms", "stranger stop", False)
    assert counts.first(told)
    now[0] += 3000
    assert not counts.first(told)  # within the hour: told already
    assert counts.counted(told) == 1  # and not counted again
    now[0] += 700
    assert counts.first(told)  # the hour since the first is over


def test_a_flood_of_new_accounts_is_bounded(monkeypatch):
    monkeypatch.setattr(flood_limits, "MOST_SENDERS", 1000)
    counts = FloodCounts(lambda: 1000.0)  # all within one minute
    for number in range(25_000):
        counts.count(("telegram", str(number), False))
    assert len(counts) == 1000
    # The most recent are the ones kept.
    assert counts.counted(("telegram", "24999", False)) == 1
    assert counts.counted(("telegram", "0", False)) == 0


async def test_the_dispatcher_forgets_senders_who_went_quiet(dispatcher: Dispatcher):
    dispatcher.settings = replace(dispatcher.settings, max_messages_per_minute=5)
    now = [1000.0]
    dispatcher.clock = lambda: now[0]
    chat = MemoryTransport(dispatcher)
    for name in ("ana", "ben", "cem"):
        assert await chat.text(name, "/help")
    assert len(dispatcher.floods) == 3
    now[0] += 61
    assert await chat.text("dora", "/help")
    assert len(dispatcher.floods) == 1
