"""What people write through a help contact: relayed messages, feedback and reports."""

from __future__ import annotations

from db.clock import utcnow
from db.rows import changed, execute, fetch_all, fetch_one
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

    async def add_notice_post(self, kind: str, subject: str, outbox_id: int) -> None:
        await execute(
            self._tx,
            "INSERT OR IGNORE INTO notices (kind, subject, outbox_id) VALUES (?, ?, ?)",
            (kind, subject, outbox_id),
        )
