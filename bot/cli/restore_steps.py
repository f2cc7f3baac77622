"""What db restore, db go-back and their PostgreSQL half (pg_backups.py) check and do
alike: whose data a backup holds, what its schema lacks, which version may run on it, and
erasing again whom an erasure list names. A module below all three, so that none of them
imports another's helpers back."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.app import build_router
from bot.cities import City
from db import Database, went_back
from db.database import available_migrations, latest_migration
from db.erasure_ledger import ErasureLedger, made_after
from db.postgres import is_postgres
from db.transport_state import CITY

# The first migration with transport_state, where db go-back's mark is kept.
OLDEST = 6


def may_run(version: int, dialect: str = "sqlite") -> str:
    """Which version may run on a database at ``version``, for the operator."""
    name = went_back.names(version, available_migrations(dialect))
    if version >= latest_migration(dialect):
        return f"this version (newest migration {name}) runs on it as it is"
    return (
        f"run the version whose newest migration is {name} on it (docs/releases.md names"
        f" each release by its schema, as --version does); this version refuses it until db"
        f" migrate upgrades it again"
    )


async def say_erased_since(
    city: City, location: str | Path, ledgers: list[ErasureLedger], schema: str | None = None
) -> None:
    """How many accounts of the database put back were erased since the backup (the lists
    ``ledgers``, and on PostgreSQL the database's own): the older version does not erase
    them again, this one does when it upgrades the database."""
    db = await Database.open(location, schema=schema, migrate=False)
    try:
        own = [db.erasure_ledger] if is_postgres(str(location)) and db.erasure_ledger else []
        count = await erased_since(db, [*ledgers, *own])
    finally:
        await db.close()
    _say(city, count)


async def erased_since(db: Database, ledgers: list[ErasureLedger]) -> int:
    """How many accounts of ``db`` were erased after it was made (not made anew since)."""
    rows = await db.fetch_all("SELECT platform, platform_user_id, created_at FROM users")
    made = {(str(row[0]), str(row[1])): str(row[2]) for row in rows}
    listed: set[tuple[str, str]] = set()
    for ledger in ledgers:
        found = await ledger.listed_at(made)
        listed |= {each for each, (_, when) in found.items() if not made_after(made[each], when)}
    return len(listed)


def _say(city: City, count: int) -> None:
    if not count:
        print(f"{city.slug}: no account of the backup was erased since it was taken")
        return
    print(
        f"{city.slug}: warning: {count} accounts of the backup were erased since it was taken"
        " and are in it again; the older version does not erase them again, this version does"
        " when db migrate upgrades the database - to keep them erased meanwhile, restore with"
        " db restore instead and stay on this version"
    )


async def other_city(db: Database, city: City, source: str) -> str:
    """Why the backup ``db`` (opened from ``source``) must not become ``city``'s data - it
    holds another city's (the city each database records, db/transport_state.py) - or ""
    where it may (its city, or none recorded: made before cities were recorded)."""
    recorded = await db.transport_state.get(CITY)
    if recorded is None or recorded == city.slug:
        return ""
    return (
        f"{city.slug}: {source} holds the data of the city {recorded!r}, not of"
        f" {city.slug!r} - a backup of another installation, or another city's copy under"
        f" this name (or this city, renamed since its database was first opened as"
        f" {recorded!r}: restore it under that name, docs/operations.md)"
    )


def schema_gap(found: Iterable[tuple[str, str]], wanted: Iterable[tuple[str, str]]) -> str:
    """What a migrated backup (its ``found`` (table, column) pairs) lacks of this code's
    schema (``wanted``), said for the operator; empty when nothing. Both backends' restore
    refuse a backup with a gap: the code would fail on it once it is live."""
    missing = sorted(set(wanted) - set(found))
    if not missing:
        return ""
    named = ", ".join(f"{table}.{column}" for table, column in missing[:5])
    return (
        f"lacks {len(missing)} columns of the schema, e.g. {named}: not a whole nachbarbot database"
    )


def erased_again(count: int, back: int) -> str:
    """What a restore's erasing again did, for the operator: only what it erased."""
    said = f"erased again: {count} accounts erased since"
    if back:
        said += (
            f"; not erased: {back} accounts made anew after their erasure (the person came back)"
        )
    return said


async def erase_listed(db: Database, city: City, ledgers: list[ErasureLedger]) -> tuple[int, int]:
    """Erase, each in its own transaction, the accounts of ``db`` any of ``ledgers`` names,
    each as of its erasure: an account made after it is the person's new one (she came
    back), not the one erased, and stays. How many were erased, and how many stayed so."""
    # Loaded here: backup and the other db commands start without the handlers.
    from handlers.context import Backstage
    from handlers.privacy import erase

    rows = await db.fetch_all("SELECT platform, platform_user_id, created_at FROM users")
    made = {(str(row[0]), str(row[1])): str(row[2]) for row in rows}
    listed: dict[tuple[str, str], tuple[str, str]] = {}
    for ledger in ledgers:
        for named, (why, when) in (await ledger.listed_at(made)).items():
            if named not in listed or when > listed[named][1]:
                listed[named] = (why, when)
    settings = city.config.handler_settings()
    router = build_router()
    count = back = 0
    for (platform, account), (why, when) in sorted(listed.items()):
        if made_after(made[(platform, account)], when):
            back += 1
            continue
        person = await db.users.find(platform, account)
        if person is None:  # went with a number's person erased just before
            continue
        async with db.transaction():  # for the reason it was erased the first time
            await erase(Backstage(db, settings), router, person, why)
        count += 1
    return count, back
