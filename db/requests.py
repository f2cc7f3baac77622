"""Help requests and their lifecycle, plus the audit log every change writes to.

The states and the moves between them are declared in db/request_states.py. A transition is one
conditional UPDATE (``… WHERE state IN (allowed)``): of two coordinators deciding at once, or
two volunteers accepting at once, exactly one wins and the other learns the current state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

import aiosqlite

from db.clock import utcnow
from db.request_states import (
    ACTIVE,
    CLOSED,
    DONE,
    DRAFT,
    MATCHED,
    OPEN,
    REVIEW,
    STATES,
    TRANSITIONS,
)
from db.statements import changed, execute, fetch_all, fetch_each, fetch_one
from db.transactions import Statement, Transactions

# The time column a move to a state stamps.
STAMPS = {OPEN: "opened_at", MATCHED: "matched_at", **dict.fromkeys(CLOSED, "closed_at")}

# Fields whose values the audit log keeps (amounts, not texts).
_AMOUNTS = ("minutes_spent", "money_cents", "money_confirmed")


# How many of a requester's done requests :meth:`RequestStore.past_help` reads: one that
# plausibly happened is enough, and the work stays bounded for a requester of years.
PAST_HELP_LIMIT = 20


@dataclass(frozen=True)
class DoneHelp:
    """A request that was done: when it was matched and closed, and whether the volunteer
    told the time they spent (only the volunteer can, after "done": relay/chat.py)."""

    matched_at: str | None
    closed_at: str | None
    volunteer_confirmed: bool


@dataclass(frozen=True)
class PastHelp:
    """A requester's earlier help: their newest done requests, newest first, and whether
    anybody ever reported anything on any of their requests."""

    done: tuple[DoneHelp, ...]
    reported: bool


class TransitionError(Exception):
    def __init__(
        self, request_id: int, wanted: str, current: str | None, decided_by: int | None
    ) -> None:
        super().__init__(f"request {request_id}: cannot go to {wanted} from {current}")
        self.current = current
        self.decided_by = decided_by


@dataclass(frozen=True)
class HelpRequest:
    id: int
    requester_id: int | None
    entered_by: int | None
    offline_contact: str
    category: str
    description: str
    description_lang: str
    voice_file_id: str
    voice_platform: str
    area_name: str
    stadtbezirk: str
    lat: float | None
    lon: float | None
    when_kind: str
    when_text: str
    languages: tuple[str, ...]
    state: str
    volunteer_id: int | None
    reject_reason: str
    reject_note: str
    decided_by: int | None
    minutes_spent: int | None
    money_cents: int | None
    money_confirmed: bool
    created_at: str
    updated_at: str
    opened_at: str | None
    matched_at: str | None
    closed_at: str | None
    escalated_at: str | None = None
    reminded_at: str | None = None
    kept_at: str | None = None
    door_code: str = ""
    # The reminders of a request waiting for review (handlers/helping/review/review_pace.py).
    review_reminded_at: str | None = None
    review_escalated_at: str | None = None
    # A coordinator's short written summary (of a voice message), shown to volunteers.
    summary: str = ""
    # A draft a posting limit holds back: why, and when it goes on to review
    # (handlers/helping/posting_limits.py, held_requests.py).
    held_reason: str = ""
    held_until: str | None = None
    # The postcode the person typed as the place ("" for a district or a location); the
    # area it stands for is ``area_name`` and ``stadtbezirk``.
    postcode: str = ""


_FIELDS = [f.name for f in fields(HelpRequest)]
EDITABLE = (
    "category",
    "description",
    "description_lang",
    "voice_file_id",
    "voice_platform",
    "area_name",
    "postcode",
    "stadtbezirk",
    "lat",
    "lon",
    "when_kind",
    "when_text",
    "languages",
    "offline_contact",
)


@dataclass(frozen=True)
class QueueCount:
    """How many requests wait for review: in all, wanting to talk now, urgent (the others)."""

    total: int
    talk: int
    urgent: int


@dataclass(frozen=True)
class RequestFilter:
    """Which requests the desk's list shows (the index ``help_requests_desk`` answers
    every combination); empty fields do not filter."""

    states: tuple[str, ...] = ACTIVE
    stadtbezirk: str = ""
    category: str = ""
    # Only requests created before this moment (stored text, UTC): older than N days.
    created_before: str = ""

    def sql(self) -> tuple[str, list[Any]]:
        conditions = [f"state IN ({', '.join('?' * len(self.states))})"]
        params: list[Any] = list(self.states)
        for column, value in (
            ("stadtbezirk", self.stadtbezirk),
            ("category", self.category),
        ):
            if value:
                conditions.append(f"{column} = ?")
                params.append(value)
        if self.created_before:
            conditions.append("created_at < ?")
            params.append(self.created_before)
        return " AND ".join(conditions), params


def requests_of(rows: list[Any]) -> list[HelpRequest]:
    return [_row(row) for row in rows]


def held_query(requester_id: int | None = None, columns: str = "*") -> Statement:
    """The requests a posting limit holds back (drafts with a reason), oldest first; of one
    requester when given (read with :func:`requests_of`; ``columns="id"``: their ids, which
    SQLite finds several times faster than the whole rows - 17 against 61 µs measured)."""
    mine = " AND requester_id = ?" if requester_id is not None else ""
    return (
        f"SELECT {columns} FROM help_requests WHERE state = ? AND held_reason <> ''{mine}"
        " ORDER BY created_at, id",
        (DRAFT, *(() if requester_id is None else (requester_id,))),
    )


def posting_counts_query(user_id: int, since: str) -> Statement:
    """(requests ever, requests still active, requests created since ``since``, when the
    newest was created) of a requester (read with :func:`posting_counts_of`). What a
    coordinator entered for them never counts, nor a draft (not sent, or held back)."""
    active = ", ".join("?" * len(ACTIVE))
    return (
        f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN state IN ({active}) THEN 1 ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END), 0), MAX(created_at)"
        " FROM help_requests WHERE requester_id = ? AND entered_by IS NULL AND state <> ?",
        (*ACTIVE, since, user_id, DRAFT),
    )


def posting_counts_of(rows: list[Any]) -> tuple[int, int, int, str | None]:
    (row,) = rows
    return int(row[0]), int(row[1]), int(row[2]), row[3]


def from_new_accounts_query(
    since: str, joined_since: str, category: str | None = None
) -> Statement:
    """When the requests created since ``since`` by accounts created since ``joined_since``
    were created, newest first (a flood of new accounts shows here); of one ``category``
    when given. Requests a coordinator entered never count, nor drafts (held back: not
    sent). Read with :func:`times_of`."""
    kind = " AND r.category = ?" if category is not None else ""
    return (
        "SELECT r.created_at FROM help_requests r JOIN users u ON u.id = r.requester_id"
        " WHERE r.created_at >= ? AND u.created_at >= ? AND r.entered_by IS NULL"
        f" AND r.state <> ?{kind} ORDER BY r.created_at DESC",
        (since, joined_since, DRAFT, *(() if category is None else (category,))),
    )


def asked_since_query(since: str) -> Statement:
    """How many requests residents sent since ``since`` (entered ones and drafts not): the
    city's usual rate, which the flood rule scales with. Read with :func:`count_of`."""
    return (
        "SELECT COUNT(*) FROM help_requests WHERE created_at >= ? AND entered_by IS NULL"
        " AND state <> ?",
        (since, DRAFT),
    )


