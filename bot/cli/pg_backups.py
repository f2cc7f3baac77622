"""``db backup`` and ``db restore`` on PostgreSQL (bot/cli/backups.py says what both do).

A backup is what deploy/nachbarbot-pg-backup.sh makes: one ``pg_dump --format=custom`` of
the whole database, so every city's schema (``public`` for the main city, ``city_<slug>``
for the others) is in it - checked with ``pg_restore --list`` before it is kept.

A restore refuses while any other client is connected to the database (pg_stat_activity:
the bot, the web, a psql; not the server's own workers), checks the dump (readable, every
chosen city in it, a schema version this code knows), dumps the database as it is beside the backup
(``FILE.before-restore-STAMP.dump``), then replaces the chosen cities in one transaction:
each city's schema dropped and restored (the main city's tables in ``public``, without
touching the ``cube`` extension the other cities use, nor the erasure list's own schema).
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import psycopg

from bot.cities import City
from bot.cli import backup_rotation
from bot.cli.city_list import where
from db.database import latest_migration
from db.erasure_ledger import SCHEMA as LEDGER_SCHEMA
from db.postgres import PASSWORD_VARIABLE, connection_options, redacted
from db.sqlite_restore import unused_stamp

# The dump's table of contents: "123; 2615 16386 SCHEMA - city_unna nachbarbot".
_SCHEMA_ENTRY = re.compile(r"^\d+; \d+ \d+ SCHEMA - (\S+) ", re.MULTILINE)
_VERSIONS_TABLE = "TABLE DATA {schema} schema_version "


class Refused(RuntimeError):
    pass


def _schema(city: City) -> str:
    return city.location[1] or "public"


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    password = os.environ.get(PASSWORD_VARIABLE)
    if password:
        env["PGPASSWORD"] = password
    return env


def _tool(*args: str, stdin: str | None = None) -> str:
    """Run a PostgreSQL client program; its output, or Refused with its complaint."""
    try:
        done = subprocess.run(
            args, input=stdin, capture_output=True, text=True, env=_environment(), check=False
        )
    except FileNotFoundError as exc:
        raise Refused(f"{args[0]} not found: install PostgreSQL's client programs") from exc
    if done.returncode != 0:
        raise Refused(f"{Path(args[0]).name} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def _dump(url: str, target: Path) -> None:
    """pg_dump's custom format, written under a temporary name, readable by the owner only."""
    partial = target.with_name(f".{target.name}.partial")
    old = os.umask(0o077)
    try:
        _tool("pg_dump", "--format=custom", "--compress=6", f"--file={partial}", f"--dbname={url}")
    except BaseException:
        # Where the dump could not be written (a read-only folder), its temporary file may
        # not be removable either: that must not hide why the dump failed.
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise
    finally:
        os.umask(old)
    os.replace(partial, target)


def _missing(listing: str, cities: Sequence[City]) -> list[str]:
    schemas = set(_SCHEMA_ENTRY.findall(listing))
    return [
        city.slug
        for city in cities
        if not (
            _schema(city) in schemas
            if city.location[1]
            else "TABLE public schema_version" in listing
        )
    ]


async def backup(cities: list[City], path: str) -> int:
    from bot.app import open_city_database
    from bot.cli.schema_versions import schema_versions

    target = Path(path)
    if target.exists():
        return _refuse(f"{target} exists already - choose a new file")
    url = cities[0].config.bot.database
    # A city not started yet gets its schema, as on SQLite its file; the others are dumped
    # as they are, not migrated first (the backup before an upgrade is of the old schema).
    for city, version in zip(cities, await schema_versions(cities), strict=True):
        if version == 0:
            await (await open_city_database(city)).close()
    try:
        _dump(url, target)
        missing = _missing(_tool("pg_restore", "--list", str(target)), cities)
    except Refused as exc:
        return _refuse(f"{exc}; no backup was made")
    if missing:
        target.unlink()
        return _refuse(f"the dump lacks the cities {', '.join(missing)}; no backup was made")
    for city in cities:
        print(f"{city.slug}: database {where(city)} copied to {target}")
    return 0


# How long a connection that is closing may still be listed (see _alone).
CLOSING_SECONDS = 10.0


def _refuse(why: str) -> int:
    print(f"nachbarbot: {why}", file=sys.stderr)
    return 1


