"""What people write through a help contact: relayed messages, feedback and reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import aiosqlite

from db.clock import utcnow
from db.statements import changed, execute, execute_many, fetch_all, fetch_one
from db.transactions import Transactions


@dataclass(frozen=True)
class Relayed:
    """A relayed item as its writer may still correct or take it back."""

    id: int
    request_id: int
    kind: str
    text: str
    created_at: str
    # Outbox ids of the copies at the partner's side, and of in-place corrections of them.
    copies: tuple[int, ...]
    edits: tuple[int, ...]


_RELAYED = (
    "SELECT r.id, r.request_id, r.kind, r.text, r.created_at,"
    " (SELECT group_concat(outbox_id) FROM relay_copies c WHERE c.relay_id = r.id"
    "  AND c.is_edit = 0),"
    " (SELECT group_concat(outbox_id) FROM relay_copies c WHERE c.relay_id = r.id"
    "  AND c.is_edit = 1)"
    " FROM relay_messages r"
)


def _ids(value: str | None) -> tuple[int, ...]:
    return tuple(sorted(int(part) for part in value.split(","))) if value else ()


class RelayStore:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def log_relay(
        self, request_id: int, from_user: int, kind: str, text: str, source_id: str = ""
    ) -> None:
        """Kept only until the retention job removes them with the closed request.
        ``source_id``: the platform's id of the writer's message, for edits and take-backs."""
        await execute(
            self._tx,
            "INSERT INTO relay_messages (request_id, from_user, kind, text, created_at,"
            " source_id) VALUES (?, ?, ?, ?, ?, ?)",
            (request_id, from_user, kind, text[:4000], utcnow(), source_id),
        )

    async def relayed(self, from_user: int, source_id: str) -> Relayed | None:
        """What the writer's message ``source_id`` was passed on as, if it was."""
        if not source_id:
            return None
        row = await fetch_one(
            self._tx,
            _RELAYED + " WHERE r.from_user = ? AND r.source_id = ? ORDER BY r.id DESC LIMIT 1",
            (from_user, source_id),
        )
        return _relayed(row)

    async def last_relayed(self, from_user: int, since: str) -> Relayed | None:
        """The writer's newest relayed item written at or after ``since`` that has copies
        to take back."""
        row = await fetch_one(
            self._tx,
            _RELAYED + " WHERE r.from_user = ? AND r.created_at >= ? AND EXISTS"
            " (SELECT 1 FROM relay_copies c WHERE c.relay_id = r.id AND c.is_edit = 0)"
            " ORDER BY r.id DESC LIMIT 1",
            (from_user, since),
        )
        return _relayed(row)

    async def replied_to(
        self, platform: str, chat_id: str, message_id: str
    ) -> tuple[int, int] | None:
        """(request id, writer) of the relayed item whose copy the bot sent into ``chat_id``
        as ``message_id``; None for any other message (or one whose item is gone)."""
        row = await fetch_one(
            self._tx,
            "SELECT r.request_id, r.from_user FROM relay_copies c"
            " JOIN outbox o ON o.id = c.outbox_id"
            " JOIN relay_messages r ON r.id = c.relay_id"
            " WHERE c.is_edit = 0 AND o.platform = ? AND o.chat_id = ? AND o.sent_message_id = ?"
            " ORDER BY c.outbox_id DESC LIMIT 1",
            (platform, chat_id, message_id),
        )
        return (int(row[0]), int(row[1])) if row else None

    async def add_copies(
        self, from_user: int, source_id: str, outbox_ids: Iterable[int], *, edit: bool = False
    ) -> None:
        """Remember which outbox rows carry the writer's message ``source_id``."""
        item = await self.relayed(from_user, source_id)
        if item is None:
            return
        await execute_many(
            self._tx,
            "INSERT INTO relay_copies (relay_id, outbox_id, is_edit) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            [(item.id, outbox_id, int(edit)) for outbox_id in outbox_ids],
        )

    async def correct_relay(self, relay_id: int, text: str) -> None:
        """The corrected text replaces the first one (which may be what was regretted)."""
        await execute(
            self._tx, "UPDATE relay_messages SET text = ? WHERE id = ?", (text[:4000], relay_id)
        )

    async def take_back(self, relay_id: int) -> None:
        """The item and its text are gone (its copies' map goes with it)."""
        await execute(self._tx, "DELETE FROM relay_messages WHERE id = ?", (relay_id,))

    async def save_feedback(self, request_id: int, user_id: int, role: str, text: str) -> None:
        await execute(
            self._tx,
            "INSERT INTO feedback (request_id, user_id, role, text, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (request_id, role) DO UPDATE SET"
            " user_id = excluded.user_id, text = excluded.text, created_at = excluded.created_at",
            (request_id, user_id, role, text, utcnow()),
        )

    async def report(self, reporter_id: int, subject: str, reason: str) -> bool:
        """Record a report; False if this person reported this subject before (one each)."""
        return bool(
            await changed(
                self._tx,
                "INSERT INTO reports (reporter_id, subject, reason, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (reporter_id, subject, reason, utcnow()),
            )
        )

    async def reports_about(self, subject: str) -> list[tuple[int | None, str]]:
        """Every report about ``subject`` as (reporter, reason), oldest first (the reporter
        is None once erased)."""
        rows = await fetch_all(
            self._tx,
            "SELECT reporter_id, reason FROM reports WHERE subject = ? ORDER BY id",
            (subject,),
        )
        return [(row[0], row[1]) for row in rows]

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
            "INSERT INTO notices (kind, subject, outbox_id) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (kind, subject, outbox_id),
        )

    async def drop_notice_posts(self, kind: str, subject: str) -> None:
        """Forget the posts about ``subject`` (a newer one takes their place); the outbox
        rows themselves stay for the retention job."""
        await execute(
            self._tx, "DELETE FROM notices WHERE kind = ? AND subject = ?", (kind, subject)
        )


def _relayed(row: aiosqlite.Row | None) -> Relayed | None:
    if row is None:
        return None
    return Relayed(row[0], row[1], row[2], row[3], row[4], _ids(row[5]), _ids(row[6]))
