"""Strangers' Olm messages held past the hour's budget (decrypt_budget.py), kept in the
database (table ``matrix_held_olm``, migration 0054): a restart no longer loses them, and
with them the room keys their senders' later messages need.

A row is a to-device event as the homeserver sent it (Olm ciphertext for the bot's device),
numbered in the order held; held ones are tried again oldest first. Bounded per sender and
overall (``[matrix] olm_per_stranger``, ``olm_strangers``): beyond, the oldest go first,
counted for the coordinators (decrypt_budget.py ``dropped``). A held message is deleted
only once it was handled and the sync's checkpoint saved the keys it brought
(transport.py): a crash before that tries it again rather than losing it. The digest holds a
message once when a sync is handled again after a crash.

How it works with the budget, per sync: :func:`take` - the held ones when due, then the
sync's, through ``DecryptBudget.admit``; what is held now is written before matrix-nio
decrypts anything.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import nio

from bot.transports.matrix.decrypt_budget import DecryptBudget, Held
from db.clock import utcnow
from db.statements import execute, fetch_all
from db.transactions import Transactions

log = logging.getLogger(__name__)


def _digest(source: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(source, sort_keys=True).encode()).hexdigest()


class HeldOlm:
    """The held Olm messages of one city's database."""

    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def waiting(self) -> list[Held]:
        """Every held message, oldest first. A row that is no Olm event any more (written
        by hand, a future format) is deleted: it could never be decrypted."""
        held, unreadable = [], []
        for row in await fetch_all(self._tx, "SELECT id, event FROM matrix_held_olm ORDER BY id"):
            try:
                event = nio.ToDeviceEvent.parse_encrypted_event(json.loads(row[1]))
            except Exception:  # whatever a row held, it is unreadable
                event = None
            if isinstance(event, nio.OlmEvent):
                held.append(Held(row[0], event))
            else:
                unreadable.append(row[0])
        if unreadable:
            await self.release(unreadable)
            log.warning("matrix: dropped %d unreadable held Olm messages", len(unreadable))
        return held

    async def senders(self, but: Sequence[int] = ()) -> set[str]:
        """Who has a message held, ``but`` those (handled, not yet released): their room
        messages wait for it. The rows are bounded (``olm_strangers``)."""
        rows = await fetch_all(self._tx, "SELECT id, sender FROM matrix_held_olm")
        handled = set(but)
        return {row[1] for row in rows if row[0] not in handled}

    async def hold(
        self,
        events: Sequence[nio.OlmEvent],
        per_sender: int,
        overall: int,
        handled: Sequence[int] = (),
    ) -> int:
        """Hold ``events`` (in order, after those held already), then keep at most
        ``per_sender`` of each sender and ``overall`` in all, dropping the oldest: how many
        were dropped. ``handled``: held ones the same sync lets through, neither counted nor
        dropped - until its checkpoint saved their keys they are all that holds those keys
        (a crash there tries them again), and they go then (:meth:`release`)."""
        async with self._tx.transaction():
            for event in events:
                await execute(
                    self._tx,
                    "INSERT INTO matrix_held_olm (sender, event, digest, held_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING",
                    (event.sender, json.dumps(event.source), _digest(event.source), utcnow()),
                )
            senders = {event.sender for event in events}
            kept = set(handled)
            mine: dict[str, int] = {}
            left, dropped = 0, []
            # The rows are bounded (``olm_strangers``, with those of one sync beside them).
            rows = await fetch_all(
                self._tx, "SELECT id, sender FROM matrix_held_olm ORDER BY id DESC"
            )
            for row_id, sender in rows:
                if row_id in kept:
                    continue
                if sender in senders:
                    mine[sender] = mine.get(sender, 0) + 1
                    if mine[sender] > per_sender:
                        dropped.append(row_id)
                        continue
                left += 1
                if left > overall:
                    dropped.append(row_id)
            await self._delete(dropped)
        return len(dropped)

    async def release(self, ids: Sequence[int]) -> None:
        """The held messages ``ids`` were handled (their keys saved): no longer held."""
        async with self._tx.transaction():
            await self._delete(ids)

    async def _delete(self, ids: Sequence[int]) -> None:
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            await execute(self._tx, f"DELETE FROM matrix_held_olm WHERE id IN ({marks})", chunk)


async def take(
    budget: DecryptBudget,
    store: HeldOlm,
    events: list[Any],
    learn: Callable[[list[str]], Awaitable[None]],
) -> tuple[list[Any], list[int]]:
    """A sync's to-device ``events`` as they are to be handled now, and the held messages
    handled with them (to be released once the sync's checkpoint saved their keys): the
    held ones first when due (a new hour, or the first sync of this process), within the
    hour's budget; what is past it is held, in the database before anything is decrypted.
    ``learn`` asks where senders stand."""
    due = budget.held_due()
    waiting = await store.waiting() if due else []
    senders = [e.sender for e in events if isinstance(e, nio.OlmEvent)]
    await learn(senders + [held.event.sender for held in waiting])
    admission = budget.admit(events, waiting)
    if admission.held:
        limits = budget.limits
        dropped = await store.hold(
            admission.held, limits.olm_per_stranger, limits.olm_strangers, admission.released
        )
        if dropped:
            log.warning("matrix: dropped %d held Olm messages of strangers, the oldest", dropped)
            budget.note_dropped(dropped)
    # Read again whenever the held ones were due: rows may have gone unhandled (retention,
    # an erasure, an unreadable one), and their senders' room messages are read again.
    if due or admission.held:
        budget.holding = await store.senders(but=admission.released)
    return admission.events, admission.released
