"""What a conversation needs between two updates that is not its step: marks a chat (or a
desk session) carries for a while, in the city's database, so that whichever bot process
takes the next update finds them (several processes share one PostgreSQL database and any
of them takes any webhook update: docs/postgresql.md). Before, each was kept in the memory
of the process that set it: the next update, at another process, found nothing - a reply
keyboard left under the input field, a group told twice.

A mark is (platform, chat, mark) with an optional value and the moment it lapses
(``until``); a lapsed mark counts as none and retention removes it (db/personal_data.py,
``conversation_marks``). The marks, by who sets them:

- ``keyboard`` (bot/transports/telegram.py): the chat shows a location request's reply
  keyboard; the next message takes it away. Lapses after :data:`KEYBOARD_KEPT`.
- ``album:<media group>`` (telegram.py): an album whose first item was answered; its
  later items, which Telegram sends as messages of their own, are not. An hour.
- ``unnamed:<kind>`` (handlers/staff.py): the group was told that a command sent as the
  group or a channel does nothing; not again while it holds.
- ``form:<token>`` under the platform ``desk`` and a hash of the desk session
  (bot/web/desk/once.py): a desk form sent once, its value the answer it got.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from db.clock import to_text
from db.statements import changed, execute, fetch_one
from db.transactions import Transactions

# How long a location request's reply keyboard is remembered: past it, the keyboard a chat
# still shows stays until its next location step (as it did after a restart before).
KEYBOARD_KEPT = timedelta(days=30)


class ConversationMarks:
    """Each statement is one row by its key, inline (db/transactions.py): on SQLite it runs on
    the event loop's thread, without the database thread's round trip - the Telegram
    transport asks for the ``keyboard`` mark before every message it sends, and that trip
    was a fifth of an answer's time in the handler mix (bench/profiles/README.md)."""

    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def holds(self, platform: str, chat_id: str, mark: str, now: datetime) -> bool:
        """Whether the chat carries ``mark`` at ``now``."""
        return await self.value(platform, chat_id, mark, now) is not None

    async def value(self, platform: str, chat_id: str, mark: str, now: datetime) -> str | None:
        """The value of the chat's ``mark`` at ``now``; None when it has none (or it lapsed)."""
        async with self._tx.single_statement(inline=True):
            row = await fetch_one(
                self._tx,
                "SELECT value FROM conversation_marks"
                " WHERE platform = ? AND chat_id = ? AND mark = ? AND until > ?",
                (platform, chat_id, mark, to_text(now)),
            )
        return None if row is None else str(row[0])

    async def put(
        self, platform: str, chat_id: str, mark: str, until: datetime, value: str = ""
    ) -> None:
        """The chat carries ``mark`` (with ``value``) until ``until``, whatever it carried."""
        async with self._tx.single_statement(inline=True):
            await execute(
                self._tx,
                "INSERT INTO conversation_marks (platform, chat_id, mark, value, until)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, chat_id, mark)"
                " DO UPDATE SET value = excluded.value, until = excluded.until",
                (platform, chat_id, mark, value, to_text(until)),
            )

    async def claim(
        self, platform: str, chat_id: str, mark: str, now: datetime, until: datetime
    ) -> bool:
        """Set ``mark`` until ``until`` if the chat does not carry it at ``now``: True for the
        one caller (of any process) that set it, False while it holds."""
        async with self._tx.single_statement(inline=True):
            return (
                await changed(
                    self._tx,
                    "INSERT INTO conversation_marks (platform, chat_id, mark, value, until)"
                    " VALUES (?, ?, ?, '', ?) ON CONFLICT (platform, chat_id, mark)"
                    " DO UPDATE SET value = '', until = excluded.until"
                    " WHERE conversation_marks.until <= ?",
                    (platform, chat_id, mark, to_text(until), to_text(now)),
                )
                > 0
            )

    async def drop(self, platform: str, chat_id: str, mark: str) -> None:
        async with self._tx.single_statement(inline=True):
            await execute(
                self._tx,
                "DELETE FROM conversation_marks WHERE platform = ? AND chat_id = ? AND mark = ?",
                (platform, chat_id, mark),
            )
