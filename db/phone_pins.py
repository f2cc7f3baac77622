"""A phone person's PIN (handlers/numbers/phone_pin.py owns the rule and the hash): one row per
person, the PIN only as its slow salted hash, and the wrong tries of one day (Europe/
Berlin) - at :data:`MOST_WRONG` the PIN is not asked that day. Cleared by a coordinator on
the desk; gone with the account (db/personal_data.py, the "account" purpose). And the
city's wrong tries of the clock hour, all residents together (``phone_pin_hours``, no
one's data), against the city-wide limit phone_pin.py keeps. And the wrong tries typed
today for numbers without a PIN (``phone_no_pin_tries``: a number nobody has, or whose
person chose none), answered as a PIN's are: in the database, so that every bot process
counts the same three; today's rows only, at most :attr:`PhonePins.NO_PIN_NUMBERS_A_DAY`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from db.clock import utcnow
from db.hour_counts import HourCount
from db.statements import changed, execute, fetch_all, fetch_one
from db.transactions import Transactions

# Wrong tries in one day before the PIN is not asked again that day.
MOST_WRONG = 3
# A lockout is told to its person at most once in so many days (anyone claiming her number
# can lock her PIN every day; each notice is a call or a text to her).
TOLD_EVERY_DAYS = 7


@dataclass(frozen=True)
class Pin:
    """A person's PIN as stored: its hash (never the digits) and the day's wrong tries."""

    pin_hash: str
    wrong: int
    wrong_day: str

    def locked(self, day: str) -> bool:
        """Whether the PIN is not asked on ``day`` (YYYY-MM-DD, Europe/Berlin)."""
        return self.wrong_day == day and self.wrong >= MOST_WRONG

    def wrong_on(self, day: str) -> int:
        """The wrong tries counted on ``day``."""
        return self.wrong if self.wrong_day == day else 0


class PhonePins:
    # The numbers without a PIN whose wrong tries one day counts: past them a try for
    # another number is not compared (phone_pin.py answers it as the city's limit), so that
    # callers setting ever new numbers as caller ID cannot grow the table without end.
    NO_PIN_NUMBERS_A_DAY = 5000

    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions
        self._city = HourCount(transactions, "phone_pin_hours", "wrong")

    async def get(self, user_id: int) -> Pin | None:
        row = await fetch_one(
            self._tx,
            "SELECT pin_hash, wrong, wrong_day FROM phone_pins WHERE user_id = ?",
            (user_id,),
        )
        return None if row is None else Pin(str(row[0]), int(row[1]), str(row[2]))

    async def set(self, user_id: int, pin_hash: str) -> None:
        """A new PIN (its hash): the wrong tries of an earlier one are forgotten."""
        await execute(
            self._tx,
            "INSERT INTO phone_pins (user_id, pin_hash, set_at, wrong, wrong_day)"
            " VALUES (?, ?, ?, 0, '') ON CONFLICT (user_id) DO UPDATE SET"
            " pin_hash = excluded.pin_hash, set_at = excluded.set_at, wrong = 0, wrong_day = ''",
            (user_id, pin_hash, utcnow()),
        )

    async def clear(self, user_id: int) -> bool:
        """Remove the PIN (the desk): whether there was one."""
        return await changed(self._tx, "DELETE FROM phone_pins WHERE user_id = ?", (user_id,)) > 0

    async def wrong_try(self, user_id: int, day: str) -> int:
        """Count a try on ``day`` as wrong, before the PIN typed is compared (so that calls
        at once cannot try more than :data:`MOST_WRONG` between them): the day's wrong tries
        so far, this one included (0: no PIN). A right one is given back (:meth:`right`)."""
        async with self._tx.transaction():
            await execute(
                self._tx,
                "UPDATE phone_pins SET wrong = CASE WHEN wrong_day = ? THEN wrong + 1 ELSE 1 END,"
                " wrong_day = ? WHERE user_id = ?",
                (day, day, user_id),
            )
            row = await fetch_one(
                self._tx, "SELECT wrong FROM phone_pins WHERE user_id = ?", (user_id,)
            )
        return 0 if row is None else int(row[0])

    async def lock_told(self, user_id: int, day: str) -> bool:
        """Whether the person's lockout on ``day`` (YYYY-MM-DD) is told to her now: not if
        she was told of one within the week before (:data:`TOLD_EVERY_DAYS`), marked at
        once (processes at once tell it once)."""
        since = (date.fromisoformat(day) - timedelta(days=TOLD_EVERY_DAYS - 1)).isoformat()
        return (
            await changed(
                self._tx,
                "UPDATE phone_pins SET lock_told_day = ? WHERE user_id = ?"
                " AND (lock_told_day = '' OR lock_told_day < ?)",
                (day, user_id, since),
            )
            == 1
        )

    async def right(self, user_id: int, day: str) -> None:
        """The try counted on ``day`` was right: it is not a wrong one."""
        await execute(
            self._tx,
            "UPDATE phone_pins SET wrong = wrong - 1 WHERE user_id = ? AND wrong_day = ?"
            " AND wrong > 0",
            (user_id, day),
        )

    async def city_wrong_try(self, hour: str) -> int:
        """Count a try in the clock hour ``hour`` (UTC, "YYYY-MM-DDTHH") as wrong for the
        whole city, before the PIN typed is compared: the hour's wrong tries of all
        residents so far, this one included. A right one is given back
        (:meth:`city_right`). Only the hour at hand counts (db/hour_counts.py)."""
        async with self._tx.transaction():
            return await self._city.add(hour)

    async def city_right(self, hour: str) -> None:
        """The try counted in ``hour`` was right: it is not a wrong one."""
        await self._city.give_back(hour)

    async def city_wrong(self, hour: str) -> int:
        """The wrong tries of all residents counted in the clock hour ``hour``."""
        return await self._city.count(hour)

    async def tell_city_limit(self, hour: str) -> int | None:
        """The city's wrong tries of ``hour`` when the coordinators are still to be told
        that its limit is reached (marked told at once: one notice an hour, whichever call
        comes first); else None."""
        async with self._tx.transaction():
            return await self._city.claim_told(hour)

    async def no_pin_wrong_try(self, number: str, day: str) -> int | None:
        """Count a try typed on ``day`` for ``number``, which has no PIN, as wrong (there is
        nothing to compare): the day's wrong tries of the number so far, this one included;
        None where the day already counts :attr:`PhonePins.NO_PIN_NUMBERS_A_DAY` other numbers (not
        counted). Earlier days' rows are removed."""
        async with self._tx.transaction():
            await execute(self._tx, "DELETE FROM phone_no_pin_tries WHERE day <> ?", (day,))
            # Read, then write, in one write transaction: no other try comes between.
            so_far = await self.no_pin_wrong_on(number, day)
            if so_far == 0:
                numbers = await fetch_one(
                    self._tx, "SELECT COUNT(*) FROM phone_no_pin_tries WHERE day = ?", (day,)
                )
                if numbers is not None and int(numbers[0]) >= self.NO_PIN_NUMBERS_A_DAY:
                    return None
            await execute(
                self._tx,
                "INSERT INTO phone_no_pin_tries (day, number, wrong) VALUES (?, ?, 1)"
                " ON CONFLICT (day, number) DO UPDATE SET wrong = phone_no_pin_tries.wrong + 1",
                (day, number),
            )
        return so_far + 1

    async def no_pin_wrong_on(self, number: str, day: str) -> int:
        """The wrong tries counted on ``day`` for ``number``, which has no PIN (0: none)."""
        [[wrong]] = await fetch_all(
            self._tx,
            "SELECT COALESCE(MAX(wrong), 0) FROM phone_no_pin_tries WHERE day = ? AND number = ?",
            (day, number),
        )
        return int(wrong)
