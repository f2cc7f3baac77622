"""The database round trips of a pass of the handler mix on PostgreSQL, by kind: what each
trip carried (its statements' verbs and tables, ``BEGIN`` and the write lock as "BEGIN",
the lock's ``SELECT`` left out), and which function of nachbarbot's outside ``db/`` asked
for it. bench/postgres_bench.py runs one such pass after its timed rounds (its figures do
not enter the ratio) and prints the row: when the ratio drops, it says which trips came back.

A trip is one call of ``PostgresTransactions._send`` (db/postgres.py): one statement, or
several in pipeline mode under one Sync - every statement of the stores goes through it.
The pass also counts the updates handled under the city's lock (at once, where their kind
needed it lately: handlers/updates/city_lock.py) and those rolled back first (their first
attempt, under the person's lock alone, came to a write beyond the person's own rows:
db/postgres.py, "own rows"; or a handler failed) - the trips of those are in the figures twice.
"""

from __future__ import annotations

import collections
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.handler_steps import DB, _step

_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", re.I)


def statement_kind(text: str) -> str:
    """``SELECT conversation_marks``, ``INSERT users``: the verb and the first table."""
    verb = text.split(None, 1)[0].upper() if text.strip() else "?"
    table = _TABLE.search(text)
    return f"{verb} {table.group(1)}" if table and verb != "BEGIN" else verb


def trip_kind(statements: Any) -> str:
    """One trip's statements as one name (``BEGIN + INSERT users``)."""
    return " + ".join(
        statement_kind(text)
        for text, _values in statements
        if not text.startswith("SELECT pg_advisory_xact_lock")
    )


class Trips:
    """The round trips to PostgreSQL while ``sampling()`` runs, by kind and by asker."""

    def __init__(self) -> None:
        self.kinds: collections.Counter[str] = collections.Counter()
        self.askers: collections.Counter[str] = collections.Counter()
        # Updates handled under the city's lock (the person's BEGIN with it).
        self.locked = 0

    @contextmanager
    def sampling(self) -> Iterator[None]:
        """Counting (named as handler_steps.Steps' profile, for the mix's ``steps``)."""
        from db import postgres
        from db.postgres import PostgresTransactions

        send, person_begin = PostgresTransactions._send, postgres.person_begin
        kinds, askers = self.kinds, self.askers

        async def counted(self_, conn, statements):
            kinds[trip_kind(statements)] += 1
            askers[_step(sys._getframe(1), skip=DB) or "?"] += 1
            return await send(self_, conn, statements)

        def begun(schema: str | None, person: str, *, own_rows: bool) -> postgres.Sent:
            self.locked += not own_rows
            return person_begin(schema, person, own_rows=own_rows)

        PostgresTransactions._send = counted  # type: ignore[method-assign]
        postgres.person_begin = begun
        try:
            yield
        finally:
            PostgresTransactions._send = send  # type: ignore[method-assign]
            postgres.person_begin = person_begin

    def per_update(self, updates: int) -> float:
        return sum(self.kinds.values()) / updates

    def described(self, updates: int, count: int = 6) -> str:
        kinds = ", ".join(f"{k} {n / updates:.2f}" for k, n in self.kinds.most_common(count))
        askers = ", ".join(f"{k} {n / updates:.2f}" for k, n in self.askers.most_common(3))
        return (
            f"by kind: {kinds}; most asked by: {askers}; under the city's lock"
            f" {self.locked} of {updates}, rolled back and handled again {self.kinds['ROLLBACK']}"
        )
