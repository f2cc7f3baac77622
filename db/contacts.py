"""What people write through a help contact: relayed messages, feedback and reports."""

from __future__ import annotations

from typing import Any

from db.clock import utcnow
from db.rows import changed, execute, execute_all, fetch_all, fetch_one
from db.transactions import Transactions


class ContactStore:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def log_relay(self, request_id: int, from_user: int, kind: str, text: str) -> None:
        """Kept only until the retention job removes them with the closed request."""
        await execute(
            self._tx,
            "INSERT INTO relay_messages (request_id, from_user, kind, text, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (request_id, from_user, kind, text[:4000], utcnow()),
        )

    async def save_feedback(self, request_id: int, user_id: int, role: str, text: str) -> None:
        await execute(
            self._tx,
            "INSERT OR REPLACE INTO feedback (request_id, user_id, role, text, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (request_id, user_id, role, text[:1000], utcnow()),
        )

    async def report(self, reporter_id: int, subject: str, reason: str) -> bool:
        """Record a report; False if this person reported this subject before (one each)."""
        return bool(
            await changed(
                self._tx,
                "INSERT OR IGNORE INTO reports (reporter_id, subject, reason, created_at)"
                " VALUES (?, ?, ?, ?)",
                (reporter_id, subject, reason[:1000], utcnow()),
            )
        )

    async def has_reported(self, reporter_id: int, subject: str) -> bool:
        row = await fetch_one(
            self._tx,
            "SELECT 1 FROM reports WHERE reporter_id = ? AND subject = ?",
            (reporter_id, subject),
        )
        return row is not None

    async def notice_posts(self, kind: str, subject: str) -> list[int]:
        """Outbox ids of the backchannel notices about ``subject`` (e.g. a volunteer to
        confirm), so that a repeated notice replaces them instead of adding another."""
        rows = await fetch_all(
            self._tx,
            "SELECT outbox_id FROM notices WHERE kind = ? AND subject = ? ORDER BY outbox_id",
            (kind, subject),
        )
        return [row[0] for row in rows]

    async def forget_notices(self, subject: str) -> None:
        """The account is gone: nothing about it is kept to be replaced later."""
        await execute(self._tx, "DELETE FROM notices WHERE subject = ?", (subject,))

    async def add_notice_post(self, kind: str, subject: str, outbox_id: int) -> None:
        await execute(
            self._tx,
            "INSERT OR IGNORE INTO notices (kind, subject, outbox_id) VALUES (?, ?, ?)",
            (kind, subject, outbox_id),
        )

    async def written_by(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Everything the person wrote here, for /mydata."""
        found: dict[str, list[dict[str, Any]]] = {}
        for key, sql in (
            (
                "relay_messages",
                "SELECT request_id, kind, text, created_at FROM relay_messages WHERE from_user = ?",
            ),
            (
                "feedback",
                "SELECT request_id, role, text, created_at FROM feedback WHERE user_id = ?",
            ),
            ("reports", "SELECT subject, reason, created_at FROM reports WHERE reporter_id = ?"),
        ):
            found[key] = [dict(row) for row in await fetch_all(self._tx, sql, (user_id,))]
        return found

    async def blank_texts(self, user_id: int) -> None:
        """Erase what the person wrote; the rows stay for the requests' history."""
        await execute_all(
            self._tx,
            [
                ("UPDATE relay_messages SET text = '' WHERE from_user = ?", (user_id,)),
                ("UPDATE feedback SET text = '' WHERE user_id = ?", (user_id,)),
                ("UPDATE reports SET reason = '' WHERE reporter_id = ?", (user_id,)),
            ],
        )
