"""Statements as the stores run them: each call one round trip to the database thread.

``async with conn.execute() as cur: await cur.fetchone()`` would make three (execute, fetch,
close); these helpers make one, and go through :class:`Transactions` so that a pending
``BEGIN`` travels along (see db/transactions.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from db.transactions import Statement, Transactions


async def fetch_all(tx: Transactions, sql: str, params: Any = ()) -> list[Any]:
    return await tx.fetch_all(sql, params)


# Ids bound in one statement at most: SQLite limits the parameters a statement may have.
ID_CHUNK = 500


async def fetch_by_ids(tx: Transactions, sql: str, ids: Iterable[int], *params: Any) -> list[Any]:
    """Run ``sql`` (with one ``IN ({ids})``, bound after its other ``params``) over ``ids``
    (each once, in order) in chunks of ID_CHUNK: the rows of all chunks."""
    unique = sorted(set(ids))
    rows: list[Any] = []
    for start in range(0, len(unique), ID_CHUNK):
        chunk = unique[start : start + ID_CHUNK]
        marks = ",".join("?" * len(chunk))
        rows.extend(await fetch_all(tx, sql.format(ids=marks), (*params, *chunk)))
    return rows


async def fetch_one(tx: Transactions, sql: str, params: Any = ()) -> Any | None:
    """The first row or None; meant for queries that find at most one row (a key, a
    LIMIT 1, an aggregate, a RETURNING of one row): all rows are read."""
    rows = await fetch_all(tx, sql, params)
    return rows[0] if rows else None


async def changed(tx: Transactions, sql: str, params: Any = ()) -> int:
    """Run a write and return how many rows it changed."""
    return await tx.changed(sql, params)


async def execute(tx: Transactions, sql: str, params: Any = ()) -> None:
    """Run a write whose result is not needed."""
    await tx.changed(sql, params)


async def execute_many(tx: Transactions, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    await tx.execute_many(sql, list(rows))


async def execute_all(tx: Transactions, statements: Iterable[Statement]) -> None:
    """Several writes in one round trip (inside a transaction, all or nothing with it)."""
    await tx.execute_all(list(statements))


async def fetch_each(tx: Transactions, queries: Iterable[Statement]) -> list[list[Any]]:
    """The rows of several queries, in one round trip."""
    return await tx.fetch_each(list(queries))


async def fetch_with_texts(
    tx: Transactions, rows_query: Statement, texts_query: Statement
) -> tuple[list[Any], dict[int, dict[str, tuple[str, str]]]]:
    """Rows and their translations (``id, lang, text, text`` rows, grouped by id and
    language) in one round trip."""
    rows, text_rows = await fetch_each(tx, [rows_query, texts_query])
    return rows, group_texts(text_rows)


def group_texts(rows: Iterable[Sequence[Any]]) -> dict[int, dict[str, tuple[str, str]]]:
    texts: dict[int, dict[str, tuple[str, str]]] = {}
    for row in rows:
        texts.setdefault(row[0], {})[row[1]] = (row[2], row[3])
    return texts
