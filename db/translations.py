"""Translations of user text (a cache in front of the engine) and the engine's daily use.

A translation is found by a hash of the text and the language pair; the text itself is not
stored here, only what the engine made of it, with whose words it was (``owner_id``) and
the request it belongs to, so that it goes with that text (db/personal_data.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from db.clock import utcnow
from db.statements import changed, execute, fetch_all, fetch_one
from db.transactions import Transactions


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cache_key(text: str, source: str, target: str) -> str:
    return hashlib.sha256(f"{source}\x1f{target}\x1f{text}".encode()).hexdigest()


@dataclass(frozen=True)
class Usage:
    """One day's use of the engine."""

    day: str
    characters: int = 0
    translated: int = 0
    cached: int = 0
    failures: int = 0
    over_budget: int = 0


class TranslationStore:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def cached(self, text: str, source: str, target: str) -> str | None:
        row = await fetch_one(
            self._tx,
            "SELECT translated FROM translations WHERE key = ?",
            (cache_key(text, source, target),),
        )
        return row[0] if row else None

    async def remember(
        self,
        text: str,
        source: str,
        target: str,
        translated: str,
        *,
        owner_id: int | None,
        request_id: int | None,
    ) -> None:
        async with self._tx.single_statement():
            await execute(
                self._tx,
                "INSERT INTO translations"
                " (key, text_hash, owner_id, request_id, translated, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
                " text_hash = excluded.text_hash, owner_id = excluded.owner_id,"
                " request_id = excluded.request_id, translated = excluded.translated,"
                " created_at = excluded.created_at",
                (
                    cache_key(text, source, target),
                    text_hash(text),
                    owner_id,
                    request_id,
                    translated,
                    utcnow(),
                ),
            )

    async def forget_text(self, owner_id: int, text: str) -> None:
        """The translations of a text its writer took back."""
        await execute(
            self._tx,
            "DELETE FROM translations WHERE owner_id = ? AND text_hash = ?",
            (owner_id, text_hash(text)),
        )

    async def count(self, day: str, **amounts: int) -> None:
        """Add to one day's figures (``characters``, ``translated``, ``cached``,
        ``failures``, ``over_budget``)."""
        columns = [name for name in amounts if name in Usage.__dataclass_fields__ and name != "day"]
        if not columns:
            return
        # Qualified: on PostgreSQL a bare name in DO UPDATE could be the row or excluded.
        sets = ", ".join(f"{name} = translation_usage.{name} + excluded.{name}" for name in columns)
        async with self._tx.single_statement():
            await execute(
                self._tx,
                f"INSERT INTO translation_usage (day, {', '.join(columns)})"
                f" VALUES (?, {', '.join('?' for _ in columns)})"
                f" ON CONFLICT (day) DO UPDATE SET {sets}",
                (day, *(amounts[name] for name in columns)),
            )

    async def reserve(self, day: str, characters: int, budget: int) -> bool:
        """Take ``characters`` of the day's installation-wide ``budget`` (the main city's
        table, whichever city or process asks), or nothing if they do not fit: one
        conditional UPDATE, so that cities and processes asking at once never overspend."""
        async with self._tx.transaction():
            await execute(
                self._tx,
                "INSERT INTO translation_budget (day, characters) VALUES (?, 0)"
                " ON CONFLICT (day) DO NOTHING",
                (day,),
            )
            return (
                await changed(
                    self._tx,
                    "UPDATE translation_budget SET characters = characters + ?"
                    " WHERE day = ? AND characters + ? <= ?",
                    (characters, day, characters, budget),
                )
                == 1
            )

    async def spent(self, day: str) -> int:
        """The installation's characters of ``day`` (on the main city's store)."""
        row = await fetch_one(
            self._tx, "SELECT characters FROM translation_budget WHERE day = ?", (day,)
        )
        return int(row[0]) if row else 0

    async def usage(self, day: str) -> Usage:
        row = await fetch_one(
            self._tx,
            "SELECT day, characters, translated, cached, failures, over_budget"
            " FROM translation_usage WHERE day = ?",
            (day,),
        )
        return Usage(*row) if row else Usage(day)

    async def usage_since(self, first_day: str) -> Usage:
        """The figures of ``first_day`` and every day after it, added up."""
        rows = await fetch_all(
            self._tx,
            "SELECT COALESCE(SUM(characters), 0), COALESCE(SUM(translated), 0),"
            " COALESCE(SUM(cached), 0), COALESCE(SUM(failures), 0),"
            " COALESCE(SUM(over_budget), 0) FROM translation_usage WHERE day >= ?",
            (first_day,),
        )
        return Usage(first_day, *rows[0])
