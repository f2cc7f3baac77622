"""The handler mix's pass ends when its updates were handled, not when as many messages were
sent (bench/telegram_bench.py ``drain``): nachbarbot answers some updates with two messages,
so counting messages alone ended a pass before its last updates and read its rate high."""

from __future__ import annotations

import pytest

# bench/run_all.py puts bench/ on the path its scripts import from, as make bench does.
from bench.run_all import telegram_bench


class _Sent:
    def __init__(self, messages: int) -> None:
        self.counts = {"sendMessage": messages}


async def test_a_pass_waits_for_its_updates_handled_not_only_for_as_many_messages():
    handled = iter([7, 8, 9, 10])
    asked = []

    def so_far() -> int:
        asked.append(1)
        return next(handled)

    # 12 messages sent for 10 updates: the pass ends only when the tenth was handled.
    await telegram_bench.drain(_Sent(12), 10, handled=so_far)  # type: ignore[arg-type]
    assert len(asked) == 4


async def test_a_pass_whose_updates_are_not_all_handled_does_not_end():
    with pytest.raises(TimeoutError):
        await telegram_bench.drain(_Sent(12), 10, timeout=0.2, handled=lambda: 9)  # type: ignore[arg-type]


async def test_without_a_count_of_handled_updates_the_messages_end_it():
    # The echo bot answers each update with one message: its messages are its updates.
    assert await telegram_bench.drain(_Sent(10), 10) >= 0  # type: ignore[arg-type]
