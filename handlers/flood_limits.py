"""How many updates each sender sent within the last minute, for the flood limits.

Counted per sender and kind (button presses apart from everything else: filling in a form
takes many presses). Kept in memory - a restart forgets them, which is harmless - and
bounded, since every new account is a new key: the senders are kept in the order of their
latest update, and those whose latest is older than the window are swept out from the
front as updates come in (each update sweeps at most what went quiet since the one before
it); past :data:`MOST_SENDERS` the least recently active are dropped even so.

A feature's own limit within a longer window (calls per request an hour, check calls per
caller an hour) counts per city with :class:`CityCounts`: a city's senders and numbers are
its own, and so is its clock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import datetime
from weakref import WeakKeyDictionary

WINDOW_SECONDS = 60.0
# Far more senders than are active within a minute of a city's bot; a flood of new accounts
# beyond it forgets the quietest first.
MOST_SENDERS = 20_000

Sender = tuple[str, str, bool]  # platform, user id, whether a press


class FloodCounts:
    """``window``: how far back updates count, in seconds (a minute for the flood limits;
    longer for a limit of one kind of message, handlers/to_coordinators.py)."""

    def __init__(self, clock: Callable[[], float], window: float = WINDOW_SECONDS) -> None:
        self._clock = clock
        self._window = window
        self._recent: dict[Sender, deque[float]] = {}

    def count(self, sender: Sender) -> int:
        """Count one update of ``sender`` now; how many it sent within the window with it."""
        now = self._clock()
        recent = self._recent.pop(sender, None) or deque()
        while recent and now - recent[0] > self._window:
            recent.popleft()
        recent.append(now)
        self._recent[sender] = recent  # now the most recently active
        self._sweep(now)
        return len(recent)

    def counted(self, sender: Sender) -> int:
        """How many updates of ``sender`` were counted within the window (none are added)."""
        recent = self._recent.get(sender)
        now = self._clock()
        return sum(1 for at in recent if now - at <= self._window) if recent else 0

    def first(self, sender: Sender) -> bool:
        """Whether nothing of ``sender`` was counted within the window, counting one if so:
        once per window at most (a notice told while a limit lasts)."""
        if self.counted(sender):
            return False
        self.count(sender)
        return True

    def __len__(self) -> int:
        return len(self._recent)

    def _sweep(self, now: float) -> None:
        while self._recent:
            quietest = next(iter(self._recent))
            if (
                now - self._recent[quietest][-1] <= self._window
                and len(self._recent) <= MOST_SENDERS
            ):
                return
            del self._recent[quietest]


class _City:
    def __init__(self, clock: Callable[[], datetime], window: float) -> None:
        self.clock = clock
        self.counts = FloodCounts(lambda: self.clock().timestamp(), window=window)


class CityCounts:
    """One :class:`FloodCounts` per city, keyed by an object of the city's own (its
    database), on the clock it was last asked with (a city's clock is its settings', which
    may be replaced while it runs). A city that is gone takes its counts with it."""

    def __init__(self, window: float) -> None:
        self._window = window
        self._cities: WeakKeyDictionary[object, _City] = WeakKeyDictionary()

    def of(self, city: object, clock: Callable[[], datetime]) -> FloodCounts:
        held = self._cities.get(city)
        if held is None:
            held = self._cities[city] = _City(clock, self._window)
        held.clock = clock
        return held.counts
