"""Login links and sessions of the web desk.

The secrets themselves go to the person (the link) and to their browser (the cookie);
only their SHA-256 is stored. A link is spent by one conditional UPDATE, so of two
browsers opening it at once exactly one gets a session.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from db.clock import to_text
from db.statements import changed, execute, fetch_one
from db.transactions import Transactions

LOGIN_VALID = timedelta(minutes=10)
SESSION_VALID = timedelta(hours=12)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DeskSession:
    user_id: int
    csrf: str
    expires_at: str


class DeskStore:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def issue_login(self, user_id: int, now: datetime) -> str:
        token = secrets.token_urlsafe(32)
        await execute(
            self._tx,
            "INSERT INTO desk_logins (token_hash, user_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (_hash(token), user_id, to_text(now), to_text(now + LOGIN_VALID)),
        )
        return token

    async def redeem_login(self, token: str, now: datetime) -> int | None:
        """The user the link was for, if it is unused and still valid; spent either way."""
        key = _hash(token)
        spent = await changed(
            self._tx,
            "UPDATE desk_logins SET used_at = ? WHERE token_hash = ? AND used_at IS NULL"
            " AND expires_at > ?",
            (to_text(now), key, to_text(now)),
        )
        if not spent:
            return None
        row = await fetch_one(
            self._tx, "SELECT user_id FROM desk_logins WHERE token_hash = ?", (key,)
        )
        return int(row[0]) if row else None

    async def login_is_open(self, token: str, now: datetime) -> bool:
        row = await fetch_one(
            self._tx,
            "SELECT 1 FROM desk_logins WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
            (_hash(token), to_text(now)),
        )
        return row is not None

    async def open_session(self, user_id: int, now: datetime) -> tuple[str, DeskSession]:
        session_id = secrets.token_urlsafe(32)
        session = DeskSession(user_id, secrets.token_urlsafe(32), to_text(now + SESSION_VALID))
        await execute(
            self._tx,
            "INSERT INTO desk_sessions (id_hash, user_id, csrf, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (_hash(session_id), user_id, session.csrf, to_text(now), session.expires_at),
        )
        return session_id, session

    async def session(self, session_id: str, now: datetime) -> DeskSession | None:
        row = await fetch_one(
            self._tx,
            "SELECT user_id, csrf, expires_at FROM desk_sessions"
            " WHERE id_hash = ? AND expires_at > ?",
            (_hash(session_id), to_text(now)),
        )
        return DeskSession(int(row[0]), row[1], row[2]) if row else None

    async def close_session(self, session_id: str) -> None:
        await execute(self._tx, "DELETE FROM desk_sessions WHERE id_hash = ?", (_hash(session_id),))

    async def close_all(self, user_id: int) -> int:
        """Every session and unused link of a person ("log out everywhere")."""
        return await close_all(self._tx, user_id)


async def close_all(transactions: Transactions, user_id: int) -> int:
    """End every desk session and unused login link of a person: also called by the user
    store when a ban or a removed role ends their staff powers, so that lifting the ban or
    giving the role back does not bring old sessions and links back to life."""
    async with transactions.transaction(savepoint=False):
        await execute(
            transactions,
            "DELETE FROM desk_logins WHERE user_id = ? AND used_at IS NULL",
            (user_id,),
        )
        return await changed(
            transactions, "DELETE FROM desk_sessions WHERE user_id = ?", (user_id,)
        )
