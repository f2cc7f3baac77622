"""The list of erased accounts, kept where a restore does not undo it (``db restore``
erases them again, bot/cli/backups.py).

What an entry holds is what erasing again needs and nothing more: the moment of the erasure
(UTC, to the second, as timestamps are stored: ``2026-11-29T03:10:00Z``; entries written
before the moment was kept hold its day, ``2026-11-29``) - to drop the entry once no backup
is that old (``privacy.backup_days``), and to tell the account erased from an account the
same person made anew after it (a person who comes back, which a restore must not erase:
only an account made before the erasure is erased again) - why it was done
("deleted", "consent", "inactive"), the platform, and an HMAC-SHA256 of the account's id on
it under a random key kept with the list - never a name, a number or a chat id. A restore
hashes each account of the restored database and erases those whose hash is listed.

- SQLite: a text file beside each city's database (``var/nachbarbot.sqlite3``:
  ``var/nachbarbot.erased``), readable by the bot's user only: its first line holds the
  key, then one line per erasure. ``db backup`` copies it beside the backup; a restore
  leaves it in place and also reads the backup's copy (an installation rebuilt on a new
  machine has only that one). The line is flushed to disk before the erasure commits: an
  erasure that fails after it stays listed, and a restore erases that person - who asked
  for it, or was due - rather than miss one who was erased.
- PostgreSQL: the table ``nachbarbot_erasures.accounts`` (and its key in
  ``nachbarbot_erasures.hmac_key``), in a schema of its own that ``db restore`` never
  replaces; written in the erasing transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from db.clock import to_text
from db.statements import execute, fetch_all
from db.transactions import Transactions

KEY_LINE = "key "
SCHEMA = "nachbarbot_erasures"
WHYS = ("deleted", "consent", "inactive")


@dataclass(frozen=True)
class Erased:
    day: str  # when: YYYY-MM-DDTHH:MM:SSZ (UTC); YYYY-MM-DD in entries of before
    why: str
    platform: str
    digest: str  # hex HMAC-SHA256 of "platform\nplatform_user_id" under the list's key


def digest(key: bytes, platform: str, account: str) -> str:
    return hmac.new(key, f"{platform}\n{account}".encode(), hashlib.sha256).hexdigest()


class ErasureLedger(Protocol):
    async def record(self, moment: datetime, why: str, accounts: Iterable[tuple[str, str]]) -> None:
        """One erasure at ``moment``: ``accounts`` as (platform, platform_user_id)."""

    async def listed(self, accounts: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Those of ``accounts`` the list names, each with why it was erased."""

    async def listed_at(
        self, accounts: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[str, str]]:
        """Those of ``accounts`` the list names, each with why and when (the newest
        erasure of the account: ``Erased.day``)."""

    async def prune(self, before: date) -> int:
        """Drop entries of erasures before ``before``; how many."""


def _named(
    key: bytes, entries: Iterable[tuple[str, str, str, str]], accounts: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str, str]]:
    """The ``accounts`` the ``entries`` (platform, digest, why, when) name, each with the
    reason and moment of its newest erasure."""
    newest: dict[tuple[str, str], tuple[str, str]] = {}
    for platform, hashed, why, when in entries:
        if (platform, hashed) not in newest or when > newest[(platform, hashed)][1]:
            newest[(platform, hashed)] = (why if why in WHYS else "deleted", when)
    found = {}
    for platform, account in accounts:
        entry = newest.get((platform, digest(key, platform, account)))
        if entry is not None:
            found[(platform, account)] = entry
    return found


def made_after(created_at: str, erased: str) -> bool:
    """Whether an account made at ``created_at`` (a stored timestamp) was made after the
    erasure of ``erased`` (``Erased.day``): the person came back, and that account is not
    the one erased. An entry with a day only tells a later day alone."""
    if len(erased) <= len("YYYY-MM-DD"):
        return created_at[: len(erased)] > erased
    return created_at > erased


def file_location(database: str | Path) -> Path:
    """The list beside a SQLite database file: ``x.sqlite3`` -> ``x.erased``."""
    return Path(database).with_suffix(".erased")


