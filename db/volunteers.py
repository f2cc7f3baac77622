"""Volunteers' profiles, who was offered which request, and what they have done."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass, fields
from typing import Any

import aiosqlite

from db.clock import utcnow
from db.name_keys import holding
from db.request_states import DONE, MATCHED, OPEN
from db.statements import changed, execute, fetch_all, fetch_by_ids, fetch_each, fetch_one
from db.transactions import Transactions


@dataclass(frozen=True)
class Volunteer:
    user_id: int
    categories: tuple[str, ...]
    stadtbezirke: tuple[str, ...]
    lat: float | None
    lon: float | None
    radius_m: int | None
    languages: tuple[str, ...]
    availability: str
    quiet_start: int
    quiet_end: int
    max_open: int
    paused: bool
    verified_at: str | None
    verified_by: int | None
    created_at: str
    # The extended certificate of good conduct a coordinator saw (YYYY-MM-DD, never the
    # document): when, and the last day it counts.
    certificate_seen_on: str | None = None
    certificate_expires_on: str | None = None
    # The times of the week they are ready to talk now (handlers/helping/vocabulary.py
    # TALK_SLOTS keys; none: no talk shift).
    talk_shift: tuple[str, ...] = ()
    # They take evening requests (issue 63): asked first in the evening, and the only ones
    # asked outside the daytime (handlers/helping/pace.py); the form asks (those registered
    # before it did were asked at any hour outside their quiet hours, and keep that).
    evenings: bool = True


# An offer (``n``) whose outbox message (``o``) waits for the volunteer's quiet hours: not
# sent, never tried, due only after ``now`` (the one placeholder), and not declined. Held
# means queued to go later than it was queued: an offer due at once is stamped due when it
# is queued (db/outbox.py), a second boundary after the ``now`` the offer rules read on a
# busy machine, and is no offer held for anyone.
_HELD = (
    "n.declined = 0 AND o.sent_at IS NULL AND o.failed_at IS NULL AND o.attempts = 0"
    " AND o.attempt_started_at IS NULL AND o.next_attempt_at > o.created_at"
    " AND o.next_attempt_at > ?"
)

# The offers a volunteer counts as asked since a moment (the one placeholder), and the help
# they gave since one: what the caps and the estimates count, and what leaves their windows.
_OFFERED_SINCE = "outbox_id IS NOT NULL AND offered_at >= ?"
_HELPED_SINCE = "accepted_at >= ?"

_LISTS = ("categories", "stadtbezirke", "languages", "talk_shift")
_NAMES = [f.name for f in fields(Volunteer)]
PROFILE = (
    "categories",
    "stadtbezirke",
    "lat",
    "lon",
    "radius_m",
    "languages",
    "availability",
    "quiet_start",
    "quiet_end",
    "max_open",
    "talk_shift",
    "evenings",
)


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class RosterFilter:
    """Which volunteers the desk's roster shows; empty fields do not filter."""

    unverified: bool = False
    paused: bool = False
    stadtbezirk: str = ""
    category: str = ""
    language: str = ""
    # Part of the first name, in any case of any script (db/name_keys.py: compared in
    # Python, not in sql()).
    name: str = ""
    # Certificates whose last day is on or before this day (YYYY-MM-DD): due for renewal.
    certificate_due_by: str = ""
    # Only those whose talk shift holds one of these slots; None: no such filter, (): nobody
    # (the slots of a moment come from handlers/helping/vocabulary.py talk_slots_now).
    talk_slots: tuple[str, ...] | None = None

    def sql(self) -> tuple[str, list[Any]]:
        conditions = ["1 = 1"]
        params: list[Any] = []
        if self.unverified:
            conditions.append("v.verified_at IS NULL")
        if self.paused:
            conditions.append("v.paused = 1")
        for column, value in (
            ("stadtbezirke", self.stadtbezirk),
            ("categories", self.category),
            ("languages", self.language),
        ):
            if value:
                conditions.append(f"v.{column} LIKE ? ESCAPE '\\'")
                params.append(f"%;{_like(value)};%")
        if self.certificate_due_by:
            conditions.append("v.certificate_expires_on <= ?")
            params.append(self.certificate_due_by)
        if self.talk_slots is not None:
            slots = ["v.talk_shift LIKE ? ESCAPE '\\'" for _ in self.talk_slots]
            conditions.append(f"({' OR '.join(slots) or '1 = 0'})")
            params.extend(f"%;{_like(slot)};%" for slot in self.talk_slots)
        return " AND ".join(conditions), params


