"""What the posting limits need of an erased account, without the account.

When a person deletes their account, their requests lose the link to them; without more,
``/delete`` then ``/start`` would reset every posting limit (a day's requests, the new
account's wait, the flood of new accounts). So before the account goes, the times of its
requests of the last day stay here under a keyed hash of the chat account (the ban list's
key, another purpose: :meth:`db.bans.BanList.key_of`), with whether the account was new then.
Nobody's name, number or words; the rows go after a day (retention, db/personal_data.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from db.bans import BanList
from db.requests import held_query, posting_counts_of, posting_counts_query
from db.statements import execute, fetch_all, fetch_each
from db.transactions import Transactions
from db.users import User

_PURPOSE = "posting\0"


@dataclass(frozen=True)
class PostingRecord:
    """What the posting limits (handlers/helping/posting_limits.py) ask of a requester."""

    held: list[int]  # their held requests' ids, oldest first (not asked: empty)
    counts: tuple[int, int, int, str | None]  # db/requests.py posting_counts_query
    traced: int  # their erased accounts' requests since ``since``
    traced_newest: str | None


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

    async def record(self, user: User, since: str, *, held: bool = True) -> PostingRecord:
        """The posting limits' questions about ``user`` in one round trip: their held
        requests (when ``held``), their request counts and their erased accounts' traces,
        each since ``since`` where it counts a time."""
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
        counts, (traces,), *mine = await fetch_each(self._tx, queries)
        return PostingRecord(
            [int(row[0]) for row in mine[0]] if mine else [],
            posting_counts_of(counts),
            int(traces[0]),
            traces[1],
        )

    async def from_new_accounts(self, since: str) -> list[str]:
        """When erased new accounts posted since ``since``, newest first."""
        rows = await fetch_all(
            self._tx,
            "SELECT created_at FROM posting_traces WHERE new_account = 1 AND created_at >= ?"
            " ORDER BY created_at DESC",
            (since,),
        )
        return [row[0] for row in rows]