class FileLedger:
    """The list as a file (SQLite). Appends are flushed to disk before the erasure commits."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> tuple[bytes | None, list[Erased]]:
        try:
            lines = self.path.read_text(encoding="ascii").splitlines()
        except FileNotFoundError:
            return None, []
        except UnicodeDecodeError:
            raise ValueError(f"{self.path}: not a list of erased accounts (not text)") from None
        if not lines or not lines[0].startswith(KEY_LINE):
            raise ValueError(f"{self.path}: not a list of erased accounts")
        try:
            key = bytes.fromhex(lines[0][len(KEY_LINE) :])
        except ValueError:
            raise ValueError(f"{self.path}: its key line is damaged") from None
        entries = []
        for line in lines[1:]:
            parts = line.split()
            if len(parts) == 4:
                entries.append(Erased(*parts))
        return key, entries

    def unreadable(self) -> str:
        """Why the list cannot be read ("" where it can, or is not there yet): a restore
        asks before it replaces a database, for it erases again whom the list names."""
        try:
            self._read()
        except (ValueError, OSError) as exc:
            return str(exc)
        return ""

    def _key(self) -> bytes:
        key, _ = self._read()
        if key is not None:
            return key
        key = secrets.token_bytes(32)
        self._write(key, [])
        return key

    def _write(self, key: bytes, entries: list[Erased]) -> None:
        # Written whole under another name and renamed: a crash leaves the old or the new.
        partial = self.path.with_name(f".{self.path.name}.partial")
        fd = os.open(partial, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(f"{KEY_LINE}{key.hex()}\n")
            out.writelines(f"{e.day} {e.why} {e.platform} {e.digest}\n" for e in entries)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, self.path)

    async def record(self, moment: datetime, why: str, accounts: Iterable[tuple[str, str]]) -> None:
        key = self._key()
        lines = "".join(
            f"{to_text(moment)} {why} {platform} {digest(key, platform, account)}\n"
            for platform, account in accounts
        )
        with open(self.path, "a", encoding="ascii") as out:
            out.write(lines)
            out.flush()
            os.fsync(out.fileno())

    async def listed(self, accounts: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        return {found: why for found, (why, _) in (await self.listed_at(accounts)).items()}

    async def listed_at(
        self, accounts: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[str, str]]:
        key, entries = self._read()
        if key is None:
            return {}
        return _named(key, ((e.platform, e.digest, e.why, e.day) for e in entries), accounts)

    async def prune(self, before: date) -> int:
        key, entries = self._read()
        if key is None:
            return 0
        kept = [e for e in entries if e.day >= before.isoformat()]
        if len(kept) < len(entries):
            self._write(key, kept)
        return len(entries) - len(kept)


class TableLedger:
    """The list as a table in a schema of its own (PostgreSQL), one for every city (the
    city's schema names its entries)."""

    def __init__(self, tx: Transactions, city: str) -> None:
        self._tx = tx
        self.city = city

    async def _key(self) -> bytes:
        await execute(self._tx, f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        await execute(
            self._tx,
            f"CREATE TABLE IF NOT EXISTS {SCHEMA}.hmac_key"
            " (one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one), key TEXT NOT NULL)",
        )
        await execute(
            self._tx,
            f"CREATE TABLE IF NOT EXISTS {SCHEMA}.accounts (city TEXT NOT NULL,"
            " day TEXT NOT NULL, why TEXT NOT NULL, platform TEXT NOT NULL,"
            " digest TEXT NOT NULL)",
        )
        await execute(
            self._tx,
            f"INSERT INTO {SCHEMA}.hmac_key (key) VALUES (?) ON CONFLICT (one) DO NOTHING",
            (secrets.token_hex(32),),
        )
        rows = await fetch_all(self._tx, f"SELECT key FROM {SCHEMA}.hmac_key")
        return bytes.fromhex(rows[0][0])

    async def record(self, moment: datetime, why: str, accounts: Iterable[tuple[str, str]]) -> None:
        async with self._tx.transaction():
            key = await self._key()
            for platform, account in accounts:
                await execute(
                    self._tx,
                    f"INSERT INTO {SCHEMA}.accounts (city, day, why, platform, digest)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (self.city, to_text(moment), why, platform, digest(key, platform, account)),
                )

    async def listed(self, accounts: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        return {found: why for found, (why, _) in (await self.listed_at(accounts)).items()}

    async def listed_at(
        self, accounts: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[str, str]]:
        async with self._tx.transaction():
            key = await self._key()
            rows = await fetch_all(
                self._tx,
                f"SELECT platform, digest, why, day FROM {SCHEMA}.accounts WHERE city = ?",
                (self.city,),
            )
        return _named(key, ((row[0], row[1], row[2], row[3]) for row in rows), accounts)

    async def prune(self, before: date) -> int:
        async with self._tx.transaction():
            await self._key()
            rows = await fetch_all(
                self._tx,
                f"DELETE FROM {SCHEMA}.accounts WHERE city = ? AND day < ? RETURNING 1",
                (self.city, before.isoformat()),
            )
        return len(rows)
