"""A token bucket: ``burst`` at once, then ``per_second`` - the one rate limit of the
process (the web's share of the speech engine, bot/speech/turns.py; each web client's
requests, bot/web/addresses.py). Counted on a clock that can be any function, so tests
hold it still."""

from __future__ import annotations

import time
from collections.abc import Callable


class Bucket:
    def __init__(
        self, burst: float, per_second: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.burst = burst
        self.per_second = per_second
        self.clock = clock
        self._tokens = burst
        self._at = clock()

    def take(self) -> float:
        """0 when a token was taken; else the seconds until there is one (none taken)."""
        tokens = self._refilled()
        if tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - tokens) / self.per_second

    def full(self) -> bool:
        """Whether it has refilled to ``burst``: as good as a new one."""
        return self._refilled() >= self.burst

    def _refilled(self) -> float:
        now = self.clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.per_second)
        self._at = now
        return self._tokens
