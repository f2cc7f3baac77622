"""The flood limits' memory is bounded: every new account is a new key, so senders who went
quiet are forgotten, and a flood of new accounts cannot grow it past its bound. While a limit
stops someone the coordinators are told, once an hour each and of a few people an hour in
all (a flood of accounts must not flood their group)."""

from __future__ import annotations

from dataclasses import replace

from handlers import flood_limits
from handlers.dispatcher import Dispatcher
from handlers.flood_limits import FloodCounts
from tests.support.memory_transport import MemoryTransport

GROUP = "coordinators"


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


def _flooding(dispatcher: Dispatcher, now: list[float]) -> MemoryTransport:
    """A chat whose backchannel is ``GROUP``, three messages and ten presses a minute
    allowed, on the clock ``now`` (held still: a slow machine cannot spread a burst)."""
    dispatcher.settings = replace(
        dispatcher.settings,
        max_messages_per_minute=3,
        max_presses_per_minute=10,
        backchannels=frozenset({("memory", GROUP)}),
    )
    dispatcher.clock = lambda: now[0]
    return MemoryTransport(dispatcher)


def _notices(chat: MemoryTransport) -> list[str]:
    return [str(item.text) for item in chat.inbox.get(GROUP, []) if "🐢" in str(item.text)]


async def test_the_coordinators_are_told_whom_a_flood_limit_stops(dispatcher: Dispatcher):
    now = [1000.0]
    chat = _flooding(dispatcher, now)
    for _ in range(6):
        await chat.text("ana", "my secret words")
    await chat.flush()
    (notice,) = _notices(chat)
    ana = await dispatcher.db.users.find("memory", "ana")
    assert ana is not None and "Ana" in notice and str(ana.id) in notice
    assert "secret" not in notice
    # Flooding again within the hour: the coordinators know already.
    now[0] += 120
    for _ in range(6):
        await chat.text("ana", "/help")
    await chat.flush()
    assert len(_notices(chat)) == 1
    # Presses past their own limit are told too, of someone else.
    for _ in range(12):
        await chat.press("ben", "menu:main")
    await chat.flush()
    assert len(_notices(chat)) == 2
    # An hour after Ana's, Ana's next flood is told again.
    now[0] += 3600
    for _ in range(5):
        await chat.text("ana", "/help")
    await chat.flush()
    assert len(_notices(chat)) == 3


async def test_a_flood_of_flooders_is_told_of_a_few_and_says_so(dispatcher: Dispatcher):
    now = [1000.0]
    chat = _flooding(dispatcher, now)
    people = [f"p{number}" for number in range(flood_limits.NOTICES_AN_HOUR + 3)]
    for person in people:
        for _ in range(5):
            await chat.text(person, "/help")
    await chat.flush()
    told = _notices(chat)
    assert len(told) == flood_limits.NOTICES_AN_HOUR
    # The last says that no more follow (a line more than the others), none before it.
    assert [len(text.splitlines()) for text in told] == [1] * (len(told) - 1) + [2]
    # Within the hour nobody else is named; after it, the next one is.
    now[0] += 1800
    for _ in range(5):
        await chat.text("late", "/help")
    await chat.flush()
    assert len(_notices(chat)) == flood_limits.NOTICES_AN_HOUR
    now[0] += 1801
    for _ in range(5):
        await chat.text("later", "/help")
    await chat.flush()
    assert len(_notices(chat)) == flood_limits.NOTICES_AN_HOUR + 1
