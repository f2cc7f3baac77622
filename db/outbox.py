"""The persistent outbox: messages for other people, delivered with retries after commit."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.clock import to_text, utcnow
from db.personal_data import forget_settled_messages
from db.postgres import process_gone
from db.statements import changed, execute, fetch_all, fetch_one
from db.transactions import SqliteTransactions, Transactions


@dataclass(frozen=True)
class Sent:
    """An earlier outbox message as a later change to it needs it."""

    payload: dict[str, Any]
    sent_at: str | None
    failed_at: str | None


@dataclass(frozen=True)
class OutboxItem:
    id: int
    platform: str
    chat_id: str
    payload: dict[str, Any]
    attempts: int
    # Whom it is for and whose words it carries (a speech of it goes with the same).
    recipient_id: int | None = None
    about: str = ""


# A claim's process is gone: its process lock (bot/cluster.py) is no longer in pg_locks.
_CLAIMANT_GONE = process_gone("o.claimed_by")

# A send under way is leased. The lock's connection can go after ``begin_attempt``'s check,
# while the send is under way: the process lives and its send goes out, yet its claim looks
# free. So ``begin_attempt`` records, on the database's clock, when the send began
# (``attempt_started_at``) and when its lease ends (``next_attempt_at``: the send's own
# bound, which the worker cuts it off at - bot/delivery.py - plus this margin; renewed by
# ``renew_lease`` while the process holds its claim and lock, so a slow send is not cut
# off); another process takes over a message whose send had begun only once that moment has
# passed (then in doubt, as after a crash), so a dead process's message waits a lease from
# its last renewal, not longer. The margin covers what the process's timer may lag behind
# (a busy event loop, the bytes of a request written just before its end) and the stored
# time's second precision.
LEASE_MARGIN_SECONDS = 5
# The database's clock as stored timestamps are written (db/clock.py ``to_text``); the
# processes' clocks may differ from it and from each other.
_AS_STORED = '\'YYYY-MM-DD"T"HH24:MI:SS"Z"\''
_DB_NOW = f"to_char(clock_timestamp() AT TIME ZONE 'UTC', {_AS_STORED})"
_LEASE_END = (
    f"to_char(clock_timestamp() AT TIME ZONE 'UTC' + make_interval(secs => ?), {_AS_STORED})"
)
_LEASE_OVER = f"(o.attempt_started_at IS NULL OR o.next_attempt_at < {_DB_NOW})"

# An earlier undelivered message ``e`` of the same chat holds a later one back only while it
# is in line: due, or tried before (a retry keeps its place, so messages arrive in the order
# written). One held back for the reader's quiet hours and never tried is not in line: it
# holds back nothing (a relayed "I am at the door" must not wait for a held offer), and
# goes out when its time comes. The placeholder is the same ``now``.
_IN_LINE = "(e.next_attempt_at <= ? OR e.attempts > 0 OR e.attempt_started_at IS NOT NULL)"


def _owned(claimant: int, dialect: str) -> tuple[str, tuple[int, ...]]:
    """The fence of an outcome's update (sent, retry later, given up) and its parameter:
    with several processes, only the process whose claim the item is (``claimed_by``)
    records how its try went. A process that lost its lock's connection while sending
    finds its claims taken by another process, which sends them: its late outcome must
    change nothing (not mark the other's send as done, nor push it back). No claimant
    or SQLite (one process, which claims nothing): no fence."""
    if claimant and dialect == "postgresql":
        return " AND claimed_by = ?", (claimant,)
    return "", ()


_HIGHEST_ID = (
    "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0),"
    " COALESCE((SELECT MAX(id) FROM outbox), 0))"
)


# A message that carries a secret (a code to text back, bot/transports/sms/transport.py
# ``_queue``) is stored with this key in its payload: it keeps its body while it is
# not confirmed sent (a failed try, a crash, sends it again), and the statement that marks
# it sent or given up clears it (:data:`_SECRET_FORGOTTEN`), so that the code does not
# wait in plain text for the retention. Readers never see the key (:func:`_payload`).
_SECRET = "secret"
_SECRET_FORGOTTEN = (
    f"payload = CASE WHEN json_extract(payload, '$.{_SECRET}') IS NULL THEN payload ELSE '{{}}' END"
)


def _payload(stored: str) -> dict[str, Any]:
    """A stored payload as its message's encoding (without the secret's mark)."""
    payload: dict[str, Any] = json.loads(stored or "{}")
    payload.pop(_SECRET, None)
    return payload


def _item(row: Any) -> OutboxItem:
    return OutboxItem(row[0], row[1], row[2], _payload(row[3]), row[4], row[5], row[6])


# How much of a failure's reason an item keeps (last_error): what refused_since compares too.
ERROR_KEPT = 200


class OutboxStore:
    """Outbox ids are referred to after their row is written (an offer or a backchannel post
    is edited later by id), so an id is never handed out twice: not after its row was
    deleted (AUTOINCREMENT), not after the insert was rolled back (SQLite would give the
    same max + 1 again, and an edit meant for the rolled-back message would hit the next
    one), and not by two processes on one database (``python -m bot web`` or the console
    beside ``run``). Each id is therefore taken inside the write transaction (which holds
    SQLite's write lock, so no other process inserts meanwhile) past the highest id ever
    committed by anyone and past the highest this process ever took."""

    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions
        self._last_id = 0

    async def enqueue(
        self,
        platform: str,
        chat_id: str,
        payload: dict[str, Any],
        not_before: datetime | None = None,
        *,
        recipient_id: int | None = None,
        about: str = "",
        secret: bool = False,
    ) -> int:
        """Queue a message; call it inside the transaction of the change that causes it.
        ``not_before`` holds it back (a volunteer's quiet hours); ``recipient_id`` (the
        person it is for) and ``about`` (whose words or data it carries, see
        db/data_rights.about_value) let erasure find it; ``secret``: it carries a code,
        cleared once it is sent or given up (:data:`_SECRET`)."""
        now = utcnow()
        if secret:
            payload = {_SECRET: True, **payload}
        values = (
            platform,
            chat_id,
            json.dumps(payload, ensure_ascii=False),
            now,
            to_text(not_before) if not_before else now,
            recipient_id,
            about,
        )

        def insert(conn: sqlite3.Connection) -> int:
            highest = conn.execute(_HIGHEST_ID).fetchone()[0] or 0
            new_id = max(self._last_id, int(highest)) + 1
            conn.execute(
                "INSERT INTO outbox (id, platform, chat_id, payload, created_at,"
                " next_attempt_at, recipient_id, about) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (new_id, *values),
            )
            self._last_id = new_id
            return new_id

        async with self._tx.transaction(savepoint=False):
            if self._tx.dialect == "postgresql":
                # An identity sequence: never the same id twice, whoever inserts, committed
                # or not.
                row = await fetch_one(
                    self._tx,
                    "INSERT INTO outbox (platform, chat_id, payload, created_at,"
                    " next_attempt_at, recipient_id, about) VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " RETURNING id",
                    values,
                )
                assert row is not None
                return int(row[0])
            assert isinstance(self._tx, SqliteTransactions)
            return await self._tx.run(insert)

    async def due(
        self, now: datetime, platforms: list[str], limit: int = 50, *, claimant: int = 0
    ) -> list[OutboxItem]:
        """The messages to send now: the oldest undelivered one of each chat that is in
        line (see ``_IN_LINE``: one held for quiet hours holds back nothing), if due.
        With several processes (PostgreSQL, ``claimant`` = this process's key, see
        bot/cluster.py) they are claimed for this process, so no other sends them or
        anything after them in their chats meanwhile."""
        if not platforms:
            return []
        if claimant and self._tx.dialect == "postgresql":
            return await self._claim(now, platforms, limit, claimant)
        marks = ",".join("?" * len(platforms))
        # Only the oldest undelivered item of each chat: messages arrive in the order written.
        rows = await fetch_all(
            self._tx,
            "SELECT id, platform, chat_id, payload, attempts, recipient_id, about FROM outbox o"
            " WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?"
            f" AND platform IN ({marks}) AND NOT EXISTS ("
            "  SELECT 1 FROM outbox e WHERE e.platform = o.platform AND e.chat_id = o.chat_id"
            f"  AND e.sent_at IS NULL AND e.failed_at IS NULL AND e.id < o.id AND {_IN_LINE})"
            " ORDER BY id LIMIT ?",
            (to_text(now), *platforms, to_text(now), limit),
        )
        return [_item(r) for r in rows]

    async def _claim(
        self, now: datetime, platforms: list[str], limit: int, claimant: int
    ) -> list[OutboxItem]:
        # A claim holds while its process lives: its process lock (bot/cluster.py) is in
        # pg_locks exactly as long as the process's connection. A message claimed by a
        # process that is gone is claimable again - one whose send had begun once that
        # send's lease is over (``_LEASE_OVER``: the process may only have lost its lock's
        # connection and still be sending), and then in doubt: it may have gone out.
        # SKIP LOCKED: two processes claiming at once take different chats' heads instead
        # of waiting for each other.
        marks = ",".join("?" * len(platforms))
        rows = await fetch_all(
            self._tx,
            "UPDATE outbox SET claimed_by = ?,"
            " in_doubt = CASE WHEN attempt_started_at IS NOT NULL THEN 1 ELSE in_doubt END"
            " WHERE id IN (SELECT o.id FROM outbox o"
            "  WHERE o.sent_at IS NULL AND o.failed_at IS NULL AND o.next_attempt_at <= ?"
            f"  AND o.platform IN ({marks})"
            f"  AND (o.claimed_by IS NULL OR o.claimed_by = ?"
            f"   OR ({_CLAIMANT_GONE} AND {_LEASE_OVER}))"
            "  AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.platform = o.platform"
            "   AND e.chat_id = o.chat_id AND e.sent_at IS NULL AND e.failed_at IS NULL"
            f"   AND e.id < o.id AND {_IN_LINE})"
            "  ORDER BY o.id LIMIT ? FOR UPDATE SKIP LOCKED)"
            " RETURNING id, platform, chat_id, payload, attempts, recipient_id, about",
            (claimant, to_text(now), *platforms, claimant, to_text(now), limit),
        )
        rows.sort(key=lambda r: r[0])
        return [_item(r) for r in rows]

    async def take_slot(self, platform: str, interval: float) -> float:
        """The next sending slot of a bot, shared by all processes: how many seconds to
        wait for it. One row per bot, moved on by ``interval`` per message, by the
        database's clock (the processes' clocks may differ)."""
        row = await fetch_one(
            self._tx,
            "INSERT INTO send_pace (platform, next_slot) VALUES"
            " (?, EXTRACT(EPOCH FROM clock_timestamp()) + ?)"
            " ON CONFLICT (platform) DO UPDATE SET next_slot ="
            " GREATEST(send_pace.next_slot, EXTRACT(EPOCH FROM clock_timestamp())) + ?"
            " RETURNING next_slot - ? - EXTRACT(EPOCH FROM clock_timestamp())",
            (platform, interval, interval, interval),
        )
        return max(0.0, float(row[0])) if row is not None else 0.0

    async def begin_attempt(
        self, item_id: int, *, claimant: int = 0, lease_seconds: float = 0.0
    ) -> bool:
        """Recorded (and committed) before the network call, so that a crash during it is
        known at the next start. False, and the item is not to be sent, once it is settled
        or gone (erased). With ``claimant`` (PostgreSQL, :meth:`_lease`): only while the
        item is still this process's claim and its process lock still held; False
        otherwise - the lock's connection was lost (a network blip, a server
        restart), so another process may have claimed the item meanwhile and be sending
        it. This is the check closest to the send, in the write it needs anyway. The lock
        may still go during the send: ``lease_seconds`` is how long the send may take at
        most (the caller cuts it off then, counted from before this call), and no other
        process takes the item over before that and ``LEASE_MARGIN_SECONDS`` have passed
        on the database's clock (``_claim``)."""
        if claimant and self._tx.dialect == "postgresql":
            return await self._lease(item_id, claimant, lease_seconds, begins=True)
        # One process: the item may still have been settled, or its person erased, since
        # it was picked (a voice made, the pace waited for) - then nothing is sent.
        async with self._tx.single_statement():
            return (
                await changed(
                    self._tx,
                    "UPDATE outbox SET attempt_started_at = ? WHERE id = ?"
                    " AND sent_at IS NULL AND failed_at IS NULL",
                    (utcnow(), item_id),
                )
                > 0
            )

    async def renew_lease(self, item_id: int, *, claimant: int, lease_seconds: float) -> bool:
        """Move the lease of a send under way (``begin_attempt``) on: it ends
        ``lease_seconds`` and the margin from now, on the database's clock. Only while the
        item is still this process's claim, its send not settled and its process lock held
        (as ``begin_attempt``); False otherwise, and the caller's cut-off stays where it was."""
        return await self._lease(item_id, claimant, lease_seconds, begins=False)

    async def _lease(
        self, item_id: int, claimant: int, lease_seconds: float, *, begins: bool
    ) -> bool:
        """The one write of a send's lease (PostgreSQL): its end set ``lease_seconds`` and
        ``LEASE_MARGIN_SECONDS`` from now on the database's clock, only while the item is
        this process's claim, not settled, and its process lock is held. ``begins``: the
        send begins now (its start recorded); else one under way is renewed."""
        started = f"attempt_started_at = {_DB_NOW}, " if begins else ""
        under_way = "" if begins else " AND attempt_started_at IS NOT NULL"
        async with self._tx.single_statement():
            return (
                await changed(
                    self._tx,
                    f"UPDATE outbox o SET {started}next_attempt_at = {_LEASE_END} WHERE id = ?"
                    " AND claimed_by = ? AND sent_at IS NULL AND failed_at IS NULL"
                    f"{under_way} AND NOT {_CLAIMANT_GONE}",
                    (lease_seconds + LEASE_MARGIN_SECONDS, item_id, claimant),
                )
                > 0
            )

    async def flag_interrupted(self) -> int:
        """At start-up: sends that were under way when the process died are in doubt."""
        if self._tx.dialect == "postgresql":
            # Other processes may be sending right now: theirs are not in doubt. (A dead
            # process's are also flagged when they are claimed again, see _claim.)
            async with self._tx.single_statement():
                return await changed(
                    self._tx,
                    "UPDATE outbox o SET in_doubt = 1 WHERE attempt_started_at IS NOT NULL"
                    " AND sent_at IS NULL AND failed_at IS NULL"
                    f" AND (claimed_by IS NULL OR {_CLAIMANT_GONE})",
                )
        async with self._tx.single_statement():
            return await changed(
                self._tx,
                "UPDATE outbox SET in_doubt = 1 WHERE attempt_started_at IS NOT NULL"
                " AND sent_at IS NULL AND failed_at IS NULL",
            )

    async def mark_sent(self, item_id: int, message_id: str | None, *, claimant: int = 0) -> bool:
        """Mark the item sent; False if it is gone (its person was erased meanwhile) or,
        with ``claimant``, no longer this process's claim (see :func:`_owned`)."""
        fence, owner = _owned(claimant, self._tx.dialect)
        async with self._tx.single_statement():
            return (
                await changed(
                    self._tx,
                    "UPDATE outbox SET sent_at = ?, sent_message_id = ?, attempts = attempts + 1,"
                    f" claimed_by = NULL, {_SECRET_FORGOTTEN} WHERE id = ?{fence}",
                    (utcnow(), message_id, item_id, *owner),
                )
                > 0
            )

    async def retry_later(
        self,
        item_id: int,
        when: datetime,
        error: str,
        *,
        in_doubt: bool = False,
        claimant: int = 0,
    ) -> None:
        """Try again at ``when``; ``in_doubt``: the failed try may have gone out. With
        ``claimant``: only while it is this process's claim (see :func:`_owned`)."""
        fence, owner = _owned(claimant, self._tx.dialect)
        async with self._tx.single_statement():
            await execute(
                self._tx,
                "UPDATE outbox SET next_attempt_at = ?, attempts = attempts + 1, last_error = ?,"
                " attempt_started_at = NULL, claimed_by = NULL,"
                f" in_doubt = CASE WHEN ? THEN 1 ELSE in_doubt END WHERE id = ?{fence}",
                (to_text(when), error[:ERROR_KEPT], in_doubt, item_id, *owner),
            )

    async def give_up(self, item_id: int, error: str, *, claimant: int = 0) -> None:
        """Never to be tried again. With ``claimant``: only while it is this process's
        claim (see :func:`_owned`)."""
        fence, owner = _owned(claimant, self._tx.dialect)
        async with self._tx.single_statement():
            await execute(
                self._tx,
                "UPDATE outbox SET failed_at = ?, attempts = attempts + 1, last_error = ?,"
                f" claimed_by = NULL, {_SECRET_FORGOTTEN} WHERE id = ?{fence}",
                (utcnow(), error[:ERROR_KEPT], item_id, *owner),
            )

    async def refused_since(
        self, recipient_id: int, platform: str, chat_id: str, error: str, since: str
    ) -> int:
        """How many messages to ``recipient_id`` in ``chat_id`` on ``platform`` were given
        up with ``error`` (as :meth:`give_up` kept it) at or after ``since`` (a stored
        time): the first refusal of a kind since the person was last seen is 1."""
        row = await fetch_one(
            self._tx,
            "SELECT COUNT(*) FROM outbox WHERE recipient_id = ? AND platform = ? AND chat_id = ?"
            " AND last_error = ? AND failed_at >= ?",
            (recipient_id, platform, chat_id, error[:ERROR_KEPT], since),
        )
        return int(row[0]) if row else 0

    async def hold_until(self, item_ids: list[int], when: datetime) -> int:
        """Move the time of these never-tried items to ``when`` (a held offer whose reader
        changed her quiet hours: now, or the new end); how many were moved. One whose
        sending is under way or done is left as it is."""
        if not item_ids:
            return 0
        marks = ",".join("?" * len(item_ids))
        return await changed(
            self._tx,
            f"UPDATE outbox SET next_attempt_at = ? WHERE id IN ({marks}) AND sent_at IS NULL"
            " AND failed_at IS NULL AND attempts = 0 AND attempt_started_at IS NULL",
            (to_text(when), *item_ids),
        )

    async def drop_unsent(self, item_ids: list[int], why: str) -> set[int]:
        """Give up those of these items that were never tried (an offer held for quiet hours
        whose request was taken meanwhile): they are not delivered. The ids dropped; one
        whose sending is under way or done is left as it is."""
        if not item_ids:
            return set()
        marks = ",".join("?" * len(item_ids))
        rows = await fetch_all(
            self._tx,
            "UPDATE outbox SET failed_at = ?, last_error = ? WHERE id IN"
            f" ({marks}) AND sent_at IS NULL AND failed_at IS NULL AND attempts = 0"
            " AND attempt_started_at IS NULL AND claimed_by IS NULL RETURNING id",
            (utcnow(), why[:ERROR_KEPT], *item_ids),
        )
        return {int(row[0]) for row in rows}

    async def replace_held(
        self, item_id: int, payload: dict[str, Any], about: str, now: datetime
    ) -> bool:
        """Give an item held back and never tried (an offer waiting for the end of quiet
        hours) new content, instead of an edit that would wait for it in line and hold
        back its chat; False if it is not such an item."""
        count = await changed(
            self._tx,
            "UPDATE outbox SET payload = ?, about = ? WHERE id = ? AND sent_at IS NULL"
            " AND failed_at IS NULL AND attempts = 0 AND attempt_started_at IS NULL"
            " AND claimed_by IS NULL AND next_attempt_at > ?",
            (json.dumps(payload, ensure_ascii=False), about, item_id, to_text(now)),
        )
        return count > 0

    async def state(self, item_id: int) -> tuple[str | None, str | None, str | None] | None:
        """(sent_message_id, sent_at, failed_at) of an item; None if it is gone (erased with
        its recipient, or pruned)."""
        row = await fetch_one(
            self._tx,
            "SELECT sent_message_id, sent_at, failed_at FROM outbox WHERE id = ?",
            (item_id,),
        )
        return None if row is None else (row[0], row[1], row[2])

    async def sent(self, item_id: int) -> Sent | None:
        """What an item carried (``{}`` once its content was cleared) and when it went out;
        None if it is gone."""
        row = await fetch_one(
            self._tx, "SELECT payload, sent_at, failed_at FROM outbox WHERE id = ?", (item_id,)
        )
        return None if row is None else Sent(_payload(row[0]), row[1], row[2])

    async def forget(self, item_ids: list[int]) -> None:
        """Clear the content of those of these items that went out or were given up (a
        relayed message its writer took back); undelivered ones keep it until sent."""
        if item_ids:
            marks = ",".join("?" * len(item_ids))
            await execute(self._tx, forget_settled_messages(f"id IN ({marks})"), item_ids)

    async def target(self, item_id: int) -> tuple[str, str] | None:
        """(platform, chat_id) an item goes to."""
        row = await fetch_one(
            self._tx, "SELECT platform, chat_id FROM outbox WHERE id = ?", (item_id,)
        )
        return None if row is None else (row[0], row[1])

    async def pending(self) -> int:
        row = await fetch_one(
            self._tx, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        )
        assert row is not None
        return int(row[0])

    async def waiting(self, platform: str, chat_id: str, now: datetime) -> list[OutboxItem]:
        """A chat's undelivered items, oldest first: those due, and those tried before
        (a phone person's call-back speaks all of them in one call)."""
        rows = await fetch_all(
            self._tx,
            "SELECT id, platform, chat_id, payload, attempts, recipient_id, about FROM outbox"
            " WHERE platform = ? AND chat_id = ? AND sent_at IS NULL AND failed_at IS NULL"
            " AND (next_attempt_at <= ? OR attempts > 0) ORDER BY id",
            (platform, chat_id, to_text(now)),
        )
        return [_item(r) for r in rows]
