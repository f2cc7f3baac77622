"""Data migrations: what a migration does to rows that SQL cannot say, in Python.

A migration is a file ``db/migrations/NNNN_name.sql`` (its schema change, or only its
comment); :data:`STEPS` names the Python of its number, which :meth:`Database.migrate
<db.database.Database.migrate>` runs after the file's SQL, on the connection migrating and
in the migration's own transaction, before the migration is recorded: a step that fails
leaves the schema and the data as they were, as a failing SQL statement does. One step for
both backends (``run`` takes "?" parameters on each). Like a released migration's file, a
released step is never edited: a correction is a new migration.

- 0062 ``typed_names_cleaned``: places and events typed on the desk or in the chat before
  the field rules cleaned them (before 6b0104e8) may hold line breaks, control characters,
  direction overrides and other invisible characters in their names, titles and addresses,
  and control characters or overrides in their descriptions. They are cleaned as the
  importers and the field rules clean what comes in now (locales/plain_text.py): a name,
  title or address one line with nothing invisible, cut nowhere; a description as written
  but for those. A place whose fields changed gets an entry in its history (actor
  ``upgrade``), as any change of a place does. A name or title of nothing visible is left
  as it was (an empty one would be no place in any list); none can be typed now.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from db.clock import utcnow
from db.migration_ledger import Run
from locales.plain_text import clean_name, clean_text

log = logging.getLogger(__name__)

# Who a place's history names for the changes an upgrade made.
ACTOR = "upgrade"


def _one_line(value: str) -> str:
    return clean_name(value, limit=len(value))


# What 0062 cleans: the table, its key's columns, and each text column with its rule.
# ``name``/``title`` keep their old value where cleaning leaves nothing (NEEDED).
_TYPED: tuple[tuple[str, tuple[str, ...], dict[str, Callable[[str], str]]], ...] = (
    (
        "places",
        ("id",),
        {
            "name": _one_line,
            "street": _one_line,
            "housenumber": _one_line,
            "postcode": _one_line,
            "description": clean_text,
        },
    ),
    ("place_texts", ("place_id", "lang"), {"name": _one_line, "description": clean_text}),
    (
        "events",
        ("id",),
        {"title": _one_line, "address": _one_line, "description": clean_text},
    ),
    ("event_texts", ("event_id", "lang"), {"title": _one_line, "description": clean_text}),
)
NEEDED = {("places", "name"), ("events", "title")}


async def typed_names_cleaned(run: Run) -> None:
    now = utcnow()
    for table, key, rules in _TYPED:
        columns = [*key, *rules]
        _names, rows = await run(f"SELECT {', '.join(columns)} FROM {table}", ())
        changed_rows = 0
        for row in rows:
            values = dict(zip(columns, row, strict=True))
            changes: dict[str, str] = {}
            for column, rule in rules.items():
                old = values[column] or ""
                new = rule(old)
                if new != old and (new or (table, column) not in NEEDED):
                    changes[column] = new
            if not changes:
                continue
            changed_rows += 1
            stamped = {**changes, "updated_at": now} if table in ("places", "events") else changes
            await run(
                f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in stamped)}"
                f" WHERE {' AND '.join(f'{c} = ?' for c in key)}",
                (*stamped.values(), *(values[c] for c in key)),
            )
            if table == "places":
                diff = {column: [values[column], new] for column, new in changes.items()}
                await run(
                    "INSERT INTO place_changes (place_id, action, actor, changed_by, changes, at)"
                    " VALUES (?, 'update', ?, NULL, ?, ?)",
                    (values["id"], ACTOR, json.dumps(diff, ensure_ascii=False), now),
                )
        if changed_rows:
            # How many, never what: logs hold no texts.
            log.info("cleaned the typed text of %d rows of %s", changed_rows, table)


# The Python step of a migration, by its number.
STEPS: dict[int, Callable[[Run], Awaitable[None]]] = {62: typed_names_cleaned}
