"""The ban list: who is banned, kept apart from the account so that a ban survives /delete.

Only a keyed hash (HMAC-SHA256) of platform and platform user id is stored: the list names
nobody, and without the key (made by the bot on first use, kept in ``secrets``) it cannot
even be tested against a list of ids from elsewhere.

One installation may serve several cities, each with its own database and its own list.
The operator may share a ban across them (:class:`SharedBanList`, `python -m bot bans
share`): the shared list lives in the main city's database under the main city's key, and
every city looks there too when someone writes to its bot for the first time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from db.clock import utcnow
from db.people_by_number import key_platform
from db.statements import changed, execute, fetch_all, fetch_one
from db.transactions import Transactions

_KEY_NAME = "ban_list_key"


class BanList:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions
        self._key: bytes | None = None

    async def _secret(self) -> bytes:
        if self._key is None:
            row = await fetch_one(
                self._tx, "SELECT value FROM secrets WHERE name = ?", (_KEY_NAME,)
            )
            if row is None:
                async with self._tx.transaction():
                    await execute(
                        self._tx,
                        "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
                        (_KEY_NAME, secrets.token_hex(32)),
                    )
                    row = await fetch_one(
                        self._tx, "SELECT value FROM secrets WHERE name = ?", (_KEY_NAME,)
                    )
                    assert row is not None
                    self._key = bytes.fromhex(row[0])
                    # Bans made before the list existed join it with the key.
                    for banned in await fetch_all(
                        self._tx,
                        "SELECT platform, platform_user_id FROM users WHERE banned_at IS NOT NULL",
                    ):
                        await self.add(banned[0], banned[1])
            else:
                self._key = bytes.fromhex(row[0])
        assert self._key is not None
        return self._key

    async def key_of(self, platform: str, platform_user_id: str, purpose: str = "") -> str:
        """The keyed hash of a chat account; another ``purpose`` gives another hash, so that
        two lists kept under the key cannot be joined to each other. A number is one
        account on the phone line and by SMS (db/people_by_number.py): one hash for both."""
        message = f"{purpose}{key_platform(platform)}\0{platform_user_id}".encode()
        return hmac.new(await self._secret(), message, hashlib.sha256).hexdigest()

    async def add(self, platform: str, platform_user_id: str) -> None:
        await execute(
            self._tx,
            "INSERT INTO ban_list (key_hash, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (await self.key_of(platform, platform_user_id), utcnow()),
        )

    async def remove(self, platform: str, platform_user_id: str) -> None:
        await execute(
            self._tx,
            "DELETE FROM ban_list WHERE key_hash = ?",
            (await self.key_of(platform, platform_user_id),),
        )

    async def contains(self, platform: str, platform_user_id: str) -> bool:
        row = await fetch_one(
            self._tx,
            "SELECT 1 FROM ban_list WHERE key_hash = ?",
            (await self.key_of(platform, platform_user_id),),
        )
        return row is not None


class SharedBanList:
    """The installation's bans shared across its cities, in the main city's database and
    hashed with the main city's key (``main``): someone on it is banned in every city from
    their first message there."""

    def __init__(self, main: BanList) -> None:
        self._main = main
        self._tx = main._tx

    async def add(self, platform: str, platform_user_id: str) -> bool:
        """Whether the ban was not shared before."""
        key = await self._main.key_of(platform, platform_user_id)
        async with self._tx.single_statement():
            return bool(
                await changed(
                    self._tx,
                    "INSERT INTO shared_bans (key_hash, created_at) VALUES (?, ?)"
                    " ON CONFLICT DO NOTHING",
                    (key, utcnow()),
                )
            )

    async def remove(self, platform: str, platform_user_id: str) -> bool:
        """Whether the ban was shared."""
        key = await self._main.key_of(platform, platform_user_id)
        async with self._tx.single_statement():
            return bool(
                await changed(self._tx, "DELETE FROM shared_bans WHERE key_hash = ?", (key,))
            )

    async def contains(self, platform: str, platform_user_id: str) -> bool:
        row = await fetch_one(
            self._tx,
            "SELECT 1 FROM shared_bans WHERE key_hash = ?",
            (await self._main.key_of(platform, platform_user_id),),
        )
        return row is not None
