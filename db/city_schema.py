"""A city's own PostgreSQL schema, and the checks that keep the main city's rows out of it.

Each city but the main one lives in a schema of its own (``city_<slug>``) in the one
database; its connections search ``city_<slug>, public`` (``public`` for the ``cube``
extension's functions and operators, which the nearest-place search needs). That search
path has a trap: a table or view missing from the city's schema does not fail, it silently
resolves to the main city's in ``public``, and a city would read and write another city's
people. So a city's schema is refused, at every open and before and after migrating, when

- the connection does not work in it (``current_schema()`` is another: the schema is
  missing, or something between the bot and PostgreSQL dropped the ``search_path``),
- a table or view that its migrations created is missing from it, or
- anything of it (a view's query, a foreign key, a column default naming a sequence, an
  owned sequence) depends on a table, view or sequence of another schema.

Identity sequences belong to their table and so to its schema; the checks above hold for
them as for everything else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# PostgreSQL's plain identifiers, lowercase, up to its 63 bytes: nothing needs quoting.
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_RESERVED = ("public", "information_schema")

_COMMENT = re.compile(r"--[^\n]*")
_CREATED = re.compile(
    r"\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|VIEW|MATERIALIZED\s+VIEW)\s+"
    r"(?:IF\s+NOT\s+EXISTS\s+)?(\w+)",
    re.I,
)
_DROPPED = re.compile(
    r"\bDROP\s+(?:TABLE|VIEW|MATERIALIZED\s+VIEW)\s+(?:IF\s+EXISTS\s+)?(\w+)", re.I
)
_RENAMED = re.compile(
    r"\bALTER\s+(?:TABLE|VIEW)\s+(?:IF\s+EXISTS\s+)?(\w+)\s+RENAME\s+TO\s+(\w+)", re.I
)

# Objects of the schema and the relation each belongs to: the relations themselves, view
# queries (rewrite rules), column defaults and constraints. Their dependencies on pg_class
# rows (tables, views, sequences, indexes) must all stay inside the schema.
_FOREIGN_DEPENDENCIES = """
SELECT DISTINCT mine.relname, theirs_ns.nspname || '.' || theirs.relname
FROM (
    SELECT 'pg_class'::regclass::oid AS classid, c.oid AS objid, c.relname, c.relnamespace
        FROM pg_class c
    UNION ALL SELECT 'pg_rewrite'::regclass::oid, w.oid, c.relname, c.relnamespace
        FROM pg_rewrite w JOIN pg_class c ON c.oid = w.ev_class
    UNION ALL SELECT 'pg_attrdef'::regclass::oid, a.oid, c.relname, c.relnamespace
        FROM pg_attrdef a JOIN pg_class c ON c.oid = a.adrelid
    UNION ALL SELECT 'pg_constraint'::regclass::oid, k.oid, c.relname, c.relnamespace
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
) mine
JOIN pg_depend d ON d.classid = mine.classid AND d.objid = mine.objid
JOIN pg_class theirs ON d.refclassid = 'pg_class'::regclass AND theirs.oid = d.refobjid
JOIN pg_namespace theirs_ns ON theirs_ns.oid = theirs.relnamespace
WHERE mine.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = %s)
  AND theirs.relnamespace <> mine.relnamespace
ORDER BY 1, 2
"""


def check_schema_name(schema: str) -> None:
    """A city's schema name, or ValueError: a plain lowercase identifier, not one of
    PostgreSQL's own schemas and not ``public`` (the main city's)."""
    if not _SCHEMA_NAME.fullmatch(schema) or schema in _RESERVED or schema.startswith("pg_"):
        raise ValueError(
            f"not a city schema name: {schema!r} (lowercase letters, digits and '_', not"
            " public, information_schema or pg_*)"
        )


def relations_created(migrations: Iterable[Path]) -> set[str]:
    """The tables and views that these migration files leave behind, in their order."""
    found: set[str] = {"schema_version"}
    for path in migrations:
        text = _COMMENT.sub("", path.read_text(encoding="utf-8"))
        events: list[tuple[int, str, str, str]] = []
        events += [(m.start(), "create", m.group(1).lower(), "") for m in _CREATED.finditer(text)]
        events += [(m.start(), "drop", m.group(1).lower(), "") for m in _DROPPED.finditer(text)]
        events += [
            (m.start(), "rename", m.group(1).lower(), m.group(2).lower())
            for m in _RENAMED.finditer(text)
        ]
        for _, kind, name, new_name in sorted(events):
            if kind == "create":
                found.add(name)
            elif kind == "drop":
                found.discard(name)
            else:
                found.discard(name)
                found.add(new_name)
    return found


async def problems(conn: Any, schema: str, expected: set[str]) -> list[str]:
    """What is wrong with ``schema`` as a city's home on the connection ``conn`` (a psycopg
    connection whose search path starts with it); empty when it is sound."""
    cursor = await conn.execute("SELECT current_schema()")
    row = await cursor.fetchone()
    current = row[0] if row else None
    if current != schema:
        return [
            f"the connection works in schema {current!r}, not the city's {schema!r}"
            " (the schema is missing, or the search_path option did not arrive)"
        ]
    cursor = await conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm')",
        (schema,),
    )
    present = {name for (name,) in await cursor.fetchall()}
    found = [
        f"{schema}.{name} is missing (it would be read from another schema)"
        for name in sorted(expected - present)
    ]
    cursor = await conn.execute(_FOREIGN_DEPENDENCIES, (schema,))
    found += [
        f"{schema}.{mine} depends on {theirs}, outside the city's schema"
        for mine, theirs in await cursor.fetchall()
    ]
    return found
