"""What the SMS transport keeps (bot/transports/sms): the first texts of unknown numbers per
day, and per number (E.164) its STOP, the texts sent to it this hour and day, the one code
it was sent to confirm something, the rest of a cut text and its newest choices, when it
last confirmed a code and whether its STOP came while it was nobody's. The month's segments
are counted by the month's budget (bot/transports/month_budget.py, table ``sms_budget``).

The first contacts are the installation's, counted in the main city's database as the month
is (bot/transports/sms/budget.py).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable

from db.clock import utcnow
from db.hour_counts import HourCount
from db.statements import changed, execute, fetch_all, fetch_one
from db.transactions import Transactions
from handlers.channels import ACT, CODE_DIGITS, CODE_TRIES, ERASE, STOP_HELP, CodesPaused

# A code that shows the number's holder is there, asked once its answers are held (its
# unchecked share of the hour's texts spent: bot/transports/sms/checking.py).
CHECK = "check"
__all__ = ["ACT", "CHECK", "CODE_DIGITS", "CODE_TRIES", "ERASE", "STOP_HELP", "SmsStore"]
# Codes a number is sent a day and never texted back right (each takes CODE_TRIES wrong
# tries, handlers/channels.py): a day of help by text can need five (sending a request,
# changing it, a text to the helper after 30 minutes, "done", withdrawing), and each is a
# text a forger could make the city pay for. A code texted back right gives its place back
# (issue 98, point 4): the holder's own codes never use up what a forger from her number
# could, and a forger, who never has one right, spends at most these.
CODES_A_DAY = 5
# Wrong codes texted back within a clock hour (UTC), all numbers together, past which no code
# is checked in the city until the hour is over (:class:`~handlers.channels.CodesPaused`). A
# forger with many sender ids guesses at many numbers at once, 15 tries a number a day; 30
# an hour lets through at most 720 guesses a day - about one chance in 1,250 that one of
# them finds a code of 900,000 - while honest typing stays far below it (ten people each
# mistyping a code three times within the same hour).
CITY_WRONG_CODES = 30
# A number's wrong codes of the clock hour that count for the city too: one code's tries.
# Its wrong codes past them count against the number alone (its code dropped, its codes of
# the day) - a few forged senders answering their own codes wrongly no longer stop every
# code in the city (issue 98, point 4).
NUMBER_WRONG_CODES = CODE_TRIES


# The platform of a texter's person (db/users.py; a number is one person on 'sms' and
# 'phone', db/people_by_number.py).
PLATFORM = "sms"
# What refused a first contact (:meth:`SmsStore.first_contact`): the day's cap, the prefix's.
DAY_FULL, PREFIX_FULL = "day", "prefix"
# The day's row of the turned-away texters told (:meth:`SmsStore.first_contact` ``total``).
TOLD = "told"
# The rows of an hour's STOPs kept from numbers nobody has, "stops 2026-11-25T10" (UTC; its
# day's row, Europe/Berlin): :meth:`SmsStore.take_stranger_stop`.
STRANGER_STOPS = "stops "
# What was told about a number, and when (:meth:`SmsStore.claim_told`).
_TOLD_COLUMNS = {
    "stop": "stop_told_at",
    "start": "start_told_at",
    "turned": "turned_told_at",
    "capped": "capped_told_at",
    # The number's person: the end of the cap period they were told of (kept, not now).
    "capped_until": "capped_until",
    # The number's person, at a STOP again: the end of the hour whose code texts were used
    # up, told of (kept, not now; bot/transports/sms/transport.py ``_stop``).
    "busy_until": "busy_told_until",
    # The coordinators: that the number's answers are held for a check (this hour's start).
    "held": "held_told_at",
}


class _Refused(Exception):
    """Rolls back a first contact that did not fit (its argument: what refused it)."""


def _code_hash(number: str, purpose: str, code: str) -> str:
    return hashlib.sha256(f"{number} {purpose} {code}".encode()).hexdigest()


class SmsStore:
    """The SMS transport's store; a :class:`~handlers.channels.TextLine` too."""

    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions
        self._wrong_codes = HourCount(transactions, "sms_code_hours", "wrong")
        self._code_texts = HourCount(transactions, "sms_code_texts", "sent")

    # -- first contacts (the installation's, as the month's budget) -----------------------

    async def first_contact(
        self, day: str, prefix: str, per_day: int, per_prefix: int, total: str = ""
    ) -> str:
        """Take one of ``day``'s first contacts for a number starting with ``prefix``: both
        the day's ``per_day`` and the prefix's ``per_prefix`` must have room (0: no cap), or
        nothing is taken and the refusal is counted. What refused it: "" (nothing: taken),
        :data:`DAY_FULL` or :data:`PREFIX_FULL`. ``total``: the day's row counted in ('': the
        first contacts; :data:`TOLD`: the turned-away texters told, prefixed so too). Earlier
        days' rows go."""
        try:
            async with self._tx.transaction():
                await execute(self._tx, "DELETE FROM sms_first_contacts WHERE day < ?", (day,))
                for key, cap, full in (
                    (total, per_day, DAY_FULL),
                    (total + prefix, per_prefix, PREFIX_FULL),
                ):
                    if not await self._count_in(day, key, cap):
                        raise _Refused(full)
                return ""
        except _Refused as refused:
            full = str(refused)
        async with self._tx.transaction():
            await self._first_row(day, total)
            await execute(
                self._tx,
                "UPDATE sms_first_contacts SET refused = refused + 1 WHERE day = ? AND prefix = ?",
                (day, total),
            )
        return full

    async def _count_in(self, day: str, key: str, cap: int) -> bool:
        """Count one in ``day``'s row ``key`` if it is below ``cap`` (0: no cap)."""
        await self._first_row(day, key)
        return (
            await changed(
                self._tx,
                "UPDATE sms_first_contacts SET texts = texts + 1"
                " WHERE day = ? AND prefix = ? AND (? = 0 OR texts < ?)",
                (day, key, cap, cap),
            )
            == 1
        )

    async def _first_row(self, day: str, key: str) -> None:
        await execute(
            self._tx,
            "INSERT INTO sms_first_contacts (day, prefix, texts, refused) VALUES (?, ?, 0, 0)"
            " ON CONFLICT (day, prefix) DO NOTHING",
            (day, key),
        )

    async def claim_ran_out(self, day: str, level: int) -> bool:
        """Whether the caller tells the coordinators now that ``day``'s first contacts ran
        out to ``level`` (1: those for new numbers, 2: the kept share too): not when this
        database told that or more already. One conditional UPDATE, as the month's notices."""
        async with self._tx.transaction():
            await self._first_row(day, "")
            return (
                await changed(
                    self._tx,
                    "UPDATE sms_first_contacts SET told = ?"
                    " WHERE day = ? AND prefix = '' AND told < ?",
                    (level, day, level),
                )
                == 1
            )

    async def take_stranger_stop(self, day: str, hour: str, cap: int) -> bool:
        """Take one of ``hour``'s STOPs kept from numbers nobody has, if the hour's are below
        ``cap``: one conditional UPDATE in the city's database, so that processes taking
        texts at once never keep more between them (before, each process counted its own in
        memory). Kept in ``day``'s rows of the first contacts' table (the prefix
        :data:`STRANGER_STOPS` and the hour), which go the next day as theirs do."""
        return await self.take_day_count(day, STRANGER_STOPS + hour, cap)

    async def take_day_count(self, day: str, key: str, cap: int) -> bool:
        """Count one in ``day``'s row ``key`` of the first contacts' table if it is below
        ``cap`` (an hour's STOPs from strangers, a prefix's codes of the day: budget.py
        ``take_code``); earlier days' rows go, as the first contacts' do."""
        async with self._tx.transaction():
            await execute(self._tx, "DELETE FROM sms_first_contacts WHERE day < ?", (day,))
            return await self._count_in(day, key, cap)

    async def day_count_back(self, day: str, key: str) -> None:
        """One counted in ``day``'s row ``key`` (:meth:`take_day_count`) was not one."""
        await execute(
            self._tx,
            "UPDATE sms_first_contacts SET texts = texts - 1"
            " WHERE day = ? AND prefix = ? AND texts > 0",
            (day, key),
        )

    async def claim_stranger_stops_told(self, day: str, hour: str) -> bool:
        """Whether the caller tells the coordinators now that ``hour``'s STOPs from numbers
        nobody has are used up: not when a process told it this hour already."""
        key = STRANGER_STOPS + hour
        async with self._tx.transaction():
            await self._first_row(day, key)
            return (
                await changed(
                    self._tx,
                    "UPDATE sms_first_contacts SET told = 1"
                    " WHERE day = ? AND prefix = ? AND told = 0",
                    (day, key),
                )
                == 1
            )

    async def seen(self, number: str, before: str) -> bool:
        """Whether ``number`` was told before ``before`` (today's start) that the first
        contacts turned it away: a number seen on an earlier day. Only that counts - its
        texts are capped a day; a STOP from a number nobody has makes a row too (capped only
        an hour, handlers/numbers/text_stops.py ``STRANGER_STOPS_AN_HOUR``), and so could be
        sent from many numbers to make them "seen" for tomorrow."""
        row = await fetch_one(
            self._tx,
            "SELECT 1 FROM sms_numbers WHERE number = ? AND turned_told_at IS NOT NULL"
            " AND turned_told_at < ?",
            (number, before),
        )
        return row is not None

    async def told_since(self, number: str, word: str, since: str) -> bool:
        """Whether ``word`` (as :meth:`claim_told`) was confirmed to ``number`` after
        ``since``: read only, so that asking takes nothing."""
        column = _TOLD_COLUMNS[word]
        row = await fetch_one(
            self._tx,
            f"SELECT 1 FROM sms_numbers WHERE number = ? AND {column} >= ?",
            (number, since),
        )
        return row is not None

    async def first_contacts(self, day: str) -> tuple[int, int]:
        """``day``'s first contacts: (answered, refused)."""
        row = await fetch_one(
            self._tx,
            "SELECT texts, refused FROM sms_first_contacts WHERE day = ? AND prefix = ''",
            (day,),
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    # -- numbers -------------------------------------------------------------------------

    async def _touch(self, number: str) -> None:
        await execute(
            self._tx,
            "INSERT INTO sms_numbers (number, updated_at) VALUES (?, ?)"
            " ON CONFLICT (number) DO NOTHING",
            (number, utcnow()),
        )

    async def count_text(
        self, number: str, hour: str, day: str, per_hour: int = 0, per_day: int = 0
    ) -> bool:
        """Count a text to ``number`` in ``hour`` and ``day`` if it is within ``per_hour``
        and ``per_day`` (0: no cap; both 0 counts it whatever the counts): one conditional
        UPDATE, so processes sending at once never pass a cap."""
        async with self._tx.transaction():
            await self._touch(number)
            return (
                await changed(
                    self._tx,
                    "UPDATE sms_numbers SET"
                    " sent_in_hour = CASE WHEN sent_hour = ? THEN sent_in_hour + 1 ELSE 1 END,"
                    " sent_hour = ?,"
                    " sent_in_day = CASE WHEN sent_day = ? THEN sent_in_day + 1 ELSE 1 END,"
                    " sent_day = ?, updated_at = ?"
                    " WHERE number = ? AND (? = 0 OR sent_hour <> ? OR sent_in_hour < ?)"
                    " AND (? = 0 OR sent_day <> ? OR sent_in_day < ?)",
                    [
                        hour,
                        hour,
                        day,
                        day,
                        utcnow(),
                        number,
                        per_hour,
                        hour,
                        per_hour,
                        per_day,
                        day,
                        per_day,
                    ],
                )
                == 1
            )

    async def sent_in(self, number: str, hour: str, day: str) -> tuple[int, int]:
        """The texts ``number`` was sent in ``hour`` and on ``day`` (as :meth:`count_text`)."""
        row = await fetch_one(
            self._tx,
            "SELECT CASE WHEN sent_hour = ? THEN sent_in_hour ELSE 0 END,"
            " CASE WHEN sent_day = ? THEN sent_in_day ELSE 0 END"
            " FROM sms_numbers WHERE number = ?",
            (hour, day, number),
        )
        return (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)

    async def stop(self, number: str, *, keep_help: bool = False, stranger: bool = False) -> bool:
        """No more texts to ``number`` (it sent STOP), until it sends START; with
        ``keep_help`` the notices of a help under way still go (until :meth:`stop_help`);
        ``stranger``: the number is nobody's yet, or its person has no data of their own
        (a person the desk enters with it later is not bound: :meth:`release`). A STOP
        never weakens one before it. Whether it changed anything."""
        async with self._tx.transaction():
            await self._touch(number)
            return (
                await changed(
                    self._tx,
                    "UPDATE sms_numbers SET stopped_at = COALESCE(stopped_at, ?), help_kept = ?,"
                    " stranger = CASE WHEN stopped_at IS NULL THEN ? ELSE stranger END,"
                    " more = '', updated_at = ?"
                    " WHERE number = ? AND (stopped_at IS NULL OR help_kept > ?)",
                    (utcnow(), int(keep_help), int(stranger), utcnow(), number, int(keep_help)),
                )
                == 1
            )

    async def release(self, number: str) -> bool:
        """A STOP ``number`` sent while it was nobody's (or its person's had no data of
        their own) no longer counts: a coordinator entered a resident with it, who never
        sent it (a forger may have). Whether there was one; a STOP sent since the number
        was someone's with data stays."""
        return (
            await changed(
                self._tx,
                "UPDATE sms_numbers SET stopped_at = NULL, help_kept = 0, stranger = 0,"
                " updated_at = ? WHERE number = ? AND stopped_at IS NOT NULL AND stranger = 1",
                (utcnow(), number),
            )
            == 1
        )

    async def stop_help(self, number: str) -> bool:
        """A STOP that kept the notices of a help under way now ends them too (the number
        confirmed it with its code); whether it did."""
        return (
            await changed(
                self._tx,
                "UPDATE sms_numbers SET help_kept = 0, updated_at = ?"
                " WHERE number = ? AND stopped_at IS NOT NULL AND help_kept = 1",
                (utcnow(), number),
            )
            == 1
        )

    async def keep_help(self, number: str) -> bool:
        """A STOP of all texts now keeps the notices of a help under way (the number's
        person started one with a text after it); whether it did. Taken back as a STOP
        that kept them is: :meth:`stop_help` with the code, or START."""
        return (
            await changed(
                self._tx,
                "UPDATE sms_numbers SET help_kept = 1, updated_at = ?"
                " WHERE number = ? AND stopped_at IS NOT NULL AND help_kept = 0",
                (utcnow(), number),
            )
            == 1
        )

    async def start(self, number: str) -> bool:
        """Texts to ``number`` again; whether it had sent STOP."""
        return (
            await changed(
                self._tx,
                "UPDATE sms_numbers SET stopped_at = NULL, help_kept = 0, stranger = 0,"
                " updated_at = ? WHERE number = ? AND stopped_at IS NOT NULL",
                (utcnow(), number),
            )
            == 1
        )

    async def stopped(self, number: str) -> bool:
        """Whether ``number`` sent STOP (one that keeps the notices of a help included)."""
        return await self.stop_state(number) != ""

    async def stop_state(self, number: str) -> str:
        """ "" (texts go), "all" (STOP) or "help" (STOP but for a help under way)."""
        row = await fetch_one(
            self._tx, "SELECT stopped_at, help_kept FROM sms_numbers WHERE number = ?", (number,)
        )
        if row is None or row[0] is None:
            return ""
        return "help" if row[1] else "all"

    async def blocked(self, number: str, running: Callable[[], Awaitable[bool]]) -> bool:
        """Whether no text may go to ``number`` now: it sent STOP, and its STOP did not keep
        the notices of a help under way (``running``: whether one is, asked only then).
        The one rule for the SMS transport's sending and for whoever asks before sending."""
        stopped = await self.stop_state(number)
        return stopped == "all" or (stopped == "help" and not await running())

    async def claim_told(self, number: str, word: str, since: str, at: str | None = None) -> bool:
        """Whether the caller confirms ``word`` ("stop" or "start"; "turned": the first
        contacts turned the number away; "capped": the coordinators learn that the number
        is past its texts of the hour or day; "capped_until": the number's person learns when
        the bot answers again, ``at`` the end of that cap period; "busy_until": a STOP again
        learns that the hour's code texts are used up, ``at`` that hour's end) to ``number``
        now: not when it was confirmed after ``since`` (a day ago; "capped": this hour's
        start; "capped_until", "busy_until": now, so once a period).
        Claimed with one conditional UPDATE, as the budget's notices; ``at``: the moment
        kept (now when None; the budget's clock where it counts the hour)."""
        column = _TOLD_COLUMNS[word]
        async with self._tx.transaction():
            await self._touch(number)
            return (
                await changed(
                    self._tx,
                    f"UPDATE sms_numbers SET {column} = ?"
                    f" WHERE number = ? AND ({column} IS NULL OR {column} < ?)",
                    (at or utcnow(), number, since),
                )
                == 1
            )

    # -- codes sent to a number ------------------------------------------------------------

    async def issue_code(self, number: str, purpose: str, until: str, day: str) -> str | None:
        """A new code for ``number`` to confirm ``purpose`` (:data:`STOP_HELP`,
        :data:`ERASE`, :data:`ACT`) until ``until``, in place of any code before; None when
        the number was sent :data:`CODES_A_DAY` codes on ``day`` that it never texted back
        right. Only its hash is kept."""
        lowest = 10 ** (CODE_DIGITS - 1)  # no leading zero a phone or a reader could drop
        code = str(lowest + secrets.randbelow(10**CODE_DIGITS - lowest))
        async with self._tx.transaction():
            await self._touch(number)
            issued = await changed(
                self._tx,
                "UPDATE sms_numbers SET code_hash = ?, code_for = ?, code_until = ?,"
                " code_sent_at = ?, code_tries = 0,"
                " codes_in_day = CASE WHEN codes_day = ? THEN codes_in_day + 1 ELSE 1 END,"
                " codes_confirmed = CASE WHEN codes_day = ? THEN codes_confirmed ELSE 0 END,"
                " codes_day = ?, updated_at = ?"
                " WHERE number = ? AND (codes_day <> ? OR codes_in_day - codes_confirmed < ?)",
                [
                    _code_hash(number, purpose, code),
                    purpose,
                    until,
                    utcnow(),
                    day,
                    day,
                    day,
                    utcnow(),
                    number,
                    day,
                    CODES_A_DAY,
                ],
            )
        return code if issued else None

    async def codes_issued(self, number: str) -> tuple[str, int]:
        """``number``'s codes so far, as (day, codes that day): each code issued
        (:meth:`issue_code`) moves them on, so the budget reads whether a code taken from
        the hour was committed (budget.py ``codes_with``)."""
        row = await fetch_one(
            self._tx, "SELECT codes_day, codes_in_day FROM sms_numbers WHERE number = ?", (number,)
        )
        return (str(row[0] or ""), int(row[1] or 0)) if row else ("", 0)

    async def claim_codes_out(self, number: str, day: str) -> bool:
        """Whether the caller tells that ``number`` had its :data:`CODES_A_DAY` codes of
        ``day`` (the first code refused that day; the count goes one past them to say so)."""
        return await self._count_past(number, day, CODES_A_DAY)

    async def claim_stop_again_told(self, number: str, day: str) -> bool:
        """Whether the caller tells ``number``'s person, once on ``day``, that a STOP again
        gets no code today (its :data:`CODES_A_DAY` used up): only after the coordinators
        were told (:meth:`claim_codes_out`, one past them), the count goes one further to say
        so. Once a day, not once a STOP: a forger's STOPs make the number no text bomb."""
        return await self._count_past(number, day, CODES_A_DAY + 1)

    async def _count_past(self, number: str, day: str, count: int) -> bool:
        """One claim past the day's codes: ``number``'s count of ``day`` moves from
        ``count`` to one more, for exactly one caller."""
        async with self._tx.transaction():
            return (
                await changed(
                    self._tx,
                    "UPDATE sms_numbers SET codes_in_day = codes_in_day + 1"
                    " WHERE number = ? AND codes_day = ?"
                    " AND codes_in_day - codes_confirmed = ?",
                    (number, day, count),
                )
                == 1
            )

    async def claim_tried_out(self, number: str) -> bool:
        """Whether the caller tells that ``number``'s code was dropped by its
        :data:`CODE_TRIES`-th wrong try: once for that code (the tries go one past to say
        so; the number's next code starts them again)."""
        async with self._tx.transaction():
            return (
                await changed(
                    self._tx,
                    "UPDATE sms_numbers SET code_tries = code_tries + 1"
                    " WHERE number = ? AND code_for = '' AND code_tries = ?",
                    (number, CODE_TRIES),
                )
                == 1
            )

    async def code_out(self, number: str, now: str) -> tuple[str, str] | None:
        """When ``number``'s one code (whatever it confirms) was sent and until when it
        works, while it works at ``now``; None when none does."""
        row = await fetch_one(
            self._tx,
            "SELECT code_sent_at, code_until FROM sms_numbers"
            " WHERE number = ? AND code_for <> '' AND code_until > ?",
            (number, now),
        )
        if row is None:
            return None
        return str(row[0] or row[1]), str(row[1])

    async def hold_answer(self, number: str, hour: str) -> int:
        """One more text from ``number`` whose answer is held in ``hour`` (bot/transports/
        sms/checking.py): how many now, the first of the hour 1."""
        async with self._tx.transaction():
            await self._touch(number)
            await execute(
                self._tx,
                "UPDATE sms_numbers SET"
                " held_in_hour = CASE WHEN held_hour = ? THEN held_in_hour + 1 ELSE 1 END,"
                " held_hour = ?, updated_at = ? WHERE number = ?",
                (hour, hour, utcnow(), number),
            )
            row = await fetch_one(
                self._tx, "SELECT held_in_hour FROM sms_numbers WHERE number = ?", (number,)
            )
        return int(row[0]) if row else 1

    async def held_numbers(self, hour: str, checked_since: str) -> list[str]:
        """The numbers whose answers were held in ``hour`` and that texted no right code
        back since ``checked_since``: held still."""
        rows = await fetch_all(
            self._tx,
            "SELECT number FROM sms_numbers WHERE held_hour = ?"
            " AND (confirmed_at IS NULL OR confirmed_at <= ?) ORDER BY number",
            (hour, checked_since),
        )
        return [str(row[0]) for row in rows]

    async def code_pending(self, number: str, purpose: str, now: str) -> bool:
        row = await fetch_one(
            self._tx,
            "SELECT 1 FROM sms_numbers WHERE number = ? AND code_for = ? AND code_until > ?",
            (number, purpose, now),
        )
        return row is not None

    async def check_code(
        self, number: str, purpose: str, code: str, now: str, *, always: bool = False
    ) -> bool | None:
        """Whether ``code`` is the code ``number`` was sent for ``purpose``: True (it is
        used up with it), False (a wrong try, another left), None (no such code pending:
        none sent, expired, or tried out - the :data:`CODE_TRIES`-th wrong try drops it and
        is None too, so that nobody is asked to try again a code that no longer works).
        Each try is counted as the city's wrong one of the hour before it is compared
        (numbers checked at once share the hour's :data:`CITY_WRONG_CODES`), given back
        when right; past them nothing is compared, the code and its tries are kept, and
        :class:`~handlers.channels.CodesPaused` is raised - unless ``always`` (a person
        whose help is under way: her right code is always checked). A number's wrong tries
        count against the number before the city: past :data:`NUMBER_WRONG_CODES` of them
        in the hour they no longer count for the city (the number's own bounds hold them:
        its code's tries, its codes of the day). A right code gives its place among the
        number's codes of the day back."""
        hour = now[:13]  # db.clock.to_text: "YYYY-MM-DDTHH:MM:SSZ"
        async with self._tx.transaction():
            row = await fetch_one(
                self._tx,
                "SELECT code_hash, code_tries,"
                " CASE WHEN wrong_hour = ? THEN wrong_in_hour ELSE 0 END"
                " FROM sms_numbers WHERE number = ? AND code_for = ? AND code_until > ?",
                (hour, number, purpose, now),
            )
            if row is None:
                return None
            counted = int(row[2]) < NUMBER_WRONG_CODES  # for the city too
            if counted:
                paused = await self._city_wrong_try(hour) > CITY_WRONG_CODES
            else:
                paused = await self._wrong_codes.count(hour) >= CITY_WRONG_CODES
            if paused and not always:
                if counted:
                    await self._city_right(hour)  # not compared: no try
            elif secrets.compare_digest(str(row[0]), _code_hash(number, purpose, code.strip())):
                if counted:
                    await self._city_right(hour)
                await self._drop_code(number)
                await execute(
                    self._tx,
                    "UPDATE sms_numbers SET confirmed_at = ?,"
                    " codes_confirmed = codes_confirmed + 1 WHERE number = ?",
                    (now, number),
                )
                return True
            else:
                return await self._wrong_try(number, hour, int(row[1]))
        raise CodesPaused  # after the transaction, so that the give-back stays

    async def _wrong_try(self, number: str, hour: str, tries: int) -> bool | None:
        """A wrong code from ``number`` in ``hour``, its code tried ``tries`` times before:
        counted against the number (its wrong codes of the hour, its code's tries); False,
        or None when it was the code's last try."""
        await execute(
            self._tx,
            "UPDATE sms_numbers SET wrong_in_hour ="
            " CASE WHEN wrong_hour = ? THEN wrong_in_hour + 1 ELSE 1 END,"
            " wrong_hour = ? WHERE number = ?",
            (hour, hour, number),
        )
        if tries + 1 >= CODE_TRIES:
            # Dropped, its tries kept at CODE_TRIES: the limit that stopped it is told once
            # (claim_tried_out), until the number's next code.
            await self._drop_code(number, tries=CODE_TRIES)
            return None
        await execute(
            self._tx,
            "UPDATE sms_numbers SET code_tries = code_tries + 1 WHERE number = ?",
            (number,),
        )
        return False

    # -- the city's wrong codes of the hour (table sms_code_hours) ------------------------

    async def _city_wrong_try(self, hour: str) -> int:
        """Count a try in ``hour`` as wrong for the whole city; the hour's wrong tries so
        far, this one included."""
        return await self._wrong_codes.add(hour)

    async def _city_right(self, hour: str) -> None:
        await self._wrong_codes.give_back(hour)

    async def claim_codes_paused(self, now: str) -> int:
        """The city's wrong codes of the hour of ``now`` when they reached
        :data:`CITY_WRONG_CODES` and the caller is the first to tell the coordinators this
        hour (marked told at once); else 0."""
        async with self._tx.transaction():
            return await self._wrong_codes.claim_told(now[:13], reached=CITY_WRONG_CODES) or 0

    # -- the code texts sent in the hour (table sms_code_texts: budget.py take_code) -------

    async def take_code_text(self, hour: str, cap: int) -> bool:
        """Count a code text in ``hour`` if the hour's are below ``cap``: counted, compared,
        given back past it - one transaction, so processes at once never pass it."""
        async with self._tx.transaction():
            if await self._code_texts.add(hour) <= cap:
                return True
            await self._code_texts.give_back(hour)
            return False

    async def code_text_back(self, hour: str) -> None:
        """A code text counted in ``hour`` was not sent after all."""
        await self._code_texts.give_back(hour)

    async def claim_code_texts_out(self, hour: str, level: int) -> bool:
        """Whether the caller tells the coordinators now that ``hour``'s code texts ran out
        to ``level`` (budget.py: those for everyone, then those kept for running help):
        not when this database told that or more already."""
        async with self._tx.transaction():
            return await self._code_texts.claim_told(hour, level) is not None

    async def code_texts_sent(self, hour: str) -> int:
        """The code texts counted in ``hour``'s row (budget.py ``take_code``: the hour's, or
        the new numbers' share, ``hour`` + " new")."""
        return await self._code_texts.count(hour)

    async def wrong_codes(self, hour: str) -> int:
        """The city's wrong codes counted in ``hour``."""
        return await self._wrong_codes.count(hour)

    async def out_of_codes(self, day: str) -> list[str]:
        """The numbers that had their :data:`CODES_A_DAY` codes of ``day`` (never texted
        back right): nothing that waits for a code can be done from them by text today."""
        rows = await fetch_all(
            self._tx,
            "SELECT number FROM sms_numbers WHERE codes_day = ?"
            " AND codes_in_day - codes_confirmed >= ? ORDER BY number",
            (day, CODES_A_DAY),
        )
        return [str(row[0]) for row in rows]

    async def confirmed_since(self, number: str, since: str) -> bool:
        """Whether ``number`` texted back a right code after ``since`` (its holder was
        there then: handlers/numbers/coded_acts.py lets its texts to a helper pass a while)."""
        row = await fetch_one(
            self._tx,
            "SELECT 1 FROM sms_numbers WHERE number = ? AND confirmed_at > ?",
            (number, since),
        )
        return row is not None

    async def _drop_code(self, number: str, tries: int = 0) -> None:
        await execute(
            self._tx,
            "UPDATE sms_numbers SET code_hash = '', code_for = '', code_until = NULL,"
            " code_tries = ? WHERE number = ?",
            (tries, number),
        )

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
