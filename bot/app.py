"""Wiring: configuration → database → router → dispatcher → transports."""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cities import City
from bot.config import Config
from bot.transports import registry
from db import Database
from db.migration_ledger import MigrationError
from db.postgres import is_postgres, redacted
from db.restore_copies import remove_old, said
from db.sqlite_restore import not_writable
from handlers import build_router

# The features (the dispatcher, the retention rules) are loaded where a dispatcher or the
# retention is made: the commands that only open a database (db check, places, bans, roles)
# start without them.
if TYPE_CHECKING:
    from bot.delivery import Speaker
    from bot.transports.sending import MediaSource
    from handlers.dispatcher import Dispatcher

log = logging.getLogger(__name__)


async def open_database(config: Config) -> Database:
    return await Database.open(config.bot.database)


async def open_city_database(city: City, *, upgrade: bool = False) -> Database:
    """The city's own database: the main city's is ``bot.database`` itself; another city's
    is a file beside it (SQLite) or a schema in it (PostgreSQL), see ``city_location``.
    ``upgrade``: migrate it even where ``db go-back`` put it back (db/went_back.py)."""
    location, schema = city.location
    try:
        db = await Database.open(location, schema=schema, upgrade=upgrade)
    except sqlite3.DatabaseError as exc:
        raise _unreadable(location, exc) from exc
    except OSError as exc:
        if is_postgres(location):
            raise
        # Its folder cannot be made: a file where a folder should be, a disk not mounted,
        # a folder of another user. Before, a traceback from every command.
        raise MigrationError(
            f"{location} cannot be made: {_unmade(Path(location), exc)} - correct"
            " bot.database, or make its folder as the bot's user; nothing was changed"
        ) from exc
    try:
        # Which city's data this is, kept in the data: db restore refuses a backup recorded
        # for another city (another installation's, or a copy under another city's name).
        await db.transport_state.claim_city(city.slug)
    except BaseException as exc:
        await db.close()
        if isinstance(exc, sqlite3.DatabaseError):
            raise _unreadable(location, exc) from exc
        raise
    return db


def _unmade(location: Path, exc: OSError) -> str:
    """Why a database file's folder cannot be made: a file where a folder of its path
    should be (the system says "File exists" or "Not a directory"), else the system's
    reason and the path it names."""
    for each in location.parents:
        if each.is_file():
            return f"{each} is a file, not a folder"
    return f"{exc.strerror or exc} ({exc.filename})"


def _unreadable(location: str, exc: sqlite3.DatabaseError) -> MigrationError:
    """A file SQLite cannot read (a failing disk, a file copied while written), said in one
    line by every command that opens it (bot/cli/main.py), never a traceback. A file this
    user may not write (another user's, a read-only file system) is said as that: a backup
    restored would not help."""
    barred = "" if is_postgres(location) else not_writable(Path(location))
    if barred:
        return MigrationError(f"{location} cannot be written: {barred}; nothing was changed")
    return MigrationError(
        f"{redacted(location)} cannot be opened: {exc} - python -m bot db check shows what"
        " SQLite finds; restore a backup (db restore, docs/operations.md); nothing was changed"
    )


def build_dispatcher(db: Database, config: Config) -> Dispatcher:
    from handlers.dispatcher import Dispatcher

    return Dispatcher(db, build_router(), config.handler_settings())


async def apply_retention(
    db: Database,
    config: Config,
    now: datetime | None = None,
    on_failure: Callable[[str], None] | None = None,
    database: str | None = None,
    say: Callable[[str], None] | None = None,
) -> dict[str, int | None]:
    """The retention promises of the privacy notice (db/personal_data.py), each step on its
    own: a failing step is logged and counted, the others still run. With the city's
    ``database`` (a SQLite file), the copies a restore kept beside it go too once they are
    older than the oldest backup (db/restore_copies.py), each removal told to ``say``."""
    from handlers.privacy import apply_retention as run_retention

    now = now or datetime.now(UTC)
    report = await run_retention(db, config.handler_settings(), build_router(), now)
    if database is not None and not is_postgres(database) and database != ":memory:":
        report["restore_copies"] = _restore_copies(Path(database), config, now, say)
    for step, count in report.items():
        if count is None:
            if on_failure is not None:
                on_failure(step)
        elif count:
            log.info("retention %s: %d rows", step, count)
    return report


def _restore_copies(
    database: Path, config: Config, now: datetime, say: Callable[[str], None] | None
) -> int | None:
    """Remove the copies a restore kept beside ``database`` once privacy.backup_days old
    (the age of the oldest backup kept); how many, None when the removal failed."""
    try:
        removed = remove_old(database, config.privacy.backup_days, now)
    except OSError as exc:
        log.error("retention: removing the copies kept before a restore failed: %s", exc.strerror)
        return None
    if removed:
        (say or log.info)(said(removed))  # paths and dates: nothing personal
    return len(removed)


class WebNotStarted(Exception):
    """A city's web cannot listen on its address: said in one line by the command that
    started it (before, ``web`` ended in a traceback and ``run`` blamed the chat service)."""


def cannot_listen(what: str, section: str, settings: Any, exc: OSError) -> str:
    """Why ``what`` (the web, the metrics) cannot listen on the address of its ``section``
    (``settings``: its listen and port), and what to do - one line for the operator."""
    return (
        f"{what} cannot listen on {settings.listen}:{settings.port} ({section}.listen,"
        f" {section}.port): {os.strerror(exc.errno) if exc.errno else exc} - another program"
        " holds the port, or the address is not this machine's: stop that program or set"
        f" another {section}.port"
    )


async def start_web(
    db,
    config: Config,
    settings,
    wake,
    username: str = "",
    city: City | None = None,
    media: Sequence[MediaSource] = (),
    speaker: Speaker | None = None,
):
    """The web map and desk when ``web.port`` is set (None otherwise); ``city`` is whose
    they are (None: the main city's); ``media``: where the desk fetches the files people
    sent to the bot (the city's running chat transports); ``speaker``: reads a place's
    details aloud on its page (read aloud, bot/speech)."""
    if not config.web.port:
        return None
    from bot.web.server import WebServer
    from bot.web.site import Site

    further = city.slug if city is not None and not city.main else ""
    sources = {source.platform: source for source in media}
    server = WebServer(
        Site(
            db,
            config,
            settings,
            wake,
            username,
            further,
            media=sources,
            speaker=speaker,
            budgets=registry.budgets(config, db, sources),
        )
    )
    try:
        await server.start(config.web.listen, config.web.port)
    except OSError as exc:
        raise WebNotStarted(cannot_listen("the web", "web", config.web, exc)) from exc
    print(f"map:  {config.web.base_url}/", file=sys.stderr)
    print(
        f"desk: {config.web.base_url}/desk  (send /desk in a chat for a login link)",
        file=sys.stderr,
    )
    return server


def bot_username(transports: list) -> str:
    """The bot's @username on the service whose chats a web link opens (Telegram's, known
    after getMe), for the map's deep links: the transport that has one says it."""
    for transport in transports:
        name = getattr(transport, "username", None)
        if callable(name):
            return name() or ""
    return ""
