"""The review queue's hints kept between page loads (issue 83): who could take each request
of a page, as counts, remembered while nothing they are worked out from changed.

A page's hints search ten thousand volunteers and their offers (``ranking.candidates_of_page``,
a few hundred milliseconds on a small server), and a coordinator reloading the queue after
each decision - or two coordinators looking at it - would pay that for the same answer. A
kept page serves while all of these hold, else it is searched again:

- nothing the search reads was written to the city's database since it was searched
  (``Database.matching_version``: the database's own count of the writes to the tables and
  columns the matching reads, db/matching_changes.py - by the web's process or the bot's
  beside it; a volunteer registered, paused, erased or offered something, a request taken).
  Other writes keep the page: the bot's process writes on every update (a person seen,
  the outbox), and a page searched again after each of them was searched at almost every
  load of a busy day;
- the clock is before ``ranking.unchanged_until`` of the search (the first offer or help
  the caps and estimates count leaves its window; the next quarter hour, since the rules
  read the clock by the hour) and not before the search;
- the same searches (the same requests in the same order, the evening's flags of this
  minute: ``review_queue._search``) and the same settings.

PostgreSQL counts no writes yet (db/matching_changes.py): nothing is kept there, every page
is searched. Kept per database (a city's coordinators see their own city's alone), at most
``KEPT`` pages each: the counts and the page's searches (its requests as the page showed
them, compared whole, so that a request read before a write never meets a count worked out
after it) - no volunteer. The next load after a write they come from drops them, and an
erasure at once (``DataRights.in_memory``): nothing of an erased requester stays in memory.

No button data and no conversation states here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from weakref import WeakKeyDictionary, WeakSet, ref

from db import Database
from handlers.helping import ranking
from handlers.settings import HandlerSettings

# Pages kept per database: the first few pages of the queue, as coordinators see them.
KEPT = 8


@dataclass(frozen=True)
class Found:
    """Who could take a request, as its hint says it: how many, and whether any of them
    shares a language with the requester."""

    count: int
    shares_language: bool


@dataclass(frozen=True)
class _Kept:
    version: tuple[int, ...]
    settings: HandlerSettings
    searches: list[ranking.Search]
    searched_at: datetime
    until: datetime
    found: list[Found]


_KEPT: WeakKeyDictionary[Database, list[_Kept]] = WeakKeyDictionary()
# The databases whose erasures drop their kept pages (told once each).
_TOLD: WeakSet[Database] = WeakSet()
# Erasures in each database so far: a page searched while one ran holds the requests it was
# given, perhaps the erased person's, and is not kept (the drop would have missed it).
_ERASURES: WeakKeyDictionary[Database, int] = WeakKeyDictionary()


def _drop_on_erasure(db: Database) -> None:
    """Have an erasure in ``db`` drop its kept pages (by a weak reference: the database
    holds the call, the call does not hold the database)."""
    if db in _TOLD:
        return
    kept_of = ref(db)

    def forget(_user_id: int) -> None:
        erased_in = kept_of()
        if erased_in is not None:
            _KEPT.pop(erased_in, None)
            _ERASURES[erased_in] = _ERASURES.get(erased_in, 0) + 1

    db.data_rights.in_memory.append(forget)
    _TOLD.add(db)


def erasures(db: Database) -> int:
    """A mark to take before a page's requests are read, for :func:`found`: a page read
    before an erasure that ran since is not kept (it may hold the erased requester's)."""
    _drop_on_erasure(db)
    return _ERASURES.get(db, 0)


async def found(
    db: Database,
    settings: HandlerSettings,
    searches: list[ranking.Search],
    now: datetime,
    read_at: int | None = None,
) -> list[Found]:
    """:class:`Found` of each of a page's searches (``ranking.candidates_of_page``), kept
    while the module's docstring says it holds. ``read_at``: :func:`erasures` before the
    page's requests were read (None: now)."""
    mark = erasures(db) if read_at is None else read_at
    version = await db.matching_version()
    if version is not None:
        for kept in _KEPT.get(db, []):
            if (
                kept.version == version
                and kept.settings is settings
                and kept.searched_at <= now < kept.until
                and kept.searches == searches
            ):
                return kept.found
    # Asked before the search, like the version: a write or an offer leaving its window
    # meanwhile makes this page searched again, never kept stale.
    until = await ranking.unchanged_until(db, now) if version is not None else now
    candidates = await ranking.candidates_of_page(db, settings, searches, now)
    result = [Found(len(each), any(c.shares_language for c in each)) for each in candidates]
    if version is not None and _ERASURES.get(db, 0) == mark:
        pages = [kept for kept in _KEPT.get(db, []) if kept.version == version]
        _KEPT[db] = [*pages[-(KEPT - 1) :], _Kept(version, settings, searches, now, until, result)]
    return result
