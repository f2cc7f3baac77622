"""The review queue's hints kept between page loads (issue 83): who could take each request
of a page, as counts, and what they are worked out from, kept and brought up to date after
the writes they read instead of searched again whole.

A page's hints search ten thousand volunteers and their offers (``ranking.candidates_of_page``,
a few hundred milliseconds on a small server: who offers each kind, who of them is within
reach, the ranking), and a coordinator reloading the queue after each decision - or after
each offer the bot sends meanwhile - would pay that again and again. Kept per database (a
city's coordinators see their own city's alone):

- who offers each kind of help (``ranking.Offering``), each request's search's volunteers
  within reach (``ranking.reach``, before those who handed it back are left out) and the
  tables of offers and answers of those volunteers (``ranking.Tables``), and each search's
  counts (:class:`Found`), for at most ``KEPT`` searches (the first pages of the queue)
  and ``KEPT_PAIRS`` volunteers within reach of them in all;
- after a write the matching reads (``Database.matching_version``: the database's own count,
  db/matching_changes.py - by the web's process or the bot's beside it), only what it was
  about is worked out again (``Database.matching_touched``, migration 0050: the volunteers
  each write was about): those volunteers are read again (their profile, ban, chat, open
  requests, offers and answers), each search's reach is mended for them alone, the counts
  of the searches they are or were within reach of are ranked again - and all searches'
  when the city's rate (``ranking.city_rate``) moved, or a request's handed-back changed.
  A volunteer paused costs reading one volunteer, an offer one volunteer's tables and the
  ranking of a page, not the search of ten thousand. Other writes change nothing kept (a
  person seen, the outbox, a request's texts, a volunteer's note of when they are free -
  migration 0052);
- everything is read again when more writes were missed than the database keeps a note of,
  the settings are others, or the clock is not between the first reading and
  ``ranking.unchanged_until`` (the first offer or help the caps and estimates count leaves
  its window; the next quarter hour, since the rules read the clock by the hour);
- a search is the same while its request (compared whole: a request read before a write
  never meets a count worked out after it) and the evening's flags are.

The test beside it (tests/handlers/helping/test_hint_cache.py) compares what is kept with a
fresh search after each kind of write. PostgreSQL counts no writes yet: nothing is kept
there, every page is searched. An erasure drops everything kept at once
(``DataRights.in_memory``): nothing of an erased person stays in memory.

No button data and no conversation states here.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import datetime
from weakref import WeakKeyDictionary, WeakSet, ref

from db import Database
from handlers.helping.matching import awake, ranking
from handlers.settings import HandlerSettings

# Searches kept per database: the first pages of the queue (20 requests a page), as
# coordinators see them; the least recently shown go first.
KEPT = 160
# And at most this many (search, volunteer within reach) pairs a database, about 200 bytes
# each (~40 MB): where every one of 10,000 volunteers reaches every request, 160 searches
# would keep 1.6 million (~340 MB) - the least recently shown go first here too.
KEPT_PAIRS = 200_000


@dataclass(frozen=True)
class Found:
    """Who could take a request, as its hint says it: how many, whether any of them
    shares a language with the requester, and how many of them are in their quiet hours
    and when the first of those wakes (handlers/helping/matching/awake.py)."""

    count: int
    shares_language: bool
    asleep: int = 0
    wakes: datetime | None = None


@dataclass
class _Hint:
    """One search kept: its volunteers within reach by user id (those who handed the request
    back not left out), the handed-back and the version they were checked at, its counts
    (None: to be ranked again)."""

    search: ranking.Search
    reach: dict[int, ranking.Reachable] | None = None
    handed_back: set[int] | None = None
    checked: tuple[int, ...] | None = None
    found: Found | None = None


@dataclass
class _Index:
    """What a database's searches are worked out from, as of ``version`` and ``mark``
    (Database.matching_touched), valid from ``searched_at`` until ``until``."""

    settings: HandlerSettings
    version: tuple[int, ...]
    mark: int
    searched_at: datetime
    until: datetime
    tables: ranking.Tables
    pool: ranking.Offering = field(default_factory=dict)
    # Whose tables are in ``tables``.
    tabled: set[int] = field(default_factory=set)
    # By search (:func:`_key`), the least recently shown first.
    hints: dict[tuple[int, int, bool, bool, bool], _Hint] = field(default_factory=dict)


_KEPT: WeakKeyDictionary[Database, _Index] = WeakKeyDictionary()
# One page's hints worked out at a time a database: two would mend the same kept index.
_LOCKS: WeakKeyDictionary[Database, asyncio.Lock] = WeakKeyDictionary()
# The databases whose erasures drop what is kept (told once each).
_TOLD: WeakSet[Database] = WeakSet()
# Erasures in each database so far: a page searched while one ran holds the requests it was
# given, perhaps the erased person's, and is not kept (the drop would have missed it).
_ERASURES: WeakKeyDictionary[Database, int] = WeakKeyDictionary()


def _drop_on_erasure(db: Database) -> None:
    """Have an erasure in ``db`` drop what is kept (by a weak reference: the database holds
    the call, the call does not hold the database)."""
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


def _counted(candidates: list[ranking.Candidate], now: datetime) -> Found:
    """The counts of a search's candidates; quiet hours change on the hour, so they hold
    while the index does (``ranking.unchanged_until``: the next quarter hour at most)."""
    sleeping, wakes = awake.asleep((c.volunteer for c in candidates), now)
    return Found(len(candidates), any(c.shares_language for c in candidates), sleeping, wakes)


async def found(
    db: Database,
    settings: HandlerSettings,
    searches: list[ranking.Search],
    now: datetime,
    read_at: int | None = None,
) -> list[Found]:
    """:class:`Found` of each of a page's searches (``ranking.candidates_of_page``), from
    what is kept as the module's docstring says. ``read_at``: :func:`erasures` before the
    page's requests were read (None: now)."""
    mark = erasures(db) if read_at is None else read_at
    lock = _LOCKS.setdefault(db, asyncio.Lock())
    async with lock:
        version = await db.matching_version()
        if version is None:
            pages = await ranking.candidates_of_page(db, settings, searches, now)
            return [_counted(each, now) for each in pages]
        index = await _current(db, settings, version, now)
        result = await _found(db, index, searches, now)
        if _ERASURES.get(db, 0) != mark:
            _KEPT.pop(db, None)
        elif _KEPT.get(db) is not index:
            _KEPT[db] = index
            _expire(db, index, now)
        return result


