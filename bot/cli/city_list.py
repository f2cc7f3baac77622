"""``python -m bot city list [--json]``: the operator's view of the installation's cities.

One entry per city, the main one first: its slug and name, where its configuration and its
data live (the database without its password), the chat accounts and backchannels it has,
the languages it offers, its web address, and from its own database the schema version and
how much is there (places, requests by state, volunteers, coordinators and admins).

Listing changes nothing: a city whose database does not exist yet is shown as such, not
created (``run`` and ``db migrate`` create it).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from bot.cities import BrokenCity, City
from bot.config import Config
from db import Database, MigrationError
from db.postgres import ServerUnreachable, is_postgres, redacted
from db.request_states import ACTIVE
from db.volunteers import RosterFilter


def where(city: City) -> str:
    """Where a city's data is, for the operator (without a password)."""
    location, schema = city.location
    return redacted(location) + (f" (schema {schema})" if schema else "")


@dataclass
class CityEntry:
    slug: str
    name: str
    main: bool
    configured_in: str
    database: str
    telegram: bool
    matrix: str
    backchannels: list[str]
    languages: list[str]
    web: str
    # From its database; None when it has none yet.
    schema_version: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    problem: str = ""
    # Its database could not be reached or read (not: not made yet, or a schema to
    # migrate): the listing ends with exit code 1, as every command that cannot reach a
    # database does (docs/operations.md, exit codes).
    unreadable: bool = False
    # Its file cannot be used (not TOML, a setting refused): why; the city is not served.
    broken: str = ""


async def overview(cities: list[City]) -> list[CityEntry]:
    """Each city's entry. Where the database server cannot be reached, the cities after
    the one that met it are not waited for again (each would wait OPEN_SECONDS): their
    data is on the same server, and they show the same problem."""
    entries: list[CityEntry] = []
    unreached: ServerUnreachable | None = None
    for city in cities:
        if unreached is None:
            try:
                entries.append(await _entry(city))
                continue
            except ServerUnreachable as exc:
                unreached = exc
        entry = _described(city)
        entry.problem = str(unreached)
        entry.unreadable = True
        entries.append(entry)
    return entries


def broken_entry(broken: BrokenCity, main: Config) -> CityEntry:
    """A city whose file cannot be used: where it is configured, where its data is (the
    installation's ``bot.database`` says), and why; listed as a failure (exit code 1)."""
    stand_in = broken.stand_in(main)
    return CityEntry(
        slug=broken.slug,
        name="",
        main=False,
        configured_in=str(broken.source),
        database=where(stand_in) if stand_in is not None else "",
        telegram=False,
        matrix="",
        backchannels=[],
        languages=[],
        web="",
        unreadable=True,
        broken=f"{broken.why} - the city is not served until it is corrected",
    )


async def _entry(city: City) -> CityEntry:
    """The city's entry, its database read (ServerUnreachable where its server cannot be
    reached)."""
    entry = _described(city)
    location, schema = city.location
    if not is_postgres(location) and not os.path.exists(location):
        entry.problem = "no database yet (created at the first start)"
        return entry
    try:
        db = await Database.open(location, schema=schema, migrate=False)
    except ServerUnreachable:
        raise
    except MigrationError as exc:  # a city schema not there yet, or not whole
        entry.problem = str(exc)
        return entry
    except Exception as exc:  # the listing goes on; doctor tells more
        entry.problem = f"database not readable ({type(exc).__name__}); see doctor"
        entry.unreadable = True
        return entry
    try:
        entry.schema_version = await db.schema_version()
        if entry.schema_version:
            entry.counts = await _counts(db)
    finally:
        await db.close()
    return entry


def _described(city: City) -> CityEntry:
    """The city's entry as its configuration has it."""
    config = city.config
    backchannels = []
    if config.help.telegram_backchannel:
        backchannels.append("telegram")
    if config.matrix.backchannel_room:
        backchannels.append("matrix")
    return CityEntry(
        slug=city.slug,
        name=city.name,
        main=city.main,
        configured_in=str(city.source) if city.source else "the main configuration",
        database=where(city),
        telegram=config.telegram.enabled,
        matrix=config.matrix.user_id if config.matrix.enabled else "",
        backchannels=backchannels,
        languages=list(config.bot.languages),
        web=(config.web.public_url or f"port {config.web.port}") if config.web.port else "",
    )


async def _counts(db: Database) -> dict[str, int]:
    counts = {"places": await db.places.count()}
    # The active requests by state, in the order a request goes through them.
    for state in ACTIVE:
        counts[f"requests {state}"] = len(await db.requests.in_state(state))
    counts["volunteers"], _ = await db.volunteers.roster(RosterFilter(), limit=0, offset=0)
    counts["coordinators"] = len(await db.users.with_role("coordinator"))
    counts["admins"] = len(await db.users.with_role("admin"))
    return counts


def as_json(entries: list[CityEntry]) -> str:
    return json.dumps([entry.__dict__ for entry in entries], ensure_ascii=False, indent=2)


def _broken_lines(entry: CityEntry) -> list[str]:
    details = [("configured in", entry.configured_in), ("problem", entry.broken)]
    if entry.database:
        details.insert(1, ("database", entry.database))
    return [f"{entry.slug}: its file cannot be used"] + [f"  {k}: {v}" for k, v in details]


def as_text(entries: list[CityEntry]) -> str:
    lines: list[str] = []
    for entry in entries:
        if entry.broken:
            lines += _broken_lines(entry)
            continue
        lines.append(f"{entry.slug}: {entry.name}{' (main city)' if entry.main else ''}")
        chats = ["Telegram bot"] if entry.telegram else []
        if entry.matrix:
            chats.append(f"Matrix {entry.matrix}")
        details: list[tuple[str, Any]] = [
            ("configured in", entry.configured_in),
            ("database", entry.database),
            ("chat accounts", ", ".join(chats) or "none"),
            ("backchannels", ", ".join(entry.backchannels) or "none"),
            ("languages", ", ".join(entry.languages)),
            ("web", entry.web or "none"),
        ]
        if entry.problem:
            details.append(("data", entry.problem))
        else:
            details.append(("schema version", entry.schema_version))
            details += list(entry.counts.items())
        lines += [f"  {label}: {value}" for label, value in details]
    return "\n".join(lines)
