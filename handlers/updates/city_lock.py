"""Which updates go to the city's write lock at once (PostgreSQL, db/postgres.py "own rows").

An update is first handled in a transaction of its person's own rows, which waits for no
other person's update; one that comes to a write beyond them (a language chosen, a request
sent, an offer taken, a coordinator's decision) is rolled back and handled again under the
city's lock from its first statement - its handler runs twice, and its first run is lost
work. So each kind of update (:func:`kind_of`: a button's data, its numbers left out, or a
command's name) keeps the share of its updates that needed the lock lately - each outcome
weighs ``WEIGHT``, the kind's past the rest - and while more than ``AT_ONCE_ABOVE`` did, its
updates go to the city's lock at once. Those say whether they came to a write beyond own
rows (db/transactions.py ``BeyondOwnRows``), so a kind that needs the lock only now and then
(``/start``: a newcomer's, not a returning person's) or no more goes back to own rows, and
two in a row are needed before a kind goes to the lock at once.

Either way every rule still runs from its first read to its commit under the city's lock:
the forecast only saves the first run, it decides nothing. A text, a place or a voice
message has no kind here: what it does depends on the conversation's step, read in the
transaction itself. The forecast is this process's own (each process learns it), bounded
(``MOST_KINDS``, and a kind whose share falls below ``FORGET_BELOW`` is forgotten: a button's
data comes from outside), and SQLite never refuses a write, so that nothing goes to the lock
at once there.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

from db.transactions import BeyondOwnRows, CityLockNeeded, ForPerson
from handlers.messages import ButtonPress, Command

T = TypeVar("T")

# How much one update's outcome moves its kind's share of updates that needed the lock.
WEIGHT = 0.5
# A kind's updates go to the city's lock at once while more than this share needed it.
AT_ONCE_ABOVE = 0.5
# A kind whose share fell below this is forgotten (as one never seen: 0).
FORGET_BELOW = 0.05
# Kinds remembered at most; the one heard of longest ago is forgotten first.
MOST_KINDS = 256
# A kind's name at most (a button's data is at most 64 bytes on Telegram).
_LONGEST = 64
_NUMBERS = re.compile(r"\d+")


def kind_of(event: object) -> str | None:
    """What an update is, as far as its lock goes: "press lang:de", "press acc:#" (the
    request's number left out: one rule), "/start"; None for any other event."""
    if isinstance(event, ButtonPress):
        return "press " + _NUMBERS.sub("#", event.data)[:_LONGEST]
    if isinstance(event, Command):
        return "/" + event.name[:_LONGEST]
    return None


class CityLockForecast:
    """Each kind of update's share of updates that lately needed the city's lock."""

    def __init__(self, most: int = MOST_KINDS) -> None:
        self.most = most
        self._share: dict[str, float] = {}

    def expects(self, kind: str | None) -> bool:
        """Whether an update of ``kind`` goes to the city's lock at once."""
        return kind is not None and self._share.get(kind, 0.0) > AT_ONCE_ABOVE

    def learn(self, kind: str | None, needed: bool) -> None:
        """An update of ``kind`` came (``needed``) or did not come to a write beyond its
        person's own rows."""
        if kind is None:
            return
        share = self._share.pop(kind, 0.0) * (1 - WEIGHT) + (WEIGHT if needed else 0.0)
        if share < FORGET_BELOW:
            return
        if len(self._share) >= self.most:
            del self._share[next(iter(self._share))]
        self._share[kind] = share


async def under_the_lock_it_needs(
    forecast: CityLockForecast,
    event: object,
    person: str,
    attempt: Callable[[ForPerson], Awaitable[T]],
) -> T:
    """``attempt`` in a transaction of ``person``'s own rows, and again under the city's
    lock when it is refused there; at once under the city's lock when its kind needed it
    lately. Both hold the person's lock: one person's updates, from any chat and process,
    one at a time."""
    kind = kind_of(event)
    at_once = forecast.expects(kind)
    if not at_once:
        try:
            done = await attempt(ForPerson(person, own_rows=True))
        except CityLockNeeded:
            forecast.learn(kind, needed=True)
        else:
            forecast.learn(kind, needed=False)
            return done
    # Outside the except block: a failure of the second attempt is its own, not one raised
    # while handling the refusal (db/transactions.py refused_on_the_way).
    beyond = BeyondOwnRows()
    done = await attempt(ForPerson(person, beyond=beyond))
    if at_once:
        forecast.learn(kind, needed=beyond.seen)
    return done