def _expire(db: Database, index: _Index, now: datetime) -> None:
    """Drop ``index`` when it ends (``until``, at most the next quarter hour), if nothing
    else did: what it holds of volunteers (their profiles) does not stay in memory while no
    page is loaded - an erasure in another process reaches it only at the next load (weak
    references: the timer keeps neither alive)."""
    kept_in, kept = ref(db), ref(index)

    def drop() -> None:
        erased_in = kept_in()
        if erased_in is not None and kept() is not None and _KEPT.get(erased_in) is kept():
            del _KEPT[erased_in]

    delay = (index.until - now).total_seconds()
    asyncio.get_running_loop().call_later(max(delay, 0.0), drop)


async def _current(
    db: Database, settings: HandlerSettings, version: tuple[int, ...], now: datetime
) -> _Index:
    """The kept index brought up to ``version`` (read before: a write meanwhile is worked
    in at the next load), or a new one."""
    index = _KEPT.get(db)
    if (
        index is None
        or index.settings is not settings
        or not index.searched_at <= now < index.until
    ):
        return await _new(db, settings, version, now)
    if index.version == version:
        return index
    mark, touched = await db.matching_touched(index.mark)
    if touched is None:
        return await _new(db, settings, version, now)
    await _mend(db, index, touched, now)
    index.version, index.mark = version, mark
    index.until = min(index.until, await ranking.unchanged_until(db, now))
    return index


async def _new(
    db: Database, settings: HandlerSettings, version: tuple[int, ...], now: datetime
) -> _Index:
    """An index with nothing kept yet, as of ``version``: its mark and its clock taken
    before anything is read for it."""
    mark, _ = await db.matching_touched(None)
    until = await ranking.unchanged_until(db, now)
    tables = await ranking.read_tables(db, now, ())
    return _Index(settings, version, mark, now, until, tables)


