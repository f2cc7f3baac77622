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

Who is told while a flood limit stops someone is :class:`FloodNotices`' to decide: the
coordinators hear of each person stopped, once an hour each, and of no more than
:data:`NOTICES_AN_HOUR` people an hour in all - a flood of new accounts must not flood
their group.
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
# How long the coordinators are not told again of the same person stopped by a flood limit.
NOTICE_WINDOW_SECONDS = 3600.0
# People stopped by a flood limit the coordinators are told of within that window, at most.
NOTICES_AN_HOUR = 5


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

    def oldest_leaves(self, sender: Sender) -> float:
        """Seconds until the oldest update of ``sender`` within the window leaves it (0:
        none counted)."""
        recent = self._recent.get(sender)
        if not recent:
            return 0.0
        return max(0.0, recent[0] + self._window - self._clock())

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


class FloodNotices:
    """Whether the coordinators are told now that a flood limit stopped a person (on the
    dispatcher's steady ``clock``): once per :data:`NOTICE_WINDOW_SECONDS` for each person,
    for no more than :data:`NOTICES_AN_HOUR` people within it (bounded as
    :class:`FloodCounts` is)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._people = FloodCounts(clock, window=NOTICE_WINDOW_SECONDS)
        self._all = FloodCounts(clock, window=NOTICE_WINDOW_SECONDS)

    def due(self, platform: str, user_id: str) -> int | None:
        """The notice's number within the window (1 .. :data:`NOTICES_AN_HOUR`, the last
        says that no more follow) if one is due for the person now, else None."""
        everyone: Sender = ("", "", False)
        if self._all.counted(everyone) >= NOTICES_AN_HOUR:
            return None
        if not self._people.first((platform, user_id, False)):
            return None
        return self._all.count(everyone)

    def quiet_for(self) -> float:
        """Seconds until another person may be named (the oldest notice of the window
        leaves it); 0 while there is room."""
        everyone: Sender = ("", "", False)
        if self._all.counted(everyone) < NOTICES_AN_HOUR:
            return 0.0
        return self._all.oldest_leaves(everyone)


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