def _row(row: aiosqlite.Row) -> Volunteer:
    values = {name: row[name] for name in _NAMES}
    for name in _LISTS:
        values[name] = tuple(x for x in (values[name] or "").split(";") if x)
    values["paused"] = bool(values["paused"])
    values["evenings"] = bool(values["evenings"])
    return Volunteer(**values)


# Profiles parsed from their rows, by the rows' columns and values (issue 83): a search reads
# thousands of volunteers, nearly all unchanged since the last one, and parsing a row (its
# lists, the frozen dataclass) costs about 20 times looking it up. A changed row has other
# values, so another key: nothing is served stale. The least recently used go first. What a
# row was is personal data (where someone is, their kinds of help and languages): it stays no
# longer than the row - an erasure (db/data_rights.py) and every write of a profile here drop
# the person's profiles (:func:`forget_parsed`). Another process on the same database is not
# told: there a profile not read for a turn (PARSED_TURN_SECONDS) waits in _UNREAD, and goes
# at the next turn unless a search reads it meanwhile - a row erased or changed elsewhere is
# never read again, so what it was leaves every process's memory at its first search two
# turns later (a search turns: hits cost nothing more, a miss one look in _UNREAD).
_PARSED: OrderedDict[tuple[Any, ...], Volunteer] = OrderedDict()
_UNREAD: dict[tuple[Any, ...], Volunteer] = {}
PARSED_KEPT = 20_000
PARSED_TURN_SECONDS = 600.0
_turned = [time.monotonic()]


def forget_parsed(user_id: int) -> None:
    """Drop every parsed profile of ``user_id`` (the cache is the process's: the same number
    in another city's database is dropped too, which costs it one parse)."""
    for kept in (_PARSED, _UNREAD):
        for key in [key for key, volunteer in kept.items() if volunteer.user_id == user_id]:
            del kept[key]


def _turn() -> None:
    """Every PARSED_TURN_SECONDS: the profiles not read since the last turn go, the others
    wait as unread."""
    now = time.monotonic()
    if now - _turned[0] >= PARSED_TURN_SECONDS:
        _turned[0] = now
        _UNREAD.clear()
        _UNREAD.update(_PARSED)
        _PARSED.clear()


def _parsed(rows: list[Any], extra: int = 0) -> list[Volunteer]:
    """:func:`_row` of each of ``rows`` (the volunteers' columns, then ``extra`` others),
    remembered (:data:`_PARSED`)."""
    if not rows:
        return []
    width = len(rows[0]) - extra
    shape = tuple(rows[0].keys()[:width])
    found = []
    _turn()
    for row in rows:
        key = (shape, *tuple(row)[:width])
        volunteer = _PARSED.get(key)
        if volunteer is None:
            unread = _UNREAD.pop(key, None)
            volunteer = _PARSED[key] = _row(row) if unread is None else unread
            # Both together at most PARSED_KEPT: the unread go first, least recently used.
            while len(_PARSED) + len(_UNREAD) > PARSED_KEPT:
                if _UNREAD:
                    del _UNREAD[next(iter(_UNREAD))]
                else:
                    _PARSED.popitem(last=False)
        else:
            _PARSED.move_to_end(key)
        found.append(volunteer)
    return found


