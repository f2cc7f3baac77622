"""What the posting limits need of an erased account, without the account.

When a person deletes their account, their requests lose the link to them; without more,
``/delete`` then ``/start`` would reset every posting limit (a day's requests, the new
account's wait, the flood of new accounts). So before the account goes, the times of its
requests of the last day stay here under a keyed hash of the chat account (the ban list's
key, another purpose: :meth:`db.bans.BanList.key_of`), with whether the account was new then.
Nobody's name, number or words; the rows go after a day (retention, db/personal_data.py).
"""

from __future__ import annotations

from db.bans import BanList
from db.statements import execute, fetch_all, fetch_one
from db.transactions import Transactions
from db.users import User

_PURPOSE = "posting\0"


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

    async def of(self, user: User, since: str) -> tuple[int, str | None]:
        """(how many, the newest) of the traces of ``user``'s erased accounts since ``since``."""
        row = await fetch_one(
            self._tx,
            "SELECT COUNT(*), MAX(created_at) FROM posting_traces"
            " WHERE key_hash = ? AND created_at >= ?",
            (await self._key(user), since),
        )
        assert row is not None
        return int(row[0]), row[1]

    async def from_new_accounts(self, since: str) -> list[str]:
        """When erased new accounts posted since ``since``, newest first."""
        rows = await fetch_all(
            self._tx,
            "SELECT created_at FROM posting_traces WHERE new_account = 1 AND created_at >= ?"
            " ORDER BY created_at DESC",
            (since,),
        )
        return [row[0] for row in rows]