async def _mend(db: Database, index: _Index, touched: set[int], now: datetime) -> None:
    """Work the writes about ``touched`` volunteers into ``index``: who offers each kind,
    each search's reach and the tables, read again for them alone; the searches they are
    or were within reach of ranked again, and all when the city's rate moved."""
    settings = index.settings
    fresh = await ranking.read_offering(db, settings, list(index.pool), touched) if touched else {}
    for key, offering in index.pool.items():
        index.pool[key] = [v for v in offering if v.user_id not in touched] + fresh.get(key, [])
    for hint in index.hints.values():
        if hint.reach is None or not touched:
            continue
        gone = touched & hint.reach.keys()
        for user_id in gone:
            del hint.reach[user_id]
        near = await ranking.reach(db, settings, hint.search, now, fresh)
        hint.reach.update((each.volunteer.user_id, each) for each in near)
        if gone or near:
            hint.found = None
    ids = touched & index.tabled
    tables = await ranking.read_tables(db, now, ids)
    _merge(index, ids, tables)
    if tables.rate != index.tables.rate:
        index.tables = replace(index.tables, rate=tables.rate)
        for hint in index.hints.values():
            hint.found = None


def _merge(index: _Index, ids: set[int], tables: ranking.Tables) -> None:
    """``tables`` (of ``ids``) in place of what ``index`` held of them."""
    kept = index.tables
    for user_id in ids:
        kept.day.pop(user_id, None)
        kept.week.pop(user_id, None)
        kept.helped.discard(user_id)
        kept.answers.pop(user_id, None)
    kept.day.update(tables.day)
    kept.week.update(tables.week)
    kept.helped.update(tables.helped)
    kept.answers.update(tables.answers)
    index.tabled |= ids


def _key(search: ranking.Search) -> tuple[int, int, bool, bool, bool]:
    return (
        search.request.id,
        search.reach,
        search.talk,
        search.evening,
        search.evening_only,
    )


async def _found(
    db: Database, index: _Index, searches: list[ranking.Search], now: datetime
) -> list[Found]:
    """The page's counts: new searches' reach, handed-back checked at this version, the
    tables of volunteers not read yet, and those not ranked since ranked."""
    hints = [_hint(index, search) for search in searches]
    settings = index.settings
    new = [hint for hint in hints if hint.reach is None]
    missing = {key for hint in new for key in ranking.offering_keys(hint.search)} - set(index.pool)
    if missing:
        index.pool.update(await ranking.read_offering(db, settings, missing))
    for hint in new:
        near = await ranking.reach(db, settings, hint.search, now, index.pool)
        hint.reach = {each.volunteer.user_id: each for each in near}
    await _check_handed_back(db, index, hints)
    due = [hint for hint in hints if hint.found is None]
    unread = {user_id for hint in due for user_id in hint.reach or {}} - index.tabled
    if unread:
        _merge(index, unread, await ranking.read_tables(db, now, unread))
    for hint in due:
        assert hint.reach is not None and hint.handed_back is not None
        reachable = [
            near for user_id, near in hint.reach.items() if user_id not in hint.handed_back
        ]
        hint.found = _counted(ranking.best(settings, hint.search, reachable, index.tables), now)
    _trim(index)
    return [hint.found for hint in hints if hint.found is not None]


def _trim(index: _Index) -> None:
    """Drop the least recently shown searches while more than ``KEPT_PAIRS`` volunteers
    within reach are kept in all (the page just worked out last, so it stays if it can)."""
    pairs = sum(len(hint.reach or ()) for hint in index.hints.values())
    while pairs > KEPT_PAIRS and index.hints:
        pairs -= len(index.hints.pop(next(iter(index.hints))).reach or ())


def _hint(index: _Index, search: ranking.Search) -> _Hint:
    """The search's kept hint (a new one if none, or one for the request as it was), now the
    most recently shown; the least recently shown beyond ``KEPT`` dropped."""
    key = _key(search)
    hint = index.hints.pop(key, None)
    if hint is None or hint.search != search:
        hint = _Hint(search)
    index.hints[key] = hint
    while len(index.hints) > KEPT:
        del index.hints[next(iter(index.hints))]
    return hint


async def _check_handed_back(db: Database, index: _Index, hints: list[_Hint]) -> None:
    """Who handed each request back, read again for the hints not checked at this version:
    a hint whose handed-back changed is ranked again."""
    due = [hint for hint in hints if hint.checked != index.version]
    if not due:
        return
    handed_back = await db.volunteers.handed_back_of([hint.search.request.id for hint in due])
    for hint in due:
        now_back = handed_back[hint.search.request.id]
        if hint.handed_back != now_back:
            hint.handed_back, hint.found = now_back, None
        hint.checked = index.version
