"""The running event loop's clock, held still and moved on by the test (``LoopClock``), for
code that counts time by the loop itself - ``asyncio.sleep``, ``asyncio.timeout``,
``loop.call_at`` - such as the outbox send's lease and its renewal (bot/delivery.py).

While it is installed the loop's time stands still however slow the machine is, and a
timer falls due only when the test moves the clock past it: a test then judges what the
code does at a moment, not whether a busy machine got there in time. What still waits by
the real clock (the database, another process) is waited for with ``real_pause`` and
``within``, which use no timer of the loop's."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable
from typing import Any, TypeVar

T = TypeVar("T")


class LoopClock:
    """Installed on the running loop by ``with LoopClock() as clock``; ``advance(seconds)``
    moves it on (the timers now due run at the loop's next turn)."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.now = self.loop.time()
        self.advanced = 0.0

    def __enter__(self) -> LoopClock:
        self.loop.time = self._time  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: Any) -> None:
        del self.loop.time

    def _time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.advanced += seconds


async def real_pause(seconds: float) -> None:
    """A pause by the real clock, whatever the loop's clock does (a poll's interval)."""
    await asyncio.get_running_loop().run_in_executor(None, time.sleep, seconds)


async def within(awaitable: Awaitable[T], seconds: float) -> T:
    """``awaitable``'s result, or AssertionError once ``seconds`` of real time passed
    without it (a sanity bound for a test whose loop clock stands still)."""
    task = asyncio.ensure_future(awaitable)
    over = threading.Event()
    timer = asyncio.get_running_loop().run_in_executor(None, over.wait, seconds)
    either: set[asyncio.Future[Any]] = {task, timer}
    try:
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    finally:
        over.set()
    await timer
    if not task.done():
        task.cancel()
        raise AssertionError(f"not done within {seconds} s")
    return task.result()