def _taking(columns: str, kind: str, require_verified: bool) -> str:
    """The volunteers who may be offered a request of ``kind`` (a condition on ``v``) and
    have room for one more, but the one of the last parameter; ``columns``: read besides
    their profile."""
    sql = (
        f"SELECT v.*{columns} FROM volunteers v JOIN users u ON u.id = v.user_id"
        " WHERE v.paused = 0 AND u.banned_at IS NULL AND u.chat_id != ''"
        f" AND {kind} AND v.user_id != ?"
        " AND (SELECT COUNT(*) FROM help_requests r WHERE r.volunteer_id = v.user_id"
        f"      AND r.state = '{MATCHED}') < v.max_open"
    )
    if require_verified:
        sql += " AND v.verified_at IS NOT NULL"
    return sql


def _encode(name: str, value: Any) -> Any:
    if name == "evenings":
        return int(bool(value))
    return (f";{';'.join(value)};" if value else "") if name in _LISTS else value


class VolunteerStore:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def get(self, user_id: int) -> Volunteer | None:
        row = await fetch_one(self._tx, "SELECT * FROM volunteers WHERE user_id = ?", (user_id,))
        return None if row is None else _row(row)

    async def save(self, user_id: int, **profile: Any) -> Volunteer:
        """Create or update a profile; registering makes the user a volunteer."""
        if set(profile) - set(PROFILE):
            raise ValueError(f"not profile fields: {sorted(set(profile) - set(PROFILE))}")
        values = {k: _encode(k, v) for k, v in profile.items()}
        async with self._tx.transaction():
            await execute(
                self._tx,
                "INSERT INTO volunteers (user_id, created_at) VALUES (?, ?)"
                " ON CONFLICT (user_id) DO NOTHING",
                (user_id, utcnow()),
            )
            if values:
                await execute(
                    self._tx,
                    f"UPDATE volunteers SET {', '.join(f'{k} = ?' for k in values)}"
                    " WHERE user_id = ?",
                    [*values.values(), user_id],
                )
            await execute(
                self._tx,
                "INSERT INTO user_roles (user_id, role, granted_at)"
                " VALUES (?, 'volunteer', ?) ON CONFLICT DO NOTHING",
                (user_id, utcnow()),
            )
        forget_parsed(user_id)
        saved = await self.get(user_id)
        assert saved is not None
        return saved

    async def set_paused(self, user_id: int, paused: bool) -> None:
        await execute(
            self._tx, "UPDATE volunteers SET paused = ? WHERE user_id = ?", (int(paused), user_id)
        )
        forget_parsed(user_id)

    async def verify(self, user_id: int, by: int) -> bool:
        count = await changed(
            self._tx,
            "UPDATE volunteers SET verified_at = ?, verified_by = ? WHERE user_id = ?",
            (utcnow(), by, user_id),
        )
        forget_parsed(user_id)
        return count == 1

    async def set_certificate(
        self, user_id: int, seen_on: str | None, expires_on: str | None
    ) -> bool:
        """Record (or, with None, forget) the days a certificate was seen and expires."""
        count = await changed(
            self._tx,
            "UPDATE volunteers SET certificate_seen_on = ?, certificate_expires_on = ?"
            " WHERE user_id = ?",
            (seen_on, expires_on, user_id),
        )
        forget_parsed(user_id)
        return count == 1

    async def roster(
        self, where: RosterFilter, *, limit: int, offset: int
    ) -> tuple[int, list[tuple[Volunteer, str]]]:
        """One page of volunteers (with their first name) matching ``where``, by user
        number, and how many match in all; in one round trip."""
        conditions, params = where.sql()
        join = " FROM volunteers v JOIN users u ON u.id = v.user_id WHERE " + conditions
        if where.name:
            return await self._named(join, params, where.name, limit, offset)
        count_rows, rows = await fetch_each(
            self._tx,
            [
                ("SELECT COUNT(*)" + join, params),
                (
                    "SELECT v.*, u.first_name AS roster_name"
                    + join
                    + " ORDER BY v.user_id LIMIT ? OFFSET ?",
                    [*params, limit, offset],
                ),
            ],
        )
        return int(count_rows[0][0]), [(_row(row), row["roster_name"]) for row in rows]

    async def _named(
        self, join: str, params: list[Any], name: str, limit: int, offset: int
    ) -> tuple[int, list[tuple[Volunteer, str]]]:
        """The roster's page of those whose first name holds ``name`` (db/name_keys.py)."""
        named = await fetch_all(
            self._tx, "SELECT v.user_id, u.first_name" + join + " ORDER BY v.user_id", params
        )
        ids = holding(named, [name])
        shown = ids[offset : offset + limit]
        rows = await fetch_by_ids(
            self._tx,
            "SELECT v.*, u.first_name AS roster_name" + join + " AND v.user_id IN ({ids})",
            shown,
            *params,
        )
        by_id = {row["user_id"]: row for row in rows}
        return len(ids), [(_row(by_id[i]), by_id[i]["roster_name"]) for i in shown if i in by_id]

    async def leave(self, user_id: int) -> None:
        async with self._tx.transaction():
            await execute(self._tx, "DELETE FROM volunteers WHERE user_id = ?", (user_id,))
            await execute(
                self._tx,
                "DELETE FROM user_roles WHERE user_id = ? AND role = 'volunteer'",
                (user_id,),
            )
        forget_parsed(user_id)

    async def candidates(
        self,
        category: str,
        exclude_user: int | None,
        require_verified: bool,
        *,
        talk_shift: bool = False,
        among: Collection[int] | None = None,
    ) -> list[Volunteer]:
        """Active volunteers for a category with room for one more assignment;
        ``talk_shift``: instead of the category, those who chose a talk shift; ``among``:
        of these volunteers only."""
        kind = "v.talk_shift != ''" if talk_shift else "v.categories LIKE ?"
        params: list[Any] = [] if talk_shift else [f"%;{category};%"]
        sql = _taking("", kind, require_verified)
        return _parsed(await self._among(sql, [*params, exclude_user or 0], among))

    async def _among(self, sql: str, params: list[Any], among: Collection[int] | None) -> list[Any]:
        """The rows of ``sql``, or of those of them whose volunteer is ``among`` these (read
        again after a write about them: handlers/helping/matching/hint_cache.py)."""
        if among is None:
            return await fetch_all(self._tx, sql, params)
        return await fetch_by_ids(self._tx, sql + " AND v.user_id IN ({ids})", among, *params)

    async def candidates_by_kind(
        self,
        categories: Collection[str],
        require_verified: bool,
        among: Collection[int] | None = None,
    ) -> dict[str, list[Volunteer]]:
        """:meth:`candidates` (nobody excluded; ``among``: of these only) of each of
        ``categories`` in one read: a volunteer who offers several of them is read once and
        listed under each (the desk's review queue reads a page's kinds so,
        handlers/helping/matching/ranking.py)."""
        kinds = sorted(set(categories))
        if not kinds:
            return {}
        # Which kinds each offers, by the same LIKE as one kind's read.
        offers = "".join(f", v.categories LIKE ? AS offers_{n}" for n in range(len(kinds)))
        likes = [f"%;{kind};%" for kind in kinds]
        any_kind = "(" + " OR ".join("v.categories LIKE ?" for _ in kinds) + ")"
        sql = _taking(offers, any_kind, require_verified)
        rows = await self._among(sql, [*likes, *likes, 0], among)
        found: dict[str, list[Volunteer]] = {kind: [] for kind in kinds}
        # The offers_ columns are the last ones, by position: a row's lookup by name costs
        # more than the test (thousands of rows, a few kinds each).
        width = len(rows[0]) - len(kinds) if rows else 0
        lists = [(width + n, found[kind]) for n, kind in enumerate(kinds)]
        for row, volunteer in zip(rows, _parsed(rows, len(kinds)), strict=True):
            for column, offering in lists:
                if row[column]:
                    offering.append(volunteer)
        return found

    async def taking_requests(self, require_verified: bool) -> int:
        """How many volunteers may be offered a request at all (not paused, not banned,
        reachable; confirmed where ``require_verified``): the city's size as the waves'
        budget sees it (handlers/settings.py ``OfferRules.budget_for``)."""
        sql = (
            "SELECT COUNT(*) FROM volunteers v JOIN users u ON u.id = v.user_id"
            " WHERE v.paused = 0 AND u.banned_at IS NULL AND u.chat_id != ''"
        )
        if require_verified:
            sql += " AND v.verified_at IS NOT NULL"
        rows = await fetch_all(self._tx, sql, [])
        return int(rows[0][0])

    async def record_offer(
        self,
        request_id: int,
        volunteer_id: int,
        outbox_id: int,
        offered_at: str | None = None,
        wave: int = 0,
    ) -> None:
        """``offered_at``: by the offer rules' clock; ``wave``: which of the request's
        waves (0: outside the waves - the broadcast, a pull)."""
        await execute(
            self._tx,
            "INSERT INTO request_notifications (request_id, volunteer_id, outbox_id,"
            " offered_at, wave) VALUES (?, ?, ?, ?, ?) ON CONFLICT (request_id, volunteer_id)"
            " DO UPDATE SET outbox_id = excluded.outbox_id, declined = 0,"
            " offered_at = excluded.offered_at, wave = excluded.wave, declined_at = NULL",
            (request_id, volunteer_id, outbox_id, offered_at or utcnow(), wave),
        )

    async def mark_accepted(self, request_id: int, volunteer_id: int, at: str) -> None:
        await execute(
            self._tx,
            "UPDATE request_notifications SET accepted_at = ? WHERE request_id = ?"
            " AND volunteer_id = ?",
            (at, request_id, volunteer_id),
        )

    async def _by_volunteers(
        self, sql: str, volunteer_ids: Collection[int], *params: Any
    ) -> list[Any]:
        """Run ``sql`` (with one ``IN ({ids})`` after its other parameters) for the given
        volunteers only, in chunks: bounded by who is asked about, never the whole table."""
        return await fetch_by_ids(self._tx, sql, volunteer_ids, *params)

    async def asked_since(self, since: str, volunteer_ids: Collection[int]) -> dict[int, int]:
        """How many offers each of ``volunteer_ids`` got since ``since`` (none: absent)."""
        rows = await self._by_volunteers(
            f"SELECT volunteer_id, COUNT(*) FROM request_notifications WHERE {_OFFERED_SINCE}"
            " AND volunteer_id IN ({ids}) GROUP BY volunteer_id",
            volunteer_ids,
            since,
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def helped_since(self, since: str, volunteer_ids: Collection[int]) -> set[int]:
        """Which of ``volunteer_ids`` took a request since ``since``."""
        rows = await self._by_volunteers(
            f"SELECT DISTINCT volunteer_id FROM request_notifications WHERE {_HELPED_SINCE}"
            " AND volunteer_id IN ({ids})",
            volunteer_ids,
            since,
        )
        return {int(r[0]) for r in rows}

    async def first_since(
        self, asked: Collection[str], helped: str
    ) -> tuple[list[str | None], str | None]:
        """The first offer counted by :meth:`asked_since` since each of ``asked``, and the
        first help counted by :meth:`helped_since` since ``helped``, of anyone (None: none):
        the first to leave its window as time goes on (handlers/helping/matching/ranking.py
        ``unchanged_until``)."""
        first = " ".join(
            f"(SELECT MIN(offered_at) FROM request_notifications WHERE {_OFFERED_SINCE}),"
            for _ in asked
        )
        row = await fetch_one(
            self._tx,
            f"SELECT {first} (SELECT MIN(accepted_at) FROM request_notifications"
            f" WHERE {_HELPED_SINCE})",
            (*asked, helped),
        )
        assert row is not None
        return [row[n] for n in range(len(asked))], row[len(asked)]

    async def answers(self, volunteer_ids: Collection[int]) -> dict[int, tuple[int, int]]:
        """(taps on "I can help", offers) of each of ``volunteer_ids`` ever offered
        something."""
        rows = await self._by_volunteers(
            "SELECT volunteer_id, SUM(CASE WHEN accepted_at IS NOT NULL OR handed_back = 1"
            " THEN 1 ELSE 0 END), COUNT(*) FROM request_notifications"
            " WHERE outbox_id IS NOT NULL AND volunteer_id IN ({ids}) GROUP BY volunteer_id",
            volunteer_ids,
        )
        return {int(r[0]): (int(r[1] or 0), int(r[2])) for r in rows}

    async def city_answers(self) -> tuple[int, int]:
        """(taps on "I can help", offers) of the whole city: one row."""
        row = await fetch_one(
            self._tx,
            "SELECT SUM(CASE WHEN accepted_at IS NOT NULL OR handed_back = 1 THEN 1 ELSE 0 END),"
            " COUNT(*) FROM request_notifications WHERE outbox_id IS NOT NULL",
        )
        return (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)

    async def asked(self, request_id: int) -> list[tuple[int, int, bool, str | None]]:
        """(volunteer, wave, declined, offered at) of everyone asked about the request, in
        the order asked."""
        rows = await fetch_all(
            self._tx,
            "SELECT volunteer_id, wave, declined, offered_at FROM request_notifications"
            " WHERE request_id = ? AND outbox_id IS NOT NULL ORDER BY offered_at, volunteer_id",
            (request_id,),
        )
        return [(int(r[0]), int(r[1]), bool(r[2]), r[3]) for r in rows]

    async def offers(self, request_id: int) -> list[tuple[int, int, bool]]:
        """(volunteer user id, outbox id, declined) of everyone offered this request."""
        rows = await fetch_all(
            self._tx,
            "SELECT volunteer_id, outbox_id, declined FROM request_notifications"
            " WHERE request_id = ? AND outbox_id IS NOT NULL",
            (request_id,),
        )
        return [(r[0], r[1], bool(r[2])) for r in rows]

    async def held(self, request_id: int, now: str) -> list[tuple[int, str]]:
        """(volunteer, until) of the request's offers still held back in the outbox for the
        volunteers' quiet hours (queued for later and never tried), the soonest first; those
        who said "not this time" meanwhile are not counted."""
        rows = await fetch_all(
            self._tx,
            "SELECT n.volunteer_id, o.next_attempt_at FROM request_notifications n"
            f" JOIN outbox o ON o.id = n.outbox_id WHERE n.request_id = ? AND {_HELD}"
            " ORDER BY o.next_attempt_at, n.volunteer_id",
            (request_id, now),
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    async def held_for(self, volunteer_id: int, now: str) -> list[int]:
        """The outbox ids of the offers held back for the volunteer's quiet hours."""
        rows = await fetch_all(
            self._tx,
            "SELECT o.id FROM request_notifications n JOIN outbox o ON o.id = n.outbox_id"
            f" WHERE n.volunteer_id = ? AND {_HELD} ORDER BY o.id",
            (volunteer_id, now),
        )
        return [int(r[0]) for r in rows]

    async def forget_offers(self, request_id: int, outbox_ids: Collection[int]) -> int:
        """Forget the request's offers whose outbox items never reached their volunteer and
        were dropped (held for quiet hours when the requester changed the text): nobody was
        told, so they count as not asked - not for the caps, not as "offered" - and the
        checked text is offered to them again. One answered, taken or handed back stays.
        How many were forgotten."""
        if not outbox_ids:
            return 0
        marks = ",".join("?" * len(outbox_ids))
        return await changed(
            self._tx,
            "DELETE FROM request_notifications WHERE request_id = ?"
            f" AND outbox_id IN ({marks}) AND declined = 0 AND accepted_at IS NULL"
            " AND handed_back = 0",
            (request_id, *outbox_ids),
        )

    async def was_offered(self, request_id: int, volunteer_id: int) -> bool:
        row = await fetch_one(
            self._tx,
            "SELECT 1 FROM request_notifications WHERE request_id = ? AND volunteer_id = ?"
            " AND outbox_id IS NOT NULL",
            (request_id, volunteer_id),
        )
        return row is not None

    async def load_and_history(self, user_id: int, request_id: int) -> tuple[int, bool]:
        """(requests the volunteer helps with now, whether they handed this one back)."""
        row = await fetch_one(
            self._tx,
            "SELECT (SELECT COUNT(*) FROM help_requests WHERE volunteer_id = ?"
            f" AND state = '{MATCHED}'), (SELECT COALESCE(MAX(handed_back), 0)"
            " FROM request_notifications WHERE request_id = ? AND volunteer_id = ?)",
            (user_id, request_id, user_id),
        )
        assert row is not None
        return int(row[0]), bool(row[1])

    async def mark_handed_back(self, request_id: int, volunteer_id: int) -> None:
        await execute(
            self._tx,
            "INSERT INTO request_notifications (request_id, volunteer_id, handed_back)"
            " VALUES (?, ?, 1) ON CONFLICT (request_id, volunteer_id)"
            " DO UPDATE SET handed_back = 1",
            (request_id, volunteer_id),
        )

    async def handed_back(self, request_id: int) -> set[int]:
        """Who handed the request back (never offered it again)."""
        return (await self.handed_back_of([request_id]))[request_id]

    async def handed_back_of(self, request_ids: Collection[int]) -> dict[int, set[int]]:
        """:meth:`handed_back` of each of ``request_ids`` in one read (the desk's review
        queue's page): by request, each of them present."""
        found: dict[int, set[int]] = {request_id: set() for request_id in request_ids}
        rows = await fetch_by_ids(
            self._tx,
            "SELECT request_id, volunteer_id FROM request_notifications"
            " WHERE handed_back = 1 AND request_id IN ({ids})",
            found,
        )
        for row in rows:
            found[int(row[0])].add(int(row[1]))
        return found

    async def offered(self, request_id: int) -> set[int]:
        """Everyone who was told about the request (and has not handed it back)."""
        rows = await fetch_all(
            self._tx,
            "SELECT volunteer_id FROM request_notifications WHERE request_id = ?"
            " AND outbox_id IS NOT NULL",
            (request_id,),
        )
        return {row[0] for row in rows}

    async def not_yet_offered(self, volunteer_id: int) -> list[int]:
        """Open requests the volunteer was never told about, longest waiting first."""
        rows = await fetch_all(
            self._tx,
            f"SELECT id FROM help_requests r WHERE state = '{OPEN}' AND NOT EXISTS ("
            " SELECT 1 FROM request_notifications n WHERE n.request_id = r.id"
            " AND n.volunteer_id = ?) ORDER BY COALESCE(r.opened_at, r.created_at), id",
            (volunteer_id,),
        )
        return [row[0] for row in rows]

    async def unanswered(self, volunteer_id: int) -> list[int]:
        """The open requests offered to the volunteer (sent or held for their quiet hours)
        that they neither took nor said "not this time" to, oldest offer first."""
        rows = await fetch_all(
            self._tx,
            "SELECT n.request_id FROM request_notifications n"
            " JOIN help_requests r ON r.id = n.request_id WHERE n.volunteer_id = ?"
            " AND n.outbox_id IS NOT NULL AND n.declined = 0 AND n.accepted_at IS NULL"
            f" AND n.handed_back = 0 AND r.state = '{OPEN}' ORDER BY n.offered_at, n.request_id",
            (volunteer_id,),
        )
        return [int(row[0]) for row in rows]

    async def decline(self, request_id: int, volunteer_id: int, at: str | None = None) -> None:
        await execute(
            self._tx,
            "UPDATE request_notifications SET declined = 1, declined_at = ? WHERE request_id = ?"
            " AND volunteer_id = ?",
            (at or utcnow(), request_id, volunteer_id),
        )

    async def record(self, user_id: int) -> list[tuple[int, str, str, int | None]]:
        """(request id, category, closed at, minutes spent) of help given, oldest first."""
        rows = await fetch_all(
            self._tx,
            "SELECT id, category, closed_at, minutes_spent FROM help_requests"
            f" WHERE volunteer_id = ? AND state = '{DONE}' ORDER BY closed_at",
            (user_id,),
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]
