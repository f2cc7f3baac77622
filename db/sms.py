"""What the SMS transport keeps (bot/transports/sms): the month's segments against the
budget, and per number (E.164) its STOP, the rest of a cut text and its newest choices.

The budget is taken with one conditional UPDATE, as the translation budget is
(db/translations.py ``reserve``): processes sending at once never spend past it. It is the
installation's, counted in the main city's database (bot/transports/sms/budget.py): there
``sms_budget.segments`` is what all cities sent, in a further city's database it stays 0.
Which share of it a city's coordinators were told of (``told``) is the city's own, claimed
the same way in its own database, so they are told once.
"""

from __future__ import annotations

import json

from db.clock import utcnow
from db.statements import changed, execute, fetch_one
from db.transactions import Transactions

# The shares of the month's budget the coordinators are told of, in per cent.
THRESHOLDS = (80, 100)


class SmsStore:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    # -- the budget ----------------------------------------------------------------------

    async def spend(self, month: str, segments: int, budget: int) -> bool:
        """Take ``segments`` of ``month``'s ``budget``, or nothing if they do not fit."""
        async with self._tx.transaction():
            await execute(
                self._tx,
                "INSERT INTO sms_budget (month, segments, told) VALUES (?, 0, 0)"
                " ON CONFLICT (month) DO NOTHING",
                (month,),
            )
            return (
                await changed(
                    self._tx,
                    "UPDATE sms_budget SET segments = segments + ?"
                    " WHERE month = ? AND segments + ? <= ?",
                    (segments, month, segments, budget),
                )
                == 1
            )

    async def spent(self, month: str) -> int:
        row = await fetch_one(self._tx, "SELECT segments FROM sms_budget WHERE month = ?", (month,))
        return int(row[0]) if row else 0

    async def claim_notice(self, month: str, share: int) -> bool:
        """Whether this caller tells the coordinators that ``share`` per cent of ``month``'s
        budget is spent (the caller saw it reached): true once a month a share."""
        async with self._tx.transaction():
            await execute(
                self._tx,
                "INSERT INTO sms_budget (month, segments, told) VALUES (?, 0, 0)"
                " ON CONFLICT (month) DO NOTHING",
                (month,),
            )
            return (
                await changed(
                    self._tx,
                    "UPDATE sms_budget SET told = ? WHERE month = ? AND told < ?",
                    (share, month, share),
                )
                == 1
            )

    # -- numbers -------------------------------------------------------------------------

    async def _touch(self, number: str) -> None:
        await execute(
            self._tx,
            "INSERT INTO sms_numbers (number, updated_at) VALUES (?, ?)"
            " ON CONFLICT (number) DO NOTHING",
            (number, utcnow()),
        )

    async def stop(self, number: str) -> None:
        """No more texts to ``number`` (it sent STOP), until it sends START."""
        async with self._tx.transaction():
            await self._touch(number)
            await execute(
                self._tx,
                "UPDATE sms_numbers SET stopped_at = ?, more = '', updated_at = ?"
                " WHERE number = ? AND stopped_at IS NULL",
                (utcnow(), utcnow(), number),
            )

    async def start(self, number: str) -> None:
        await execute(
            self._tx,
            "UPDATE sms_numbers SET stopped_at = NULL, updated_at = ? WHERE number = ?",
            (utcnow(), number),
        )

    async def stopped(self, number: str) -> bool:
        row = await fetch_one(
            self._tx, "SELECT stopped_at FROM sms_numbers WHERE number = ?", (number,)
        )
        return row is not None and row[0] is not None

    async def keep_more(self, number: str, rest: str) -> None:
        """The rest of a cut text, sent when ``number`` asks for more ("" when none)."""
        async with self._tx.transaction():
            await self._touch(number)
            await execute(
                self._tx,
                "UPDATE sms_numbers SET more = ?, updated_at = ? WHERE number = ?",
                (rest, utcnow(), number),
            )

    async def more(self, number: str) -> str:
        row = await fetch_one(self._tx, "SELECT more FROM sms_numbers WHERE number = ?", (number,))
        return str(row[0]) if row else ""

    # -- numbered choices (the Memory of bot/transports/numbered_choices.py) ----------------

    async def note_newest(
        self, number: str, message_id: str, choices: list[tuple[str, str]] | None, typed: bool
    ) -> None:
        """The newest text to ``number``; its choices when given (None keeps those kept,
        for the same message)."""
        async with self._tx.transaction():
            await self._touch(number)
            if choices is None:
                await execute(
                    self._tx,
                    "UPDATE sms_numbers SET newest = ?, typed = ?, updated_at = ? WHERE number = ?",
                    (message_id, int(typed), utcnow(), number),
                )
                return
            await execute(
                self._tx,
                "UPDATE sms_numbers SET newest = ?, typed = ?, choices = ?, updated_at = ?"
                " WHERE number = ?",
                (message_id, int(typed), json.dumps(choices), utcnow(), number),
            )

    async def newest(self, number: str) -> tuple[str, bool, list[tuple[str, str]]] | None:
        row = await fetch_one(
            self._tx, "SELECT newest, typed, choices FROM sms_numbers WHERE number = ?", (number,)
        )
        if row is None or not row[0]:
            return None
        return str(row[0]), bool(row[1]), [(str(a), str(b)) for a, b in json.loads(row[2])]