def _others(url: str) -> list[str]:
    """The other connections to the database, by their application name; Refused where
    the server cannot be reached (down, a wrong address or login), said as every other
    command says it."""
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=15, **connection_options())
    except psycopg.OperationalError as exc:
        raise Refused(
            f"the PostgreSQL server of bot.database ({redacted(url)}) cannot be reached:"
            f" {' '.join(str(exc).split())} - start it or correct bot.database"
        ) from exc
    with conn:
        # Clients only: the server's own workers are listed too (an autovacuum worker tidying
        # the tables just written, with no application name: "pid 2104"), and a restore
        # refused for one of them told the operator to stop a bot that was not running.
        # Each by its name (the bot's processes name theirs: program, command, host, pid;
        # db/postgres.py) and where it connects from.
        rows = conn.execute(
            "SELECT COALESCE(NULLIF(application_name, ''), 'pid ' || pid)"
            " || ' from ' || COALESCE(host(client_addr), 'the local socket')"
            " FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        ).fetchall()
    return sorted({str(row[0]) for row in rows})


def _version(dump: Path, schema: str) -> int:
    """The highest schema version in the dump's ``schema.schema_version``."""
    script = _tool(
        "pg_restore",
        "--data-only",
        f"--schema={schema}",
        "--table=schema_version",
        "--file=-",
        str(dump),
    )
    versions, copying = [], False
    for line in script.splitlines():
        if line.startswith("COPY "):
            copying = True
        elif line == "\\.":
            copying = False
        elif copying and line:
            versions.append(int(line.split("\t", 1)[0]))
    return max(versions, default=0)


def _checked(dump: Path, cities: list[City]) -> str:
    if not dump.is_file():
        raise Refused(f"{dump}: no such file")
    listing = _tool("pg_restore", "--list", str(dump))
    missing = _missing(listing, cities)
    if missing:
        raise Refused(f"the backup has no copy of: {', '.join(missing)}")
    latest = latest_migration("postgresql")
    for city in cities:
        version = _version(dump, _schema(city))
        if version > latest:
            raise Refused(
                f"{city.slug}: the backup has schema version {version}, newer than this"
                f" nachbarbot knows ({latest}): restore it with the version that made it"
            )
        print(f"{city.slug}: backup {dump} checked: readable, schema version {version}")
    return listing


_DROP_PUBLIC_TABLES = """
DO $$
DECLARE name text;
BEGIN
    FOR name IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('DROP TABLE public.%I CASCADE', name);
    END LOOP;
END $$;
"""


# The extension every city's places use, as migration 0019 makes it (pg_restore --schema
# leaves extensions out): a new, empty database has none yet.
_PRELUDE = ("SET client_min_messages = warning;", "CREATE EXTENSION IF NOT EXISTS cube;")


def _has_ledger(url: str) -> bool:
    with psycopg.connect(url, autocommit=True, **connection_options()) as conn:
        row = conn.execute("SELECT to_regnamespace(%s) IS NOT NULL", (LEDGER_SCHEMA,)).fetchone()
    return bool(row and row[0])


def _replace(url: str, dump: Path, cities: list[City], listing: str) -> None:
    """The chosen cities dropped and restored from ``dump``, in one transaction."""
    parts = list(_PRELUDE)
    if not _has_ledger(url) and f"SCHEMA - {LEDGER_SCHEMA} " in listing:
        # A new database has no erasure list: the dump's is the best there is.
        parts.append(f"CREATE SCHEMA {LEDGER_SCHEMA};")
        parts.append(
            _tool("pg_restore", "--no-owner", f"--schema={LEDGER_SCHEMA}", "--file=-", str(dump))
        )
    for city in cities:
        schema = _schema(city)
        if city.location[1]:
            # pg_restore --schema restores what is in the schema, not the schema itself.
            parts.append(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}";')
        else:
            parts.append(_DROP_PUBLIC_TABLES)
        script = _tool("pg_restore", "--no-owner", f"--schema={schema}", "--file=-", str(dump))
        parts.append(script)
    _psql(url, parts)


# Where a city of the backup is restored and migrated to be checked, and where this code's
# own schema is made to compare it with; both dropped again whatever the outcome.
_CHECK, _FRESH, _HOLD = "restore_check", "restore_fresh", "restore_hold"

_MOVE = """
DO $$
DECLARE rel record;
BEGIN
    FOR rel IN SELECT c.relname, c.relkind FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = '{source}' AND (c.relkind IN ('r', 'p', 'v', 'm')
            OR c.relkind = 'S' AND NOT EXISTS (SELECT 1 FROM pg_depend d
                WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
    LOOP
        EXECUTE format('ALTER %s %I.%I SET SCHEMA %I',
            CASE rel.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
            '{source}', rel.relname, '{target}');
    END LOOP;
END $$;
"""

_RENAME = """
DO $$ BEGIN
    IF to_regnamespace('{source}') IS NOT NULL THEN
        ALTER SCHEMA "{source}" RENAME TO "{target}";
    END IF;
END $$;
"""


def _into_scratch(url: str, dump: Path, city: City) -> None:
    """The city's part of ``dump`` restored into the schema ``_CHECK``, the live city left as
    it was: in one transaction, the live city is moved aside, the backup restored under its
    name (pg_restore writes the schema's name into every statement), moved to ``_CHECK``,
    and the live city moved back - nothing of it changed when that transaction ends."""
    schema = _schema(city)
    script = _tool("pg_restore", "--no-owner", f"--schema={schema}", "--file=-", str(dump))
    if city.location[1]:
        parts = [
            _RENAME.format(source=schema, target=_HOLD),
            f'CREATE SCHEMA "{schema}";',
            script,
            f'ALTER SCHEMA "{schema}" RENAME TO {_CHECK};',
            _RENAME.format(source=_HOLD, target=schema),
        ]
    else:
        parts = [
            f"CREATE SCHEMA {_HOLD};",
            _MOVE.format(source="public", target=_HOLD),
            script,
            f"CREATE SCHEMA {_CHECK};",
            _MOVE.format(source="public", target=_CHECK),
            _MOVE.format(source=_HOLD, target="public"),
            f"DROP SCHEMA {_HOLD};",
        ]
    _psql(url, [*_PRELUDE, *parts])


def _psql(url: str, parts: list[str]) -> None:
    _tool(
        "psql",
        "--no-psqlrc",
        "--quiet",
        "--single-transaction",
        "--set=ON_ERROR_STOP=1",
        f"--dbname={url}",
        stdin="\n".join(parts),
    )


async def _usable(url: str, dump: Path, cities: list[City], *, migrated: bool) -> None:
    """Each chosen city of ``dump`` restored into a scratch schema and checked before any city
    is replaced, Refused where this code cannot use it: a migration recorded in it with
    another text than this release's (the ledger, db/migration_ledger.py), another city's
    data (restore_steps.py ``other_city``) - and for ``db restore`` (``migrated``) migrated
    there to this code and compared with this code's schema (bot/cli/backups.py's
    ``schema_gap``, as on SQLite); ``db go-back`` opens it as it is, never migrating it."""
    from bot.cli.restore_steps import other_city, schema_gap
    from db import Database
    from db.migration_ledger import MigrationError

    try:
        wanted = None
        if migrated:
            fresh = await Database.open(url, schema=_FRESH, min_size=1, max_size=1)
            try:
                wanted = await fresh.data_rights.live_columns()
            finally:
                await fresh.close()
        for city in cities:
            _into_scratch(url, dump, city)
            try:
                copy = await Database.open(
                    url, schema=_CHECK, min_size=1, max_size=1, migrate=migrated, upgrade=migrated
                )
            except (MigrationError, psycopg.Error) as exc:
                raise Refused(f"{city.slug}: the backup cannot be used: {exc}") from exc
            try:
                gap = ""
                if wanted is not None:
                    gap = schema_gap(await copy.data_rights.live_columns(), wanted)
                foreign = await other_city(copy, city, str(dump))
            finally:
                await copy.close()
            if foreign:
                raise Refused(foreign)
            if gap:
                raise Refused(f"{city.slug}: the backup {gap}")
            _drop_scratch(url)
            if migrated:
                print(f"{city.slug}: backup migrated on a scratch copy: this version runs on it")
            else:
                print(
                    f"{city.slug}: backup checked on a scratch copy, not migrated: its"
                    " migrations as this version has them, the city's own data"
                )
    finally:
        _drop_scratch(url)


def _drop_scratch(url: str) -> None:
    with psycopg.connect(url, autocommit=True, **connection_options()) as conn:
        for schema in (_CHECK, _FRESH, _HOLD):
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _aside(dump: Path, stamp: str) -> Path:
    """Where a restore from ``dump`` saves the database as it was (``stamp`` made unique
    by ``unused_stamp``: a second restore within the same second keeps the first's)."""
    return dump.with_name(f"{dump.name}.before-restore-{stamp}.dump")


def _alone(url: str) -> None:
    """Refused while another client is connected to the database. A client that has just
    closed its connection is still listed until its server process has ended - this
    command's own pg_dump of the database set aside was, a moment after it exited, and the
    restore was refused for it (seen in CI): a connection is another client's only if it
    is still there after a grace of CLOSING_SECONDS."""
    others = _others(url)
    deadline = time.monotonic() + CLOSING_SECONDS
    while others and time.monotonic() < deadline:
        time.sleep(0.1)
        others = _others(url)
    if others:
        raise Refused(
            f"the database {redacted(url)} has other connections open: {', '.join(others)}"
            " - stop the bot and the web (systemctl stop nachbarbot nachbarbot-web) first"
        )


def _save_aside(url: str, dump: Path) -> None:
    """The database as it is, dumped beside ``dump`` before it is replaced, and said."""
    stamp = unused_stamp(backup_rotation.new_stamp(), lambda s: _aside(dump, s).exists())
    aside = _aside(dump, stamp)
    try:
        _dump(url, aside)
    except Refused as exc:
        raise Refused(f"the database as it was could not be saved to {aside}: {exc}") from exc
    print(
        f"the database as it was: {aside} - it holds personal data: in the nightly"
        " backups' folder their rotation deletes it once older than NACHBARBOT_BACKUP_DAYS"
        " (by the time in its name); elsewhere delete it once the restored bot runs well"
    )


async def go_back(cities: list[City], path: str) -> int:
    """``db go-back`` on PostgreSQL (bot/cli/go_back.py): each chosen city checked on a
    scratch copy as ``db restore`` checks it, but not migrated (:func:`_usable`), then the
    chosen cities replaced by the dump's as they are, not migrated, each marked
    (db/went_back.py)."""
    from bot.cli.restore_steps import OLDEST, may_run, say_erased_since
    from db import went_back

    url = cities[0].config.bot.database
    dump = Path(path)
    latest = latest_migration("postgresql")
    try:
        _alone(url)
        listing = _checked(dump, cities)
        versions = [_version(dump, _schema(city)) for city in cities]
        for city, version in zip(cities, versions, strict=True):
            if version < OLDEST:
                raise Refused(
                    f"{city.slug}: schema version {version} is older than any version db"
                    " go-back can go back to; restore it with db restore"
                )
        await _usable(url, dump, cities, migrated=False)
        _save_aside(url, dump)
        _alone(url)  # again: a bot started while the backup was checked
        _replace(url, dump, cities, listing)
    except Refused as exc:
        return _refuse(f"{exc}; nothing was restored")
    for city, version in zip(cities, versions, strict=True):
        if version < latest:
            with psycopg.connect(url, autocommit=True, **connection_options()) as conn:
                table = f'"{_schema(city)}".transport_state'
                conn.execute(
                    f"INSERT INTO {table} (key, value) VALUES (%s, %s)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (went_back.KEY, str(version)),
                )
        print(
            f"{city.slug}: {dump} is now the city's data in {where(city)}, at its own schema"
            f" version {version} (not migrated): {may_run(version, 'postgresql')}"
        )
        await say_erased_since(city, url, [], schema=city.location[1])
    return 0


async def restore(cities: list[City], path: str) -> int:
    from bot.app import open_city_database
    from bot.cli.restore_steps import erase_listed, erased_again

    url = cities[0].config.bot.database
    dump = Path(path)
    try:
        _alone(url)
        listing = _checked(dump, cities)
        await _usable(url, dump, cities, migrated=True)
        _save_aside(url, dump)
        _alone(url)  # again: a bot started while the backup was checked
        _replace(url, dump, cities, listing)
    except Refused as exc:
        return _refuse(f"{exc}; nothing was restored")
    for city in cities:
        print(f"{city.slug}: {dump} is now the city's data in {where(city)}")
        db = await open_city_database(city, upgrade=True)
        try:
            ledgers = [] if db.erasure_ledger is None else [db.erasure_ledger]
            count, back = await erase_listed(db, city, ledgers)
            version = await db.schema_version()
        finally:
            await db.close()
        print(f"{city.slug}: schema version {version}; {erased_again(count, back)}")
    return 0