def times_of(rows: list[Any]) -> list[str]:
    return [row[0] for row in rows]


def count_of(rows: list[Any]) -> int:
    return int(rows[0][0]) if rows else 0


def _row(row: aiosqlite.Row) -> HelpRequest:
    values = {name: row[name] for name in _FIELDS}
    values["languages"] = tuple(x for x in (values["languages"] or "").split(";") if x)
    values["money_confirmed"] = bool(values["money_confirmed"])
    return HelpRequest(**values)


def _encode(name: str, value: Any) -> Any:
    if name == "languages":
        return f";{';'.join(value)};" if value else ""
    return value


class RequestStore:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def audit(
        self, actor_id: int | None, action: str, subject: str, details: dict[str, Any] | None = None
    ) -> None:
        await execute(
            self._tx,
            "INSERT INTO audit_log (at, actor_id, action, subject, details) VALUES (?, ?, ?, ?, ?)",
            (utcnow(), actor_id, action, subject, json.dumps(details or {}, ensure_ascii=False)),
        )

    async def create(
        self,
        requester_id: int | None,
        actor_id: int | None,
        *,
        state: str = REVIEW,
        entered_by: int | None = None,
        held: tuple[str, str | None] | None = None,
        **values: Any,
    ) -> HelpRequest:
        """A new request in ``state``; ``held``: (why, until when) a posting limit holds
        it back - then it is a draft (handlers/helping/posting_limits.py)."""
        unknown = set(values) - set(EDITABLE)
        if unknown:
            raise ValueError(f"not request fields: {sorted(unknown)}")
        if held is not None:
            state = DRAFT
            values = {**values, "held_reason": held[0], "held_until": held[1]}
        now = utcnow()
        columns = ["requester_id", "entered_by", "state", "created_at", "updated_at", *values]
        params = [
            requester_id,
            entered_by,
            state,
            now,
            now,
            *(_encode(k, v) for k, v in values.items()),
        ]
        async with self._tx.transaction():
            row = await fetch_one(
                self._tx,
                f"INSERT INTO help_requests ({', '.join(columns)})"
                f" VALUES ({', '.join('?' * len(columns))}) RETURNING id",
                params,
            )
            assert row is not None
            request_id = int(row[0])
            await self.audit(actor_id, f"request.{state}", f"request:{request_id}")
        created = await self.get(request_id)
        assert created is not None
        return created

    async def get(self, request_id: int) -> HelpRequest | None:
        row = await fetch_one(self._tx, "SELECT * FROM help_requests WHERE id = ?", (request_id,))
        return None if row is None else _row(row)

    async def transition(
        self,
        request_id: int,
        to_state: str,
        actor_id: int | None,
        *,
        expect: tuple[str, ...] | None = None,
        **values: Any,
    ) -> HelpRequest:
        """Move a request to ``to_state`` if its current state allows it (and is one of
        ``expect``, when given); otherwise raise :class:`TransitionError`. An ``expect``
        outside the declared moves is a mistake in the caller, not a lost race."""
        allowed = TRANSITIONS[to_state]
        if expect is not None:
            if set(expect) - set(allowed):
                raise ValueError(f"no move from {sorted(set(expect) - set(allowed))} to {to_state}")
            allowed = tuple(s for s in allowed if s in expect)
        now = utcnow()
        values = {k: _encode(k, v) for k, v in values.items()}
        if to_state in STAMPS:
            values[STAMPS[to_state]] = now
        assignments = ", ".join(["state = ?", "updated_at = ?", *(f"{k} = ?" for k in values)])
        async with self._tx.transaction():
            updated_rows = await changed(
                self._tx,
                f"UPDATE help_requests SET {assignments} WHERE id = ?"
                f" AND state IN ({', '.join('?' * len(allowed))})",
                [to_state, now, *values.values(), request_id, *allowed],
            )
            if not updated_rows:
                current = await self.get(request_id)
                raise TransitionError(
                    request_id,
                    to_state,
                    current.state if current else None,
                    current.decided_by if current else None,
                )
            await self.audit(
                actor_id,
                f"request.{to_state}",
                f"request:{request_id}",
                {k: v for k, v in values.items() if k in ("reject_reason", "volunteer_id")},
            )
        updated = await self.get(request_id)
        assert updated is not None
        return updated

    async def set_requester(
        self, request_id: int, actor_id: int | None, requester_id: int
    ) -> HelpRequest | None:
        """A request entered for someone without a chat becomes theirs (a phone person):
        only while it has no requester; None when it has one (or is gone)."""
        async with self._tx.transaction():
            if not await changed(
                self._tx,
                "UPDATE help_requests SET requester_id = ?, updated_at = ?"
                " WHERE id = ? AND requester_id IS NULL",
                [requester_id, utcnow(), request_id],
            ):
                return None
            await self.audit(actor_id, "request.phone", f"request:{request_id}")
        return await self.get(request_id)

    async def update_fields(
        self, request_id: int, actor_id: int | None, **values: Any
    ) -> HelpRequest:
        """Change fields without a state change (e.g. the money a volunteer laid out)."""
        allowed = set(EDITABLE) | {"minutes_spent", "money_cents", "money_confirmed", "summary"}
        if set(values) - allowed:
            raise ValueError(f"not editable: {sorted(set(values) - allowed)}")
        async with self._tx.transaction():
            await execute(
                self._tx,
                f"UPDATE help_requests SET {', '.join(f'{k} = ?' for k in values)},"
                " updated_at = ? WHERE id = ?",
                [*(_encode(k, v) for k, v in values.items()), utcnow(), request_id],
            )
            # The amounts a volunteer reports are kept with the entry (the desk's history
            # shows them); texts are not (they are the request's, and go with it).
            amounts = {k: v for k, v in values.items() if k in _AMOUNTS}
            await self.audit(
                actor_id,
                "request.update",
                f"request:{request_id}",
                {"fields": sorted(values), **({"values": amounts} if amounts else {})},
            )
        updated = await self.get(request_id)
        assert updated is not None
        return updated

    async def for_requester(
        self, user_id: int, states: tuple[str, ...] = STATES
    ) -> list[HelpRequest]:
        rows = await fetch_all(
            self._tx,
            f"SELECT * FROM help_requests WHERE requester_id = ?"
            f" AND state IN ({', '.join('?' * len(states))}) ORDER BY id DESC",
            (user_id, *states),
        )
        return [_row(row) for row in rows]

    async def help_under_way(self, person_id: int) -> bool:
        """Whether help is under way for ``person_id``: a request of theirs is active, or
        they help with one."""
        return bool(await self.for_requester(person_id, ACTIVE) or await self.helped_by(person_id))

    async def helped_by(self, volunteer_id: int) -> list[HelpRequest]:
        """The requests a volunteer is helping with now."""
        rows = await fetch_all(
            self._tx,
            f"SELECT * FROM help_requests WHERE volunteer_id = ? AND state = '{MATCHED}'"
            " ORDER BY id",
            (volunteer_id,),
        )
        return [_row(row) for row in rows]

    async def relays_of(self, user_id: int) -> list[HelpRequest]:
        """The matched requests a person is part of, as requester or as volunteer: the
        contacts that stand until the help is done or ended."""
        rows = await fetch_all(
            self._tx,
            f"SELECT * FROM help_requests WHERE state = '{MATCHED}'"
            " AND (requester_id = ? OR volunteer_id = ?) ORDER BY matched_at, id",
            (user_id, user_id),
        )
        return [_row(row) for row in rows]

    async def held(self, requester_id: int | None = None) -> list[HelpRequest]:
        """The requests a posting limit holds back (drafts with a reason), oldest first;
        of one requester when given."""
        return requests_of(await fetch_all(self._tx, *held_query(requester_id)))

    async def hold_on(self, request_id: int, reason: str, until: str | None) -> None:
        """A held request still held: for another reason, or until later."""
        await execute(
            self._tx,
            "UPDATE help_requests SET held_reason = ?, held_until = ? WHERE id = ? AND state = ?",
            (reason, until, request_id, DRAFT),
        )

    async def past_help(self, requester_id: int) -> PastHelp:
        """What a requester's earlier help shows (handlers/helping/returning.py judges it):
        their newest :data:`PAST_HELP_LIMIT` requests that were done, and whether anybody
        reported anything on any of their requests (handlers/helping/reports.py's
        subjects); in one round trip."""
        done, reported = await fetch_each(
            self._tx,
            [
                (
                    "SELECT matched_at, closed_at, minutes_spent IS NOT NULL FROM help_requests"
                    f" WHERE requester_id = ? AND state = '{DONE}'"
                    " ORDER BY closed_at DESC, id DESC LIMIT ?",
                    (requester_id, PAST_HELP_LIMIT),
                ),
                (
                    "SELECT EXISTS (SELECT 1 FROM reports rp JOIN help_requests r"
                    " ON rp.subject = 'request:' || CAST(r.id AS TEXT) WHERE r.requester_id = ?)",
                    (requester_id,),
                ),
            ],
        )
        return PastHelp(
            tuple(DoneHelp(row[0], row[1], bool(row[2])) for row in done),
            bool(reported[0][0]),
        )

    async def in_state(self, *states: str) -> list[HelpRequest]:
        rows = await fetch_all(
            self._tx,
            f"SELECT * FROM help_requests WHERE state IN ({', '.join('?' * len(states))})"
            " ORDER BY id",
            states,
        )
        return [_row(row) for row in rows]

    async def listing(
        self, where: RequestFilter, *, limit: int, offset: int
    ) -> tuple[int, list[HelpRequest]]:
        """One page of requests matching ``where``, oldest first, and how many match in
        all; in one round trip."""
        conditions, params = where.sql()
        count_rows, rows = await fetch_each(
            self._tx,
            [
                (f"SELECT COUNT(*) FROM help_requests WHERE {conditions}", params),
                (
                    f"SELECT * FROM help_requests WHERE {conditions} ORDER BY id LIMIT ? OFFSET ?",
                    [*params, limit, offset],
                ),
            ],
        )
        return int(count_rows[0][0]), [_row(row) for row in rows]

    async def review_queue(
        self, first_category: str, urgent_when: tuple[str, ...], *, limit: int, offset: int
    ) -> tuple[QueueCount, list[HelpRequest]]:
        """One page of the requests waiting for review: those of ``first_category`` (a
        caller who wants to talk now) on top, then the urgent ones (``when_kind`` in
        ``urgent_when``), each oldest first; and how many wait, of each. The caller names
        both (handlers/helping/review/review_queue.py owns the rule); one round trip."""
        rank = (
            "CASE WHEN category = ? THEN 0 WHEN when_kind IN ("
            + ", ".join("?" * len(urgent_when))
            + ") THEN 1 ELSE 2 END"
        )
        ranked = [first_category, *urgent_when]
        count_rows, rows = await fetch_each(
            self._tx,
            [
                (
                    f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN {rank} = 0 THEN 1 ELSE 0 END), 0),"
                    f" COALESCE(SUM(CASE WHEN {rank} = 1 THEN 1 ELSE 0 END), 0)"
                    " FROM help_requests WHERE state = ?",
                    [*ranked, *ranked, REVIEW],
                ),
                (
                    f"SELECT * FROM help_requests WHERE state = ? ORDER BY {rank}, created_at, id"
                    " LIMIT ? OFFSET ?",
                    [REVIEW, *ranked, limit, offset],
                ),
            ],
        )
        total, first, urgent = (int(value) for value in count_rows[0])
        return QueueCount(total, first, urgent), [_row(row) for row in rows]

    async def recent_descriptions(self, since: str, limit: int = 500) -> list[tuple[int, str]]:
        """The newest texts since ``since``, at most ``limit`` (the work of comparing a new
        request with them stays bounded however busy the city is)."""
        rows = await fetch_all(
            self._tx,
            "SELECT id, description FROM help_requests WHERE created_at >= ?"
            " AND description != '' ORDER BY created_at DESC LIMIT ?",
            (since, limit),
        )
        return [(row[0], row[1]) for row in rows]

    async def mark(self, request_id: int, column: str) -> None:
        """Record that a timed follow-up happened (escalated, reminded, kept)."""
        if column not in (
            "escalated_at",
            "reminded_at",
            "kept_at",
            "review_reminded_at",
            "review_escalated_at",
        ):
            raise ValueError(column)
        await execute(
            self._tx, f"UPDATE help_requests SET {column} = ? WHERE id = ?", (utcnow(), request_id)
        )

    async def add_post(self, request_id: int, outbox_id: int) -> None:
        """Remember a backchannel post of the request, to mark it decided later."""
        await execute(
            self._tx,
            "INSERT INTO moderation_posts (request_id, outbox_id) VALUES (?, ?)"
            " ON CONFLICT DO NOTHING",
            (request_id, outbox_id),
        )

    async def posts(self, request_id: int) -> list[int]:
        rows = await fetch_all(
            self._tx,
            "SELECT outbox_id FROM moderation_posts WHERE request_id = ? ORDER BY outbox_id",
            (request_id,),
        )
        return [row[0] for row in rows]

    async def history(self, request_id: int) -> list[dict[str, Any]]:
        rows = await fetch_all(
            self._tx,
            "SELECT at, actor_id, action, details FROM audit_log WHERE subject = ? ORDER BY id",
            (f"request:{request_id}",),
        )
        return [
            {"at": r[0], "actor_id": r[1], "action": r[2], "details": json.loads(r[3])}
            for r in rows
        ]
