"""The answered marks of updates handled at the same time, written together.

A transport marks an update's kept answers sent once they are out (handlers/updates/
kept_answers.py, db/users.py ``mark_answered``). With several chats' updates handled at once
(db/postgres.py ``updates_at_once``) their marks come close together: a mark that comes
while another is being written waits for the next write, which takes every mark waiting by
then - on PostgreSQL one round trip for several updates instead of one each
(bench/postgres_bench.py counts them). Each caller still returns only once its own mark is
written, so a process that dies before that sends the answer again at its next start, as
before; a write that fails fails each of its callers. A mark that finds nothing being
written is written at once, as it always was; so is one made in the caller's own
transaction, in it (it commits with what came with it).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

from db.clock import utcnow
from db.statements import execute
from db.transactions import Transactions

# Updates marked in one statement at most (each one bound parameter).
MAX_TOGETHER = 100

Mark = tuple[str, str]  # (platform, update_id)


def marked_sql(count: int) -> str:
    """The statement that marks ``count`` updates of one platform answered: answered, an
    update keeps only its number (against redelivery), neither its answers nor its chat."""
    ids = "update_id = ?" if count == 1 else f"update_id IN ({','.join('?' * count)})"
    return (
        "UPDATE processed_updates SET answered_at = ?, replies = NULL, chat_id = NULL"
        f" WHERE platform = ? AND {ids}"
    )


class AnsweredMarks:
    """The marks of one database (``tx``); ``clock`` gives the time written with them."""

    def __init__(self, tx: Transactions, clock: Callable[[], str] = utcnow) -> None:
        self._tx = tx
        self._clock = clock
        self._writing = False
        self._waiting: list[tuple[Mark, asyncio.Future[None]]] = []
        # The write of the waiting marks under way (kept: a task nobody holds may be
        # collected before it ends).
        self._task: asyncio.Task[None] | None = None

    async def mark(self, platform: str, update_id: str) -> None:
        """Mark the update answered; returns once the mark is written."""
        if self._tx.in_own_transaction():
            # The caller's transaction holds what comes with the mark (the speech it queues:
            # handlers/updates/kept_answers.py): written in it, at once, committed or undone
            # with it. Left to the next write it would be committed apart - and on SQLite
            # that write waits for this very transaction to end.
            await self._write([(platform, update_id)])
            return
        if self._writing:
            written = asyncio.get_running_loop().create_future()
            self._waiting.append(((platform, update_id), written))
            await written
            return
        self._writing = True
        try:
            await self._write([(platform, update_id)])
        finally:
            self._next()

    def _next(self) -> None:
        """The marks that waited go in one write of their own; else nothing is written."""
        if not self._waiting:
            self._writing = False
            return
        waiting, self._waiting = self._waiting, []
        self._task = asyncio.create_task(self._write_waiting(waiting))

    async def _write_waiting(self, waiting: list[tuple[Mark, asyncio.Future[None]]]) -> None:
        try:
            await self._write([mark for mark, _ in waiting])
        except BaseException as exc:
            for _, written in waiting:
                if written.done():
                    continue
                if isinstance(exc, Exception):
                    written.set_exception(exc)
                else:
                    written.cancel()
            if not isinstance(exc, Exception):
                raise
        else:
            for _, written in waiting:
                if not written.done():
                    written.set_result(None)
        finally:
            self._next()

    async def _write(self, marks: list[Mark]) -> None:
        now = self._clock()
        for platform, group in itertools.groupby(sorted(marks), key=lambda mark: mark[0]):
            ids = [update_id for _, update_id in group]
            for start in range(0, len(ids), MAX_TOGETHER):
                chunk = ids[start : start + MAX_TOGETHER]
                # One statement: no BEGIN/COMMIT round trips, but the lock, so that it does
                # not land inside another task's open transaction. Inline: a few indexed
                # rows, written after every update (db/transactions.py).
                async with self._tx.single_statement(inline=True):
                    await execute(self._tx, marked_sql(len(chunk)), (now, platform, *chunk))
