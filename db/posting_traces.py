"""What the posting limits need of an erased account, without the account.

When a person deletes their account, their requests lose the link to them; without more,
``/delete`` then ``/start`` would reset every posting limit (a day's requests, the new
account's wait, the flood of new accounts). So before the account goes, the times of its
requests of the last day stay here under a keyed hash of the chat account (the ban list's
key, another purpose: :meth:`db.bans.BanList.key_of`), with whether the account was new then.
Nobody's name, number or words; the rows go after a day (retention, db/personal_data.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from db.bans import BanList
from db.requests import (
    asked_since_query,
    count_of,
    from_new_accounts_query,
    held_query,
    posting_counts_of,
    posting_counts_query,
    times_of,
)
from db.statements import execute, fetch_all, fetch_each
from db.transactions import Statement, Transactions
from db.users import User

_PURPOSE = "posting\0"


@dataclass(frozen=True)
class FloodQuestions:
    """What the flood rule asks when a new account posts: the requests made since
    ``since`` by accounts created since ``joined_since`` (erased ones' traces too), the
    city's requests since ``usual_since``, and where ``category`` is given, that
    category's requests of new accounts since ``since`` as well (a talk request's
    exemption)."""

    since: str
    joined_since: str
    usual_since: str
    category: str | None = None


@dataclass(frozen=True)
class PostingRecord:
    """What the posting limits (handlers/helping/posting_limits.py) ask of a requester."""

    held: list[int]  # their held requests' ids, oldest first (not asked: empty)
    counts: tuple[int, int, int, str | None]  # db/requests.py posting_counts_query
    traced: int  # their erased accounts' requests since ``since``
    traced_newest: str | None
    # The flood rule's answers (FloodQuestions; not asked: empty, 0, empty): when new
    # accounts posted, newest first; the city's requests; when new accounts posted
    # requests of the category asked.
    from_new_accounts: list[str] = field(default_factory=list)
    asked: int = 0
    of_category: list[str] = field(default_factory=list)


class PostingTraces:
    def __init__(self, transactions: Transactions, keys: BanList) -> None:
        self._tx = transactions
        self._keys = keys

    async def _key(self, user: User) -> str:
        return await self._keys.key_of(user.platform, user.platform_user_id, _PURPOSE)

    async def keep(self, user: User, since: str, new_until: str) -> None:
        """The times of ``user``'s requests created since ``since``; those before
        ``new_until`` (the end of the account's first day) count as a new account's."""
        key = await self._key(user)
        rows = await fetch_all(
            self._tx,
            "SELECT created_at FROM help_requests WHERE requester_id = ? AND created_at >= ?",
            (user.id, since),
        )
        for (created_at,) in rows:
            await execute(
                self._tx,
                "INSERT INTO posting_traces (key_hash, created_at, new_account) VALUES (?, ?, ?)",
                (key, created_at, int(created_at < new_until)),
            )

    async def record(
        self,
        user: User,
        since: str,
        *,
        held: bool = True,
        flood: FloodQuestions | None = None,
    ) -> PostingRecord:
        """The posting limits' questions about ``user`` in one round trip: their held
        requests (when ``held``), their request counts and their erased accounts' traces,
        each since ``since`` where it counts a time; and the flood rule's (``flood``),
        which a new account's request asks."""
        queries = [
            posting_counts_query(user.id, since),
            (
                "SELECT COUNT(*), MAX(created_at) FROM posting_traces"
                " WHERE key_hash = ? AND created_at >= ?",
                (await self._key(user), since),
            ),
        ]
        if held:
            queries.append(held_query(user.id, columns="id"))
        if flood is not None:
            queries += _flood_queries(flood)
        counts, (traces,), *rest = await fetch_each(self._tx, queries)
        mine = rest.pop(0) if held else []
        record = PostingRecord(
            [int(row[0]) for row in mine], posting_counts_of(counts), int(traces[0]), traces[1]
        )
        if flood is None:
            return record
        new_requests, new_traces, asked, *of_category = rest
        return replace(
            record,
            from_new_accounts=sorted(times_of(new_requests) + times_of(new_traces), reverse=True),
            asked=count_of(asked),
            of_category=times_of(of_category[0]) if of_category else [],
        )


def _flood_queries(flood: FloodQuestions) -> list[Statement]:
    """The flood rule's questions (FloodQuestions), in the order ``record`` reads them."""
    queries = [
        from_new_accounts_query(flood.since, flood.joined_since),
        (
            "SELECT created_at FROM posting_traces WHERE new_account = 1 AND created_at >= ?"
            " ORDER BY created_at DESC",
            (flood.since,),
        ),
        asked_since_query(flood.usual_since),
    ]
    if flood.category is not None:
        queries.append(from_new_accounts_query(flood.since, flood.joined_since, flood.category))
    return queries
