"""Users, their roles and where they are in a conversation."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import IntEnum
from functools import lru_cache
from typing import Any

import aiosqlite

from db import desk
from db.answered_marks import AnsweredMarks
from db.bans import BanList, SharedBanList
from db.clock import from_text, to_text
from db.clock import utcnow as _now
from db.people_by_number import by_number, by_number_sql, number_platforms
from db.postgres import process_gone
from db.request_states import DONE, MATCHED, OPEN
from db.statements import changed, execute, fetch_all, fetch_by_ids, fetch_one
from db.transactions import Statement, Transactions, own_row

# A request a coordinator let through (published, taken, done): no stranger makes one with
# presses (:meth:`UserStore.has_own_data`).
LET_THROUGH = (OPEN, MATCHED, DONE)

ROLES = ("resident", "volunteer", "coordinator", "admin")
# A user's roles read with their row, in the same statement.
_ROLES = "(SELECT group_concat(role) FROM user_roles WHERE user_id = users.id) AS roles"
_SELECT_USER = "SELECT users.*, " + _ROLES + " FROM users"
# A user's row as the statement every update begins with returns it (:meth:`UserStore.arrive`).
# On PostgreSQL by name: a statement is prepared there only without "*" (a migration adding a
# column breaks a prepared "*", db/postgres.py) - and the one column _from_row takes only where
# the schema has it (a database a step before 0056) read from the row as JSON, which names
# the same columns whatever the schema. On SQLite "*".
_USER_COLUMNS = {
    "sqlite": "*",
    "postgresql": (
        "id, platform, platform_user_id, chat_id, language, consent_at, created_at, seen_at,"
        " first_name, banned_at, reminder_offsets, translate_messages, read_aloud,"
        " easy_language, no_voice_told,"
        " COALESCE(to_jsonb(users) ->> 'closed_chat_id', '') AS closed_chat_id"
    ),
}
# Minutes before an event a person is reminded, until they choose (the column's default).
REMINDERS = (1440, 60)


class ReadAloud(IntEnum):
    """Whether messages also come as voice messages (handlers/read_aloud.py)."""

    OFF = 0
    EVERY = 1  # every message, said after it
    ON_TAP = 2  # a 🔊 under each message says that one


@dataclass(frozen=True)
class User:
    id: int
    platform: str
    platform_user_id: str
    chat_id: str
    language: str | None
    consent_at: str | None
    created_at: str
    seen_at: str
    roles: frozenset[str]
    first_name: str = ""
    banned_at: str | None = None
    # Minutes before an event to remind; empty: no reminders.
    reminder_offsets: tuple[int, ...] = REMINDERS
    # Messages in a language they may not read reach them translated (if an engine runs).
    translate_messages: bool = True
    # Messages also come as voice messages in their language: every one, or the one whose
    # 🔊 they tap (handlers/read_aloud.py).
    read_aloud: ReadAloud = ReadAloud.OFF
    # The bot writes to them in easy language (short, simple sentences), where it has an
    # easy text (handlers/reader.py).
    easy_language: bool = False
    # The language for which their coordinators were told that no voice speaks it.
    no_voice_told: str = ""
    # The chat id they had when they last closed their chat (:meth:`Users.close_chat`): rows
    # kept under it are still theirs (db/personal_data.py).
    closed_chat_id: str = ""

    def has_role(self, role: str) -> bool:
        return role in self.roles


@dataclass(frozen=True)
class ConversationState:
    state: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Arrival:
    """What :meth:`UserStore.arrive` finds for an update."""

    user: User
    state: ConversationState | None
    # Seen before (a retry, a replay after a crash), and its answers if never confirmed sent.
    handled_before: bool
    kept_replies: str | None
    # In a running contact (a matched request, as requester or volunteer) on arrival.
    in_contact: bool = True
    # Which of the chat's marks the caller asked for (``arrive``'s ``marks``) it carries.
    marks: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Entered:
    """The person the desk's resident form (bot/web/desk/phone_residents.py) reaches with a
    number: made now (``new``), the one there was with data of their own (kept as they
    are), or one without (``taken``: someone texted or called from the number first - who,
    nobody knows - and the coordinator's entry replaced what they chose)."""

    user: User
    new: bool = False
    taken: bool = False
    # Consent given from the number before the entry, dropped with the rest (``taken``).
    consent_dropped: bool = False


# What a person holds of their own beyond what a coordinator entered for them (a name, a
# request): a role, a volunteer row, a PIN (:meth:`UserStore.has_own_data`).
_BEYOND_ENTRY = (
    " OR EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role <> 'resident')"
    " OR EXISTS (SELECT 1 FROM volunteers v WHERE v.user_id = u.id)"
    " OR EXISTS (SELECT 1 FROM phone_pins p WHERE p.user_id = u.id)"
)


@lru_cache(maxsize=8)
def _arrival_sql(platform_value: str, dialect: str, marks: int = 0) -> str:
    """:meth:`UserStore.arrive`'s one statement (``platform_value``: its platform's value, a
    number platform's chosen one; ``marks``: how many of the chat's marks it reads),
    declared as the person's own row (db/postgres.py, "own rows")."""
    # One column a mark, named by its place (a mark's name is no column name).
    carried = "".join(
        f", (SELECT 1 FROM conversation_marks WHERE platform = ? AND chat_id = ?"
        f" AND mark = ? AND until > ?) AS mark_{n}"
        for n in range(marks)
    )
    return own_row(
        "INSERT INTO users (platform, platform_user_id, chat_id, first_name,"
        " created_at, seen_at, easy_language)"
        f" VALUES ({platform_value}, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (platform, platform_user_id) DO UPDATE SET"
        " seen_at = excluded.seen_at,"
        " chat_id = CASE WHEN ? THEN excluded.chat_id ELSE users.chat_id END,"
        " first_name = CASE WHEN excluded.first_name != '' THEN excluded.first_name"
        " ELSE users.first_name END"
        " RETURNING " + _USER_COLUMNS[dialect] + ", " + _ROLES + ","
        " (SELECT state FROM conversations WHERE user_id = users.id) AS c_state,"
        " (SELECT data FROM conversations WHERE user_id = users.id) AS c_data,"
        " (SELECT 1 FROM processed_updates WHERE platform = ? AND update_id = ?)"
        " AS handled,"
        " (SELECT replies FROM processed_updates WHERE platform = ? AND update_id = ?"
        " AND answered_at IS NULL) AS kept,"
        # Whether a contact runs (db/requests.py relays_of): the main menu asks
        # for the contacts only then, without a round trip of its own otherwise.
        f" EXISTS (SELECT 1 FROM help_requests WHERE requester_id = users.id"
        f" AND state = '{MATCHED}') OR EXISTS (SELECT 1 FROM help_requests"
        f" WHERE volunteer_id = users.id AND state = '{MATCHED}') AS in_contact" + carried
    )


# A new person's role, and the ban of one who deleted the account and came back: their own
# row (the desk's ban of another person is a rule of the city).
_NEW_RESIDENT = own_row(
    "INSERT INTO user_roles (user_id, role, granted_at)"
    " VALUES (?, 'resident', ?) ON CONFLICT DO NOTHING"
)
_BANNED_AGAIN = own_row("UPDATE users SET banned_at = ? WHERE id = ? AND banned_at IS NULL")


class UserStore:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions
        self._answered = AnsweredMarks(transactions)
        self.bans = BanList(transactions)
        # The installation's shared bans (the main city's database), when the running bot
        # serves several cities: checked at first contact like this city's own list.
        self.shared_bans: SharedBanList | None = None

    @staticmethod
    def _from_row(row: aiosqlite.Row | None) -> User | None:
        """A user from a row that carries its roles (every query here reads them with
        ``_ROLES``)."""
        if row is None:
            return None
        columns = list(row.keys())  # a sqlite3.Row's "in" looks at its values
        return User(
            id=row["id"],
            platform=row["platform"],
            platform_user_id=row["platform_user_id"],
            chat_id=row["chat_id"],
            language=row["language"],
            consent_at=row["consent_at"],
            created_at=row["created_at"],
            seen_at=row["seen_at"],
            roles=frozenset(filter(None, (row["roles"] or "").split(","))),
            first_name=row["first_name"],
            banned_at=row["banned_at"],
            reminder_offsets=tuple(int(x) for x in row["reminder_offsets"].split(",") if x),
            translate_messages=bool(row["translate_messages"]),
            read_aloud=ReadAloud(row["read_aloud"]),
            easy_language=bool(row["easy_language"]),
            no_voice_told=row["no_voice_told"],
            # 0056's column: a database a step before it (an upgrade's backup, the schema
            # guard) is read by this code too, and nothing of it was closed then.
            closed_chat_id=row["closed_chat_id"] if "closed_chat_id" in columns else "",
        )

    async def get(self, user_id: int) -> User | None:
        return self._from_row(await fetch_one(self._tx, _SELECT_USER + " WHERE id = ?", (user_id,)))

    async def get_many(self, user_ids: Iterable[int]) -> dict[int, User]:
        """:meth:`get` of each of ``user_ids`` (those who exist), by id: a page of the desk's
        review queue reads its requesters so, in one round trip a few hundred."""
        found: dict[int, User] = {}
        for row in await fetch_by_ids(self._tx, _SELECT_USER + " WHERE id IN ({ids})", user_ids):
            user = self._from_row(row)
            assert user is not None
            found[user.id] = user
        return found

    async def find(self, platform: str, platform_user_id: str) -> User | None:
        """The person with this id on ``platform``; a number (the phone line, SMS) is one
        person on both (db/people_by_number.py)."""
        sql = _SELECT_USER + " WHERE platform = ? AND platform_user_id = ?"
        params: tuple[str, ...] = (platform, platform_user_id)
        if by_number(platform):
            sql = _SELECT_USER + " WHERE " + by_number_sql()
            params = (*number_platforms(), platform_user_id)
        return self._from_row(await fetch_one(self._tx, sql, params))

    async def seen(
        self,
        platform: str,
        platform_user_id: str,
        chat_id: str,
        first_name: str = "",
        *,
        private: bool = True,
    ) -> User:
        """Return the user, creating them as a resident on first contact; mark them as seen.

        Only a private chat becomes the user's address: a coordinator pressing a button in
        the backchannel group must not redirect their own notifications to the group.
        """
        arrival = await self.arrive(
            platform, platform_user_id, chat_id, first_name, private=private
        )
        return arrival.user

    async def arrive(
        self,
        platform: str,
        platform_user_id: str,
        chat_id: str,
        first_name: str = "",
        *,
        private: bool = True,
        update_id: str | None = None,
        easy_language: bool = False,
        marks: tuple[str, ...] = (),
    ) -> Arrival:
        """Everything an update needs to start, in one statement (this runs for every
        update): the user, created as a resident on first contact and marked as seen, with
        their roles and conversation state, and whether the update was handled before.
        See :meth:`seen` for which chat becomes the user's address. ``easy_language``: a new
        person's start (an existing row keeps theirs). ``marks``: which of these the chat
        carries now (db/conversation_marks.py), read in the same statement."""
        now = _now()
        # A number's person may be on the other number platform (db/people_by_number.py): their row,
        # on the channel they chose, is the one that arrives.
        chosen: tuple[str, ...] = (platform,)
        platform_value = "?"
        if by_number(platform):
            platform_value = f"COALESCE((SELECT platform FROM users WHERE {by_number_sql()}), ?)"
            chosen = (*number_platforms(), platform_user_id, platform)
        async with self._tx.transaction(savepoint=False):
            row = await fetch_one(
                self._tx,
                _arrival_sql(platform_value, self._tx.dialect, len(marks)),
                (
                    *chosen,
                    platform_user_id,
                    chat_id if private else "",
                    first_name[:64],
                    now,
                    now,
                    int(easy_language),
                    private,
                    platform,
                    update_id,
                    platform,
                    update_id,
                    *(value for mark in marks for value in (platform, chat_id, mark, now)),
                ),
            )
            assert row is not None
            user = self._from_row(row)
            assert user is not None
            if user.created_at == now and not user.roles:
                await execute(self._tx, _NEW_RESIDENT, (user.id, now))
                user = replace(user, roles=frozenset({"resident"}))
                # Someone banned who deleted the account and came back is still banned.
                if await self.bans.contains(platform, platform_user_id) or (
                    self.shared_bans is not None
                    and await self.shared_bans.contains(platform, platform_user_id)
                ):
                    await execute(self._tx, _BANNED_AGAIN, (now, user.id))
                    user = replace(user, banned_at=now)
        state = (
            ConversationState(row["c_state"], json.loads(row["c_data"]))
            if row["c_state"] is not None
            else None
        )
        return Arrival(
            user,
            state,
            row["handled"] is not None,
            row["kept"],
            bool(row["in_contact"]),
            frozenset(mark for n, mark in enumerate(marks) if row[f"mark_{n}"] is not None),
        )

    @staticmethod
    def finish_statement(
        platform: str,
        update_id: str,
        chat_id: str,
        replies: str | None,
        handled_by: int | None = None,
    ) -> Statement:
        """Record an update as handled, with the answers kept until the transport confirms
        them, and the process (its cluster key) that is to send them. Belongs in the
        transaction that began with :meth:`arrive`, whose check makes a conflict here
        impossible."""
        return (
            own_row(
                "INSERT INTO processed_updates (platform, update_id, at, chat_id, replies,"
                " handled_by) VALUES (?, ?, ?, ?, ?, ?)"
            ),
            (platform, update_id, _now(), chat_id, replies, handled_by),
        )

    async def set_language(self, user_id: int, language: str) -> None:
        await execute(self._tx, "UPDATE users SET language = ? WHERE id = ?", (language, user_id))

    async def set_channel(self, user_id: int, platform: str) -> bool:
        """Reach a number's person (db/people_by_number.py) on ``platform`` from now on: what the
        outbox has for them is queued there (a call or a text); False if they are no
        number's person."""
        if not by_number(platform):
            raise ValueError(f"{platform!r} is no number platform")
        platforms = number_platforms()
        marks = ", ".join("?" * len(platforms))
        return (
            await changed(
                self._tx,
                f"UPDATE users SET platform = ? WHERE id = ? AND platform IN ({marks})",
                (platform, user_id, *platforms),
            )
            > 0
        )

    async def set_translate_messages(self, user_id: int, on: bool) -> None:
        await execute(
            self._tx, "UPDATE users SET translate_messages = ? WHERE id = ?", (int(on), user_id)
        )

    async def set_read_aloud(self, user_id: int, mode: ReadAloud) -> None:
        await execute(
            self._tx, "UPDATE users SET read_aloud = ? WHERE id = ?", (int(mode), user_id)
        )

    async def set_easy_language(self, user_id: int, on: bool) -> None:
        await execute(
            self._tx, "UPDATE users SET easy_language = ? WHERE id = ?", (int(on), user_id)
        )

    async def tell_no_voice(self, user_id: int, lang: str) -> bool:
        """Note that the person's coordinators are told no voice speaks ``lang``; False if
        they were told already (once per language)."""
        return (
            await changed(
                self._tx,
                "UPDATE users SET no_voice_told = ? WHERE id = ? AND no_voice_told <> ?",
                (lang, user_id, lang),
            )
            > 0
        )

    async def has_data(self, user_id: int) -> bool:
        """Whether the person has something of theirs beyond a bare account (language,
        consent, settings): a request (theirs, or one they help with), relayed messages, a
        volunteer row, a role beyond resident, messages waiting for a number's call-back or
        text, a helper's call number, a PIN for calls, events followed, reminders,
        subscriptions, or a first name on a number platform, where only a coordinator
        enters one (the desk's resident form; a chat's first name is the chat account's).
        The one rule of whether a claim to be this person (a caller ID, an SMS sender) must
        be checked first and whether declining the privacy notice may erase them
        (handlers/numbers/caller_check.py, handlers/privacy.py); whose the number is, for
        the desk's entry, a STOP and the checks' reserve, is :meth:`has_own_data`'s;
        consent is not part of it: a person the desk entered has data and no consent."""
        platforms = number_platforms() or ("",)
        marks = ", ".join("?" * len(platforms))
        row = await fetch_one(
            self._tx,
            "SELECT 1 FROM users u WHERE u.id = ? AND ("
            f"(u.first_name <> '' AND u.platform IN ({marks}))"
            " OR EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id"
            "   AND r.role <> 'resident')"
            " OR EXISTS (SELECT 1 FROM help_requests h WHERE h.requester_id = u.id)"
            " OR EXISTS (SELECT 1 FROM help_requests h WHERE h.volunteer_id = u.id)"
            " OR EXISTS (SELECT 1 FROM relay_messages m WHERE m.from_user = u.id)"
            " OR EXISTS (SELECT 1 FROM volunteers v WHERE v.user_id = u.id)"
            # Messages waiting for a number's call-back or text (on a chat, what waits
            # before consent is only the bot's answers read aloud).
            f" OR (u.platform IN ({marks}) AND (EXISTS (SELECT 1 FROM outbox o"
            "   WHERE o.recipient_id = u.id AND o.sent_at IS NULL AND o.failed_at IS NULL)"
            "  OR EXISTS (SELECT 1 FROM outbox o WHERE o.platform = u.platform"
            "   AND o.chat_id = u.chat_id AND o.sent_at IS NULL AND o.failed_at IS NULL)))"
            " OR EXISTS (SELECT 1 FROM call_numbers c WHERE c.user_id = u.id)"
            # A PIN for calls (db/phone_pins.py): a caller who has one is asked for it.
            " OR EXISTS (SELECT 1 FROM phone_pins p WHERE p.user_id = u.id)"
            " OR EXISTS (SELECT 1 FROM event_follows f WHERE f.user_id = u.id)"
            " OR EXISTS (SELECT 1 FROM reminders d WHERE d.user_id = u.id)"
            " OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = u.id))",
            (user_id, *platforms, *platforms),
        )
        return row is not None

    async def has_own_data(self, user_id: int, *, entered: bool = False) -> bool:
        """Whether the person holds something a stranger sending from their number could
        not have made by pressing buttons: a name a coordinator entered (on a number
        platform only the desk enters one), a role beyond resident, a volunteer row, a PIN
        (chosen in a call the bot made to the number), or a request a coordinator entered
        or let through (published, taken or done). Events followed, reminders and requests
        still in review are not: any consented sender makes them with a press.

        The narrow rule of whose a number is (:meth:`has_data` is the broad one, of what
        must be checked first): whether the desk's entry of a resident replaces what a
        person chose (:meth:`enter_resident`), whether their STOP binds someone entered
        later (handlers/numbers/text_stops.py), and whether a check call to them may spend
        the reserve of the checks' pool (handlers/updates/ports.py ``protects``).

        ``entered``: only what a coordinator made counts - the request entered or let
        through, the desk's entry of a resident (the name): whom the reserve of the checks'
        pool is kept for (handlers/updates/ports.py ``reserved_for``). A PIN, a role or a
        volunteer row alone spend no reserve - a PIN is chosen by anyone the bot once called
        back, so a few cheap numbers with one would spend the checks residents need."""
        platforms = number_platforms() or ("",)
        marks = ", ".join("?" * len(platforms))
        states = ", ".join("?" * len(LET_THROUGH))
        beyond_entry = "" if entered else _BEYOND_ENTRY
        row = await fetch_one(
            self._tx,
            "SELECT 1 FROM users u WHERE u.id = ? AND ("
            f"(u.first_name <> '' AND u.platform IN ({marks})){beyond_entry}"
            " OR EXISTS (SELECT 1 FROM help_requests h WHERE h.requester_id = u.id"
            f"   AND (h.entered_by IS NOT NULL OR h.state IN ({states}))))",
            (user_id, *platforms, *LET_THROUGH),
        )
        return row is not None

    async def enter_resident(
        self, platform: str, number: str, first_name: str, language: str
    ) -> Entered:
        """The person a coordinator enters with ``number`` (E.164) on the desk, reached on
        ``platform`` (a number platform), named ``first_name``, in ``language``. A person
        there with data of their own (:meth:`has_own_data`) is kept as they are: the channel
        they chose, their name, their consent. A person without is whoever texted or
        called first, and anyone can send from a number: the coordinator's name, language
        and channel win, consent given from the number goes (the resident is asked
        herself), and so do their settings and conversation - a stranger's choices. Else a
        new person."""
        if not by_number(platform):
            raise ValueError(f"{platform!r} is no number platform")
        found = await self.find(platform, number)
        if found is None:
            made = await self.seen(platform, number, number, first_name)
            await self.set_language(made.id, language)
            return Entered(replace(made, language=language), new=True)
        if await self.has_own_data(found.id):
            return Entered(found)
        await execute(
            self._tx,
            "UPDATE users SET first_name = ?, language = ?, platform = ?, consent_at = NULL,"
            " easy_language = 0, read_aloud = 0, translate_messages = 1,"
            " reminder_offsets = ?, no_voice_told = '' WHERE id = ?",
            (first_name[:64], language, platform, ",".join(map(str, REMINDERS)), found.id),
        )
        await self.clear_state(found.id)
        taken = await self.get(found.id)
        assert taken is not None
        return Entered(taken, taken=True, consent_dropped=found.consent_at is not None)

    async def record_consent(self, user_id: int) -> None:
        await execute(self._tx, "UPDATE users SET consent_at = ? WHERE id = ?", (_now(), user_id))

    async def grant_role(self, user_id: int, role: str) -> None:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        await execute(
            self._tx,
            "INSERT INTO user_roles (user_id, role, granted_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (user_id, role, _now()),
        )

    async def revoke_role(self, user_id: int, role: str) -> None:
        """Take a role away; the desk's sessions and login links end with it."""
        async with self._tx.transaction(savepoint=False):
            await execute(
                self._tx, "DELETE FROM user_roles WHERE user_id = ? AND role = ?", (user_id, role)
            )
            await desk.close_all(self._tx, user_id)

    async def reminder_offsets(self, user_ids: list[int]) -> dict[int, tuple[int, ...]]:
        """Reminder times of many users at once (the reminder schedule needs thousands)."""
        found: dict[int, tuple[int, ...]] = {}
        for start in range(0, len(user_ids), 500):
            chunk = user_ids[start : start + 500]
            for row in await fetch_all(
                self._tx,
                "SELECT id, reminder_offsets FROM users"
                f" WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                found[row[0]] = tuple(int(x) for x in row[1].split(",") if x)
        return found

    async def unanswered(self, platform: str, since: datetime) -> list[tuple[str, str, str]]:
        """(update id, chat id, answers) of updates handled since ``since`` whose answers
        were never sent, by a process that is gone: with several processes on PostgreSQL, a
        live process's kept answers are its own to send (it may be sending them now)."""
        alive = (
            f" AND (handled_by IS NULL OR {process_gone('handled_by')})"
            if self._tx.dialect == "postgresql"
            else ""
        )
        rows = await fetch_all(
            self._tx,
            "SELECT update_id, chat_id, replies FROM processed_updates"
            " WHERE platform = ? AND answered_at IS NULL AND replies IS NOT NULL AND at >= ?"
            f"{alive} ORDER BY at",
            (platform, to_text(since)),
        )
        return [(row[0], row[1], row[2]) for row in rows]

    async def drop_unanswered(self, platform: str, before: datetime) -> int:
        """Forget the unsent answers of updates handled before ``before``; how many."""
        async with self._tx.single_statement():
            return await changed(
                self._tx,
                "UPDATE processed_updates SET replies = NULL, chat_id = NULL"
                " WHERE platform = ? AND answered_at IS NULL AND replies IS NOT NULL AND at < ?",
                (platform, to_text(before)),
            )

    async def mark_answered(self, platform: str, update_id: str) -> None:
        """The update's answers were sent: returns once that is written, together with the
        marks of the updates answered meanwhile (db/answered_marks.py)."""
        await self._answered.mark(platform, update_id)

    async def handled(self, platform: str, update_id: str) -> bool:
        """Whether the update ``update_id`` of ``platform`` was handled (within the days the
        handled updates are kept: data_rights.py ``handled_update_days``)."""
        row = await fetch_one(
            self._tx,
            "SELECT 1 FROM processed_updates WHERE platform = ? AND update_id = ?",
            (platform, update_id),
        )
        return row is not None

    async def note_handled(self, platform: str, update_id: str) -> None:
        """Record an update a transport handled itself (no dispatcher, nothing kept to send)
        as handled and answered: its number only, as :meth:`mark_answered` leaves it."""
        now = _now()
        async with self._tx.single_statement():
            await execute(
                self._tx,
                "INSERT INTO processed_updates (platform, update_id, at, answered_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (platform, update_id) DO NOTHING",
                (platform, update_id, now, now),
            )

    async def set_reminder_offsets(self, user_id: int, offsets: list[int]) -> None:
        await execute(
            self._tx,
            "UPDATE users SET reminder_offsets = ? WHERE id = ?",
            (",".join(str(o) for o in sorted(set(offsets), reverse=True)), user_id),
        )

    async def set_banned(self, user_id: int, banned: bool) -> None:
        """Ban or unban; the ban list keeps the ban when the account is deleted."""
        user = await self.get(user_id)
        if user is None:
            return
        async with self._tx.transaction(savepoint=False):
            await execute(
                self._tx,
                "UPDATE users SET banned_at = ? WHERE id = ?",
                (_now() if banned else None, user_id),
            )
            if banned:
                await self.bans.add(user.platform, user.platform_user_id)
                await desk.close_all(self._tx, user_id)
            else:
                await self.bans.remove(user.platform, user.platform_user_id)

    async def with_role(self, role: str) -> list[User]:
        rows = await fetch_all(
            self._tx,
            "SELECT users.*, " + _ROLES + " FROM users"
            " JOIN user_roles r ON r.user_id = users.id WHERE r.role = ?",
            (role,),
        )
        return [user for row in rows if (user := self._from_row(row)) is not None]

    async def set_on_duty(self, user_id: int, on_duty: bool) -> None:
        """A coordinator says they are on duty now, or off
        (handlers/helping/review/review_pace.py)."""
        if on_duty:
            await execute(
                self._tx,
                "INSERT INTO coordinators_on_duty (user_id, since) VALUES (?, ?)"
                " ON CONFLICT (user_id) DO NOTHING",
                (user_id, _now()),
            )
        else:
            await execute(
                self._tx, "DELETE FROM coordinators_on_duty WHERE user_id = ?", (user_id,)
            )

    async def on_duty(self) -> list[User]:
        """The people who said they are on duty, oldest first (their roles checked by the
        caller at the moment of acting)."""
        rows = await fetch_all(
            self._tx,
            "SELECT users.*, " + _ROLES + " FROM users"
            " JOIN coordinators_on_duty d ON d.user_id = users.id ORDER BY d.since, users.id",
        )
        return [user for row in rows if (user := self._from_row(row)) is not None]

    async def close_chat(self, platform: str, platform_user_id: str, chat_id: str) -> bool:
        """The person closed their private chat ``chat_id`` with the bot (blocked it): it is
        their address no more - nothing is offered or sent to them (an empty ``chat_id``,
        as for someone only seen in a group) until their next private update gives it
        back (:meth:`arrive`). The chat id is kept as ``closed_chat_id``: what is stored
        under it stays theirs for /mydata and erasure. False if it was not their address."""
        return (
            await changed(
                self._tx,
                "UPDATE users SET closed_chat_id = chat_id, chat_id = ''"
                " WHERE platform = ? AND platform_user_id = ?"
                " AND chat_id = ? AND chat_id != ''",
                (platform, platform_user_id, chat_id),
            )
            > 0
        )

    async def delete(self, user_id: int) -> None:
        """Erase the user; roles and conversation state go with them (ON DELETE CASCADE)."""
        await execute(self._tx, "DELETE FROM users WHERE id = ?", (user_id,))

    async def inactive(self, seen_before: datetime) -> list[User]:
        """Users not seen since ``seen_before`` (for the retention job)."""
        rows = await fetch_all(
            self._tx, _SELECT_USER + " WHERE seen_at < ? ORDER BY id", (to_text(seen_before),)
        )
        return [user for row in rows if (user := self._from_row(row)) is not None]

    async def unagreed(self, seen_before: datetime) -> list[User]:
        """Users who never agreed to the notice, not seen since ``seen_before`` (for the
        retention job, which keeps only those with data of their own)."""
        rows = await fetch_all(
            self._tx,
            _SELECT_USER + " WHERE consent_at IS NULL AND seen_at < ? ORDER BY id",
            (to_text(seen_before),),
        )
        return [user for row in rows if (user := self._from_row(row)) is not None]

    async def get_state(self, user_id: int) -> ConversationState | None:
        row = await fetch_one(
            self._tx, "SELECT state, data FROM conversations WHERE user_id = ?", (user_id,)
        )
        if row is None:
            return None
        return ConversationState(row["state"], json.loads(row["data"]))

    @staticmethod
    def state_statement(user_id: int, state: ConversationState | None) -> Statement:
        """Store (or, for None, remove) a conversation state, as a statement for writing
        with others in one round trip."""
        if state is None:
            return own_row("DELETE FROM conversations WHERE user_id = ?"), (user_id,)
        return (
            own_row(
                "INSERT INTO conversations (user_id, state, data, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET state = excluded.state,"
                " data = excluded.data, updated_at = excluded.updated_at"
            ),
            (user_id, state.state, json.dumps(state.data, ensure_ascii=False), _now()),
        )

    async def set_state(self, user_id: int, state: str, data: dict[str, Any] | None = None) -> None:
        await execute(
            self._tx, *self.state_statement(user_id, ConversationState(state, data or {}))
        )

    async def state_since(self, user_id: int) -> datetime | None:
        """When the person's conversation state was last set (None: they have none)."""
        row = await fetch_one(
            self._tx, "SELECT updated_at FROM conversations WHERE user_id = ?", (user_id,)
        )
        return from_text(row[0]) if row is not None else None

    async def clear_state(self, user_id: int) -> None:
        await execute(self._tx, *self.state_statement(user_id, None))
