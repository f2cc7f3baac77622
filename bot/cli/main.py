"""``python -m bot`` / ``nachbarbot``: run the bot, chat in the console, manage the database."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import log_city, log_redaction
from bot.app import WebNotStarted, apply_retention, cannot_listen, open_city_database
from bot.cities import BrokenCity, City, check_all_chat_secrets, load_installation
from bot.cli import backup_rotation, backups, desk_link, go_back, restore_steps, upgrade_backup
from bot.cli import bans as bans_cli
from bot.cli import broken_cities as broken_cli
from bot.cli import cities as cities_cli
from bot.cli import events as events_cli
from bot.cli import matrix as matrix_cli
from bot.cli import places as places_cli
from bot.cli.checks import (
    city_checks,
    damage,
    database_checks,
    doctor_checks,
    named,
    run_checks,
    unserved_cities,
    unusable_gazetteer,
)
from bot.cli.city_list import where
from bot.cluster import ROLES, city_role
from bot.config import Config, ConfigError, env_name, load_config
from bot.transports.registry import Check, account, configured, not_an_account
from db import Database, MigrationError, postgres
from db.postgres import ServerUnreachable, is_postgres

# What only the running bot, the web and the console need (the scheduler, the outbox worker,
# the speech and translation engines, metrics) is imported by those commands: the others -
# doctor, db, places, roles, run often by hand and by scripts - start in half the time.
if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.city_service import CityBot
    from bot.cluster import Cluster, SingleProcess
    from bot.translation.service import TranslationService
    from handlers.dispatcher import Dispatcher

log = logging.getLogger("nachbarbot")
# After a stop, how long the work under way (a delivery round, a role's check) may take to
# end by itself before it is cancelled: a database or chat service that stopped answering
# must not keep the process from stopping. A send cut off this way is marked in doubt and
# sent again by the next process, as after a kill.
STOP_GRACE_SECONDS = 5.0
# And how long the whole stop may take (the grace, closing the chat services and the
# database): past it, or at a second signal, the process leaves without closing anything.
# A database that stopped answering holds a cancelled query for up to ten seconds more
# (psycopg's own waits), and a process manager gives up and kills at its own bound.
STOP_DEADLINE_SECONDS = 15.0
EXIT_FORCED = 70  # EX_SOFTWARE: stopped, but not in order


def _console_name(name: str) -> str:
    """A console name someone can be: an empty or blank one would make an account that
    ``:as`` and the desk cannot name - refused before anything is opened."""
    if not name.strip():
        raise argparse.ArgumentTypeError(
            "the name is empty (or only spaces): give the name of the person typing,"
            " e.g. --user anna"
        )
    return name


def _coordinator_name(name: str) -> str:
    """The console name that plays the coordinator: ``''`` means nobody does, but a blank
    one would make a coordinator's account of spaces that ``:as`` cannot name - refused
    as ``--user``'s is, before anything is opened."""
    if name and not name.strip():
        raise argparse.ArgumentTypeError(
            "the name is only spaces: give the name that plays the coordinator, e.g."
            " --coordinator cora, or --coordinator '' for nobody"
        )
    return name


def _add_console(sub: argparse._SubParsersAction) -> None:
    console = sub.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument(
        "--user", default="resident", type=_console_name, help="name of the person typing first"
    )
    console.add_argument(
        "--coordinator",
        default="cora",
        type=_coordinator_name,
        help="console name that gets the coordinator role, for playing the backchannel",
    )
    console.add_argument(
        "--lang",
        default=None,
        help="language hint of new users, as a chat app would send it (e.g. tr)",
    )


def release() -> str:
    """This program's release and the schema it runs on (its newest migration), for
    ``--version``: the release notes (docs/upgrading.md) name each release's migrations."""
    from importlib.metadata import PackageNotFoundError, version

    from db.database import available_migrations

    try:
        number = version("nachbarbot")
    except PackageNotFoundError:  # run from a source tree that was not installed
        number = "unknown"
    newest, name, _ = available_migrations()[-1]
    return f"nachbarbot {number}, schema {newest:04d} ({newest:04d}_{name})"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nachbarbot", description=__doc__)
    parser.add_argument("--version", action="version", version=release())
    parser.add_argument("--config", help="TOML configuration file (default: $NACHBARBOT_CONFIG)")
    parser.add_argument(
        "--city",
        help="the city (its slug, e.g. luenen) whose data a command works on; default: the"
        " main configuration's city",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="start the configured chat transports (and the web, if web.port)")
    sub.add_parser("web", help="serve only the web map and desk (web.port) on the same database")
    _add_console(sub)
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    migrate = db_sub.add_parser("migrate", help="apply pending database migrations")
    upgrade_backup.add_option(migrate)
    db_sub.add_parser("check", help="check integrity and the lifecycle invariants")
    db_sub.add_parser("retention", help="run the retention steps now (also daily while running)")
    backup = db_sub.add_parser(
        "backup", help="copy every city's database safely while the bot runs (or --city's)"
    )
    backups.add_path(backup, "new file to write the copy to (further cities' copies beside it)")
    restore = db_sub.add_parser(
        "restore", help="put a backup in place of every city's database (or --city's)"
    )
    backups.add_path(restore, "the backup, as given to db backup")
    go_back = db_sub.add_parser(
        "go-back",
        help="going back to the version before an upgrade: put a backup in place at its own"
        " schema, not migrated, and say which version may run on it",
    )
    backups.add_path(go_back, "the backup taken before the upgrade (…-before-NNNN…)")
    rotate = db_sub.add_parser(
        "rotate",
        help="delete the backups in a folder older than privacy.backup_days (the nightly"
        " backup's rotation), naming each",
    )
    backups.add_path(rotate, "the folder of the nightly backups")
    migrate_to = db_sub.add_parser(
        "migrate-to", help="copy the SQLite database into an empty PostgreSQL database"
    )
    migrate_to.add_argument(
        "url",
        type=_postgres_url,
        help="postgresql://user@host/database (password from the environment)",
    )
    sub.add_parser("doctor", help="check configuration, database, catalogs and chat services")
    places_cli.add_parsers(sub)
    bans_cli.add_parsers(sub)
    events_cli.add_parsers(sub)
    matrix_cli.add_parsers(sub)
    cities_cli.add_parsers(sub)
    desk_link.add_parsers(sub)
    roles = sub.add_parser("roles", help="give or take a role (coordinator, volunteer, admin)")
    roles.add_argument("action", choices=("grant", "revoke"))
    roles.add_argument("user", help="platform:user_id, e.g. telegram:123456")
    roles.add_argument("role", choices=("volunteer", "coordinator", "admin"))
    return parser


def _setup_logging(configs: list[Config], *, quiet: bool = False) -> None:
    """Logging for the installation; ``configs`` are the cities' (the main one first),
    whose secrets are redacted from every record."""
    config = configs[0]
    # Redaction first: no record may reach a handler unredacted, whatever its level or logger.
    for city in configs:
        log_redaction.register_secret(city.telegram.token)
        log_redaction.register_secret(city.matrix.access_token)
        log_redaction.register_secret(city.matrix.password)
    log_redaction.install()
    log_city.install()
    level = logging.WARNING if quiet else getattr(logging, config.bot.log_level)
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s [%(city)s] %(name)s: %(message)s",
    )
    log_redaction.install()  # and the filter on the handler basicConfig made
    if level > logging.DEBUG:
        # Noise, not privacy: a line per HTTP request and per timer run.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)


async def _retention(cities: list[City]) -> int:
    """Each city's steps and how many rows each changed, every line naming its city;
    exit code 1 if any step failed."""
    return await _city_by_city(cities, _city_retention)


async def _city_retention(city: City) -> int:
    db = await _open_or_say(city)
    if db is None:  # one city refused (a newer schema): said, the others still done
        return 1
    try:
        report = await apply_retention(
            db, city.config, database=city.location[0], say=_saying(city)
        )
    finally:
        await db.close()
    for step, count in report.items():
        print(f"{city.slug}: {step}: {'FAILED' if count is None else count}")
    return int(None in report.values())


async def _city_by_city(cities: list[City], work: Callable[[City], Awaitable[int]]) -> int:
    """``work`` for each city in turn, its exit codes together (1 if any city's was). A
    database server out of reach ends the command at once, in one line naming the city it
    met and every city after it: their data is on the same server (``bot.database`` is the
    installation's), and each would wait its own OPEN_SECONDS (db/postgres.py) for it."""
    failed = 0
    for index, city in enumerate(cities):
        try:
            failed |= await work(city)
        except ServerUnreachable as exc:
            raise exc.naming([each.slug for each in cities[index:]]) from None
    return failed


def _saying(city: City) -> Callable[[str], None]:
    """Print a line of ``city``'s retention, naming the city."""
    return lambda line: print(f"{city.slug}: {line}")


async def _open_naming(city: City, *, upgrade: bool = False) -> Database:
    """``open_city_database``, its MigrationError naming the city: with several cities the
    operator must know which one was refused."""
    try:
        return await open_city_database(city, upgrade=upgrade)
    except ServerUnreachable as exc:
        raise exc.naming([city.slug]) from None
    except MigrationError as exc:  # a damaged file too (open_city_database says it)
        raise type(exc)(f"{city.slug}: {exc}") from exc


async def _open_upgrading(city: City) -> Database:
    """:func:`_open_naming` for ``db migrate``: a database ``db go-back`` put back too."""
    return await _open_naming(city, upgrade=True)


async def _open_sound(city: City) -> Database:
    """:func:`_open_naming`, and refused as well where SQLite's quick check (``db check``'s
    integrity check, :func:`damage`) finds the file damaged: for the commands that serve
    people (run, web, console). A file damaged past its first pages opens, and the first
    question or timer reading the damaged pages would end in a traceback; refused before
    anything starts, naming the city, its file and what to do."""
    db = await _open_naming(city)
    try:
        found = await damage(db, quick=True)
    except BaseException:
        await db.close()
        raise
    if found:
        await db.close()
        raise MigrationError(
            f"{city.slug}: {where(city)} is damaged ({found}) - python -m bot db check shows"
            " what SQLite finds; restore a backup (db restore,"
            f" docs/operations.md#backup-and-restore){NOTHING_STARTED}"
        )
    return db


NOTHING_STARTED = "; nothing was started"


async def _open_or_say(
    city: City, opening: Callable[[City], Coroutine[Any, Any, Database]] = _open_naming
) -> Database | None:
    """:func:`_open_naming` (or ``opening``), or None with the refusal said, for the
    commands that go on with the other cities when one is refused - not where the database
    server cannot be reached: the other cities' data is there too (:func:`_city_by_city`)."""
    try:
        return await opening(city)
    except ServerUnreachable:
        raise
    except MigrationError as exc:
        print(f"nachbarbot: database error: {exc}", file=sys.stderr)
        return None


async def _open_serving(
    cities: list[City], needed: Callable[[City], bool]
) -> tuple[list[tuple[City, Database]], dict[str, str]] | None:
    """Every city's database, checked (:func:`_open_sound`), for ``run`` and ``web``, and
    the cities refused, each with why: one city's damaged or newer database stops no other
    city. None, said why (the others closed again), where a ``needed`` city's is refused -
    the main city's for ``run``: it holds the cluster and the budgets."""
    opened: list[tuple[City, Database]] = []
    refused: dict[str, str] = {}

    async def opening(city: City) -> int:
        try:
            opened.append((city, await _open_sound(city)))
        except ServerUnreachable:  # every city's data is there: said once, of them all
            raise
        except MigrationError as exc:
            if needed(city):
                print(f"nachbarbot: database error: {exc}", file=sys.stderr)
                return 1
            refused[city.slug] = _database_refused(city, exc)
        return 0

    try:
        failed = await _city_by_city(cities, opening)
    except BaseException:
        failed = 1
        raise
    finally:
        for _, db in opened if failed else []:
            await db.close()
    return None if failed else (opened, refused)


def _database_refused(city: City, exc: MigrationError) -> str:
    """Why a city is not served whose database was refused, as the log says it."""
    detail = str(exc).removeprefix(f"{city.slug}: ")
    for said in (NOTHING_STARTED, "; nothing was changed"):  # run leaves it out: not so
        detail = detail.removesuffix(said)
    return f"its database cannot be used: {detail}; then restart"


async def _migrate(city: City) -> int:
    """The city migrated and its line; a refused city said (exit code 1), so that
    ``db migrate`` on every city still migrates the others. A database ``db go-back`` put
    back is migrated too (the upgrade step is the way up again), and the accounts erased
    since its backup erased again (db/went_back.py)."""
    db = await _open_or_say(city, _open_upgrading)
    if db is None:
        return 1
    try:
        version = await db.schema_version()
        if db.went_back is not None:
            ledgers = [] if db.erasure_ledger is None else [db.erasure_ledger]
            count, back = await restore_steps.erase_listed(db, city, ledgers)
            print(
                f"{city.slug}: upgraded from schema {db.went_back}, where db go-back had put it;"
                f" {restore_steps.erased_again(count, back)}"
            )
    finally:
        await db.close()
    print(f"{city.slug}: database {where(city)}: schema version {version} - {_what_ran(db)}")
    return 0


def _what_ran(db: Database) -> str:
    """What ``db migrate`` changed in a city: nothing, or the migrations it applied."""
    if not db.applied:
        return "nothing to migrate, nothing changed"
    names = [name.removesuffix(".sql") for name in db.applied]
    shown = ", ".join(names) if len(names) <= 3 else f"{names[0]} … {names[-1]}"
    counted = "1 migration" if len(names) == 1 else f"{len(names)} migrations"
    return f"{counted} applied now ({shown})"


async def _roles(city: City, action: str, who: str, role: str) -> int:
    """Says what changed, or that nothing did (the role was there already, or never);
    taking the volunteer role ends the volunteering as the volunteer's own "stop
    volunteering" does (the profile goes with it; requests taken on stay with them)."""
    named = account(who)
    if named is None:
        print(f"nachbarbot: {not_an_account(who)}", file=sys.stderr)
        return 2
    platform, user_id = named
    # Roles are each city's own: every line names the city, so a missing --city shows.
    db = await _open_naming(city)
    try:
        user = await db.users.find(platform, user_id)
        if user is None:
            print(
                f"nachbarbot: no user {who} in {city.slug} - they must write to the bot"
                " there first; nothing changed",
                file=sys.stderr,
            )
            return 1
        if user.has_role(role) == (action == "grant"):
            having = "has the role" if action == "grant" else "does not have the role"
            already = " already" if action == "grant" else ""
            print(f"{who}: {having} {role} in {city.slug}{already}; nothing changed")
            return 0
        if action == "grant":
            await db.users.grant_role(user.id, role)
        elif role == "volunteer":
            await db.volunteers.leave(user.id)
        else:
            await db.users.revoke_role(user.id, role)
        await db.requests.audit(None, f"role.{action}", f"user:{user.id}", {"role": role})
    finally:
        await db.close()
    print(f"{who}: {role} {'granted' if action == 'grant' else 'revoked'} in {city.slug}")
    return 0


async def _checks(call: _Call, *, doctor: bool) -> int:
    """``db check`` and ``doctor``: the main city's (with the installation's, for doctor),
    then each other city's, its lines prefixed by its slug. A city refused (a schema newer
    than this code) is named, and the others are still checked; so is a city whose file
    cannot be used, last (FAIL)."""
    broken = _broken(call)
    failed = await _city_checks(
        call.cities, doctor=doctor, only=call.args.city, prefixed=len(call.cities + broken) > 1
    )
    for each in broken:
        print(f"FAIL  {each.slug}: configuration - {broken_cli.why_not_served(each)}")
        failed = 1
    return failed


async def _city_checks(
    cities: list[City], *, doctor: bool, only: str | None, prefixed: bool
) -> int:
    roles = [city_role(role, city.slug) for city in cities[1:] for role in ROLES]

    async def check(city: City) -> int:
        made = _made_now(city)
        db = await _open_or_say(city)
        if db is None:
            return 1
        try:
            if not doctor:
                checks = database_checks(db)
            elif city.main:
                checks = doctor_checks(city.config, db, roles)
            else:
                checks = city_checks(city.config, db, city.env_prefix)
            if made:
                checks = _after(made, checks)
            return await run_checks(named(city.slug, checks) if prefixed else checks)
        finally:
            await db.close()

    return await _city_by_city([c for c in cities if not only or c.slug == only], check)


def _made_now(city: City) -> Check | None:
    """The line ``db check`` and ``doctor`` put first where the city's SQLite file is not
    there: opening it makes a new, empty one (as a first start does), and every check then
    passes on it - an operator whose file was lost (a disk not mounted, a wrong path after
    a move) would read 'ok' and start the bot on no data."""
    path = city.location[0]
    if is_postgres(path) or path == ":memory:" or Path(path).exists():
        return None
    return (
        "database file",
        "WARN",
        f"{path} did not exist: an empty database was made now, as a new city's first start"
        " makes it - if the city had data, its file was lost or moved: stop the bot and"
        " restore a backup (db restore, docs/operations.md#backup-and-restore)",
    )


async def _after(first: Check, checks: AsyncIterator[Check]) -> AsyncIterator[Check]:
    yield first
    async for check in checks:
        yield check


async def _console(city: City, user: str, lang: str | None, coordinator: str) -> int:
    from bot.app import start_web
    from bot.delivery import OutboxWorker
    from bot.speech.engines import speaker_from_config
    from bot.translation.service import service_from_config
    from bot.transports.console import ConsoleTransport

    config = city.config
    db = await _open_sound(city)
    translations: TranslationService | None = None
    try:
        dispatcher = await _console_dispatcher(db, config, coordinator)
        speaker = await speaker_from_config(config.speech, tuple(config.bot.languages))
        if speaker is not None:
            dispatcher.settings = replace(dispatcher.settings, speech_languages=speaker.languages)
        console = ConsoleTransport(
            dispatcher.ports,
            user=user,
            language_hint=lang,
            translation_off=not config.translation.engine,
        )
        translations = service_from_config(db, config.translation)
        console.worker = OutboxWorker(
            db, [console], translations=translations, speaker=speaker, chain=dispatcher.chain
        )
        await console.worker.run_once()  # anything left undelivered by an earlier session
        alone = True
        try:
            # The desk's actions are printed as they are delivered, and the console's own
            # voice messages play on the desk.
            web = await start_web(
                db,
                config,
                dispatcher.settings,
                console.wake,
                city=city,
                speaker=speaker,
                media=[console],
            )
        except WebNotStarted:
            # A bot process on the same database serves it already; links still lead there.
            print(f"web: {config.web.base_url} is served by another process", file=sys.stderr)
            web, alone = None, False
        scheduler = _console_jobs(city, db, dispatcher, console.wake, alone)
        try:
            return await console.run()
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=False)
            if web is not None:
                await web.stop()
    finally:
        if translations is not None:
            await translations.close()
        await db.close()


async def _console_dispatcher(db: Database, config: Config, coordinator: str) -> Dispatcher:
    """The console's dispatcher: in the terminal, ":group" is the coordinators' backchannel
    and one name plays the coordinator, so that the whole help story can be tried with
    ":as"."""
    from bot.app import build_dispatcher
    from bot.transports.console import BACKCHANNEL

    dispatcher = build_dispatcher(db, config)
    dispatcher.settings = replace(
        dispatcher.settings,
        backchannels=dispatcher.settings.backchannels | {("console", BACKCHANNEL)},
    )
    if coordinator:
        async with db.transaction():
            person = await db.users.seen("console", coordinator, coordinator, coordinator)
            await db.users.grant_role(person.id, "coordinator")
    return dispatcher


def _console_jobs(
    city: City, db: Database, dispatcher: Dispatcher, wake: Callable[[], None], alone: bool
) -> AsyncIOScheduler:
    """The city's timed jobs as `run` has them (bot/timed_jobs.py), started: a held request
    goes on at the time it was promised, waves and reminders come. Not where another
    process serves this database (``alone`` False): its jobs run there, once."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler as Scheduler

    from bot.timed_jobs import add_city_jobs, city_jobs
    from locales import TIMEZONE

    scheduler = Scheduler(timezone=TIMEZONE)
    if alone:
        add_city_jobs(scheduler, city_jobs(city, db, dispatcher, wake), city)
        scheduler.start()
    return scheduler


async def _web(cities: list[City], unserved: dict[str, str]) -> int:
    """``python -m bot web``: the web alone, beside a bot process on the same database -
    every city's that has a port of its own, as ``run`` serves them (not a city that
    cannot be served yet: ``unserved``, said in the log); that process's outbox worker
    delivers what desk actions queue at its next poll."""
    from bot import unserved as unserved_notice

    served = [city for city in cities if city.config.web.port and city.slug not in unserved]
    unserved_notice.say_in_log(unserved, [c for c in cities if c.slug not in unserved])
    if not served and any(city.config.web.port for city in cities):
        print("nachbarbot: no city with a web port can be served yet (see above)", file=sys.stderr)
        return 2
    if not served:
        print(
            f"nachbarbot: the web is off - set web.port (or {env_name('web', 'port')})",
            file=sys.stderr,
        )
        return 2
    found = await _open_serving(served, needed=lambda city: False)
    if found is None:
        return 1
    pairs, refused = found
    unserved_notice.say_in_log(refused, [city for city, _ in pairs])
    if not pairs:
        print("nachbarbot: no city's database can be used (see above)", file=sys.stderr)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _stopping(stop))
    async with contextlib.AsyncExitStack() as running:
        for _, db in pairs:
            running.push_async_callback(db.close)
        for city, db in pairs:
            try:
                await _city_web(city, db, running)
            except WebNotStarted as exc:
                print(f"nachbarbot: {city.slug}: {exc}; no city is served", file=sys.stderr)
                return 1
        await stop.wait()
    return 0


async def _city_web(city: City, db: Database, running: contextlib.AsyncExitStack) -> None:
    """One city's map and desk on its own port and database ``db``, closed with
    ``running``."""
    from bot.app import start_web
    from bot.file_sources import file_sources
    from bot.speech.engines import speaker_from_config
    from bot.transports.registry import bot_name

    config = city.config
    # The desk plays voice messages from the chat services, reached when first asked.
    sources = file_sources(db, config)
    for source in sources:
        running.push_async_callback(source.close)
    username = await bot_name(config)
    # The places' pages read their details aloud with the installation's speech engine.
    speaker = await speaker_from_config(config.speech, tuple(config.bot.languages))
    web = await start_web(
        db,
        config,
        config.handler_settings(),
        lambda: None,
        username,
        city=city,
        media=sources,
        speaker=speaker,
    )
    if web is not None:
        running.push_async_callback(web.stop)


class CityNotStarted(RuntimeError):
    """A city's bot failed to start; ``run`` stops, saying which and why (exit code 1)."""


async def _start_cities(
    bots: list[CityBot], cluster: Cluster | SingleProcess, stop: asyncio.Event
) -> list[asyncio.Task[None]]:
    """Start every city's bot at once and return the tasks they run (CityBot.start): a
    city whose chat service cannot be reached yet (a first Matrix login to a homeserver
    that is down waits for it) holds up no other city. A further city whose chat service
    refuses its account (a token revoked or mistyped) is left out - said in the log, its
    database kept for its retention alone (CityBot.leave_out) - and stops no other city;
    any other failure to start (a service out of reach: systemd starts the process again)
    stops the process, as does the main city's refused account; so does ``stop`` while a
    city is still starting."""
    from bot.transports.contract import AccountRefused

    tasks: list[asyncio.Task[None]] = []
    left_out: list[str] = []

    async def start(bot: CityBot) -> None:
        try:
            tasks.extend(await bot.start(cluster, stop))
        except WebNotStarted as exc:  # its chat service started; its web cannot
            raise CityNotStarted(f"{bot.slug}: {exc}; no city runs") from exc
        except AccountRefused as exc:
            if bot.city.main:
                raise CityNotStarted(_not_started(bot, exc)) from exc
            await bot.leave_out()
            left_out.append(bot.slug)
            log.warning(
                "city %s is not served: its chat service refused its account (%s) - set the"
                " account anew (python -m bot doctor checks it), then restart; the other"
                " cities run",
                bot.slug,
                log_redaction.scrub(str(exc), quotes=False),
            )
        except Exception as exc:
            # A chat service out of reach (no network yet, its server down) or refusing the
            # main city's account: one line naming the city, its secrets scrubbed.
            raise CityNotStarted(_not_started(bot, exc)) from exc

    order = [asyncio.create_task(start(bot), name=f"start {bot.slug}") for bot in bots]
    starting: set[asyncio.Task[Any]] = set(order)
    stopping: asyncio.Task[Any] = asyncio.create_task(stop.wait())
    try:
        while starting and not stop.is_set():
            done, starting = await asyncio.wait(
                starting | {stopping}, return_when=asyncio.FIRST_COMPLETED
            )
            starting.discard(stopping)
            # A city's start failing ends the process, as with one city. Each failure is
            # taken (cities failing in the same moment: no "exception never retrieved"),
            # the first city's said.
            failed = [
                error
                for task in order
                if task in done and not task.cancelled() and (error := task.exception())
            ]
            if failed:
                raise failed[0]
        if not starting:
            running = [bot.slug for bot in bots if bot.slug not in left_out]
            log.info("running %d cities: %s", len(running), ", ".join(running))
    finally:
        for task in (*starting, stopping):
            task.cancel()
        await asyncio.gather(*starting, stopping, return_exceptions=True)
    return tasks


def _not_started(bot: CityBot, exc: Exception) -> str:
    """Why ``run`` stops: a city's chat service could not be started (a refused account
    said as the service's own error)."""
    from bot.transports.contract import AccountRefused

    why = exc.__cause__ if isinstance(exc, AccountRefused) and exc.__cause__ else exc
    said = log_redaction.scrub(f"{type(why).__name__}: {why}", quotes=False)
    return (
        f"{bot.slug}: its chat service could not be started: {said} - check the network,"
        " the service's address and the account (python -m bot doctor); no city runs"
    )


async def _run(
    cities: list[City], unserved: dict[str, str], broken: list[BrokenCity] | None = None
) -> int:
    """Every city's bot in this process, but for the cities that cannot be served yet
    (``unserved``: said in the log and to the operators' channel, bot/unserved.py; the
    cities whose file cannot be used, ``broken``, among them)."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot import unserved as unserved_notice
    from bot.city_service import opened
    from bot.cluster import for_database
    from bot.metrics import Metrics
    from locales import TIMEZONE

    config = cities[0].config
    if _no_chat_service([city for city in cities if city.slug not in unserved]):
        return 2
    # The main city's database holds the cluster and the budgets, served or not.
    opening = [city for city in cities if city.main or city.slug not in unserved]
    found = await _open_serving(opening, needed=lambda city: city.main)
    if found is None:
        return 1
    pairs, refused = found
    databases = [db for _, db in pairs]
    unserved = unserved | refused
    served = [city for city in cities if city.slug not in unserved]
    unserved_notice.say_in_log(unserved, served)
    if not served:
        await _close_unowned(databases, [])
        print("nachbarbot: no city can be served (see above)", file=sys.stderr)
        return 1
    db = databases[0]  # the main city's
    # The cluster lives on the main city's database: one process lock, whatever the cities.
    cluster = for_database(db, config.bot.database)
    await cluster.start()
    metrics = Metrics() if config.metrics.port else None
    bots: list[CityBot] = []
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _stopping(stop))
    scheduler = AsyncIOScheduler(timezone=TIMEZONE)
    try:
        async with opened(bots):
            await _city_bots(
                bots, cities, pairs, cluster, metrics, unserved, broken or [], set(refused)
            )
            for bot in bots:
                bot.add_jobs(scheduler)
            if metrics is not None:
                metrics.watch_cluster(cluster)
                try:
                    await metrics.serve(config.metrics.listen, config.metrics.port)
                except OSError as exc:  # before, a traceback
                    why = cannot_listen("the metrics", "metrics", config.metrics, exc)
                    raise CityNotStarted(f"{why}; no city runs") from exc
            # Taking updates (polling, Matrix sync) and the timed jobs are roles: with
            # several processes on PostgreSQL one process at a time holds each
            # (bot/cluster.py); the timed jobs of every city are one role.
            scheduler.start(paused=True)

            async def run_jobs() -> None:
                scheduler.resume()

            async def pause_jobs() -> None:
                if scheduler.running:  # not after a failed start's shutdown
                    scheduler.pause()

            jobs = asyncio.create_task(cluster.hold("scheduler", run_jobs, pause_jobs, stop))
            tasks = [jobs, *await _start_cities(bots, cluster, stop)]
            await stop.wait()
            await _finished(tasks)
            if scheduler.running:
                scheduler.shutdown(wait=False)
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        if metrics is not None:
            await metrics.stop()
        await cluster.stop()
        await _close_unowned(databases, bots)
    return 0


async def _city_bots(
    bots: list[CityBot],
    cities: list[City],
    opened: Iterable[tuple[City, Database]],
    cluster: Cluster | SingleProcess,
    metrics: Any,
    unserved: dict[str, str],
    broken: list[BrokenCity],
    refused: set[str],
) -> None:
    """The bot of each city served (into ``bots``), on its ``opened`` database, with the
    main city's (the first) for the bans shared across the cities (bans share) and the
    budgets; then the cities not served said to the operators' channel (bot/unserved.py)."""
    from bot import unserved as unserved_notice
    from bot.city_service import CityBot
    from db.bans import SharedBanList

    pairs = list(opened)
    main = pairs[0][1]
    shared = SharedBanList(main.users.bans)
    for city, db in pairs:
        if city.slug not in unserved:
            bot = await CityBot.open(city, cluster, metrics, db=db, shared_bans=shared, main=main)
            bots.append(bot)
    channel = bots[0]  # the main city's, unless it is not served
    await unserved_notice.tell(
        channel.db, channel.city, cities, unserved, channel.worker.wake, broken, refused
    )


async def _close_unowned(databases: list[Database], bots: list[CityBot]) -> None:
    """The databases of the cities whose bot never came to be (each bot closes its own)."""
    owned = {id(bot.db) for bot in bots}
    for unowned in reversed(databases):
        if id(unowned) not in owned:
            await unowned.close()


def _no_chat_service(cities: list[City]) -> bool:
    """No city names a chat service to run: said, with what to set (``run`` ends with 2)."""
    if any(configured(c.config) for c in cities):
        return False
    print(
        "nachbarbot: no chat service is configured - set "
        f"{env_name('telegram', 'token')} to connect to Telegram, matrix.homeserver "
        "and matrix.user_id for Matrix, phone.enabled for the phone line (docs/phone.md) "
        "or sms.enabled for texts (docs/sms.md), or try the bot locally with: "
        "python -m bot console",
        file=sys.stderr,
    )
    return True


def _stopping(stop: asyncio.Event) -> Callable[[], None]:
    """The handler of SIGTERM and SIGINT: the first asks for an orderly stop and gives it
    until the deadline; a second signal, or the deadline, ends the process at once."""

    def on_signal() -> None:
        if stop.is_set():
            _leave("a second stop signal")
        stop.set()
        # A thread, not the event loop's timer: it fires even if the loop is held up.
        deadline = threading.Timer(STOP_DEADLINE_SECONDS, _leave, ("the stop took too long",))
        deadline.daemon = True
        deadline.start()

    return on_signal


def _leave(why: str) -> None:
    log.error("stopping: %s; leaving without closing", why)
    logging.shutdown()
    os._exit(EXIT_FORCED)


async def _finished(tasks: list[asyncio.Task[None]]) -> None:
    """Until ``tasks`` end: by themselves within the grace, cancelled after it."""
    if not tasks:
        return
    _, late = await asyncio.wait(tasks, timeout=STOP_GRACE_SECONDS)
    if late:
        log.warning("stopping: %d tasks did not end within the grace; cancelled", len(late))
        for task in late:
            task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@dataclass(frozen=True)
class _Call:
    """A command as ``main`` hands it to its function: the arguments, every city, and the
    one city it works on (the main city unless ``--city`` names another)."""

    args: argparse.Namespace
    config: Config
    cities: list[City]
    city: City
    # The cities that cannot be served yet, each with why (``run``, ``web``, ``console``).
    unserved: dict[str, str]
    # The further cities whose file cannot be used (bot/cli/broken_cities.py).
    broken: list[BrokenCity]


async def _backup_and_migrate(call: _Call) -> int:
    """``db migrate``: every city (or --city's); with ``--backup-into``, the upgrade
    step, after the backup before an upgrade. A city whose file cannot be used is left as
    it is and named: the start that serves it again migrates it (after this step's backup)."""
    failed = 0
    each, refused = _each(call), {}
    if call.args.backup_into:
        if not call.args.city:  # one city's damaged file keeps no other city from starting
            refused = await upgrade_backup.refused_cities(each)
            each = [city for city in each if city.slug not in refused]
        failed = await upgrade_backup.backup_before_upgrade(each, call.args.backup_into)
    if not failed:
        failed = await _city_by_city(each, _migrate)
        broken_cli.say(_broken(call), "not migrated, its file cannot be used")
    for slug, why in refused.items():
        print(
            f"nachbarbot: warning: {slug}: neither backed up nor migrated, its database cannot"
            f" be used: {why} - run leaves the city out until a backup is restored (db restore)",
            file=sys.stderr,
        )
    return failed


def _broken(call: _Call) -> list[BrokenCity]:
    """The broken cities a command on every city meets: none under ``--city``."""
    return [] if call.args.city else call.broken


async def _backup(call: _Call) -> int:
    """``db backup``: every city (or --city's), a city whose file cannot be used too - its
    database is where the installation's ``bot.database`` puts it."""
    broken = _broken(call)
    failed = await backups.backup(
        _each(call) + broken_cli.stand_ins(broken, call.config), call.args.path
    )
    if not failed:
        broken_cli.say(broken, "its database was copied, but its file cannot be used")
    return failed


async def _city_retention_every(call: _Call) -> int:
    """``db retention``: every city (or --city's); a city whose file cannot be used is
    named and makes it fail (its people's data waits for its own settings)."""
    failed = await _retention(_each(call))
    broken = _broken(call)
    broken_cli.say(broken, "no retention: its file cannot be used")
    return failed or int(bool(broken))


def _each(call: _Call) -> list[City]:
    """Every city, or the one ``--city`` names."""
    return [call.city] if call.args.city else call.cities


async def _rotate(call: _Call) -> int:
    """``db rotate``: the folder holds every city's backups, each judged by its city's
    privacy.backup_days (bot/cli/backup_rotation.py)."""
    return backup_rotation.rotate(call.cities, call.args.path)


async def _migrate_to(call: _Call) -> int:
    from bot.cli.migrate_to import run  # loads psycopg

    return await run(call.cities, call.args.url)


# Each command ("db" with its action) to the function that runs it.
_COMMANDS: dict[str, Callable[[_Call], Coroutine[Any, Any, int]]] = {
    "run": lambda call: _run(call.cities, call.unserved, call.broken),
    "web": lambda call: _web(call.cities, call.unserved),
    "console": lambda call: _console(
        call.city, call.args.user, call.args.lang, call.args.coordinator
    ),
    "db migrate": lambda call: _backup_and_migrate(call),
    "db backup": _backup,
    "db restore": lambda call: backups.restore(_each(call), call.args.path, call.cities),
    "db go-back": lambda call: go_back.go_back(_each(call), call.args.path, call.cities),
    "db rotate": lambda call: _rotate(call),
    "db migrate-to": _migrate_to,
    "db check": lambda call: _checks(call, doctor=False),
    "db retention": _city_retention_every,
    "doctor": lambda call: _checks(call, doctor=True),
    "roles": lambda call: _roles(call.city, call.args.action, call.args.user, call.args.role),
    "desk-link": lambda call: desk_link.run(call.city, call.args.user),
    "bans": lambda call: bans_cli.run(call.cities, call.city, call.args),
    "events": lambda call: events_cli.run(call.city, call.args),
    "matrix": lambda call: matrix_cli.run(call.city, call.args),
    "places": lambda call: places_cli.run(call.city, call.args),
}
# Whole-installation commands: no --city.
_WHOLE = ("run", "web", "db migrate-to", "db rotate")
# Commands whose output is the point: warnings only in the log.
_QUIET = ("console", "places", "events", "doctor", "db", "bans", "matrix", "desk-link")


def _postgres_url(text: str) -> str:
    """db migrate-to's target: anything but a postgresql:// URL is a wrong command line
    (exit code 2, nothing opened), an empty one most likely a variable left unset. It was
    refused with exit code 1, as if the installation's state were the cause."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "an empty URL names no database (a variable left unset?); nothing was done"
        )
    if not is_postgres(text):
        raise argparse.ArgumentTypeError(  # not repeated: it may hold a password
            "it is not a postgresql:// URL (postgresql://user@host/database); nothing was done"
        )
    return text


def _command(args: argparse.Namespace) -> str:
    return f"db {args.db_command}" if args.command == "db" else str(args.command)


# The commands that serve residents: each city's gazetteer must be usable before they start.
_SERVING = frozenset({"run", "web", "console"})
# The commands that place what they import or look up on the city's gazetteer (districts,
# postcodes): a city just written by city add, its files with headers only, ended them in a
# traceback.
_ON_THE_GAZETTEER = frozenset({"places", "events"})


def _cities(config: Config, args: argparse.Namespace) -> tuple[list[City], list[BrokenCity]] | None:
    """The installation's cities (their chat secrets checked before a run) and the further
    cities whose file cannot be used; None, said why, where the configuration is refused:
    the installation's, or a broken city's where the command needs it
    (bot/cli/broken_cities.py)."""
    try:
        cities, broken = load_installation(config)
        if args.command == "run":
            check_all_chat_secrets(cities)
        why = broken_cli.refusal(_command(args), args.city, broken)
        if why is not None:
            raise ConfigError(why)
    except ConfigError as exc:
        print(f"nachbarbot: configuration error: {exc}", file=sys.stderr)
        return None
    return cities, broken


def _unserved(cities: list[City], city: City, args: argparse.Namespace) -> dict[str, str] | None:
    """The cities a command that serves residents cannot serve yet (their gazetteer is
    not usable), each with why; None, said why, where nothing is left to serve: the
    console's city, or every city of ``run`` and ``web``. The others start without them."""
    if args.command in _ON_THE_GAZETTEER:
        return _gazetteer_usable(city, args)
    if args.command not in _SERVING:
        return {}
    unserved = unserved_cities((each.slug, each.config) for each in cities)
    if args.command == "console":
        refused = [city] if city.slug in unserved else []
    else:
        refused = cities if all(each.slug in unserved for each in cities) else []
    for each in refused:
        print(
            f"nachbarbot: city {each.slug} is not served: {unserved[each.slug]}",
            file=sys.stderr,
        )
    return None if refused else unserved


def _gazetteer_usable(city: City, args: argparse.Namespace) -> dict[str, str] | None:
    """{} where ``city``'s gazetteer can be used by ``places`` or ``events``; None, said
    why, where it cannot: nothing was read or changed."""
    why = unusable_gazetteer(city.config)
    if why is None:
        return {}
    print(
        f"nachbarbot: {args.command}: city {city.slug} cannot be worked on yet: {why};"
        " nothing was changed",
        file=sys.stderr,
    )
    return None


def _chosen(cities: list[City], args: argparse.Namespace) -> City | None:
    """The city the command works on; None, said why, for an unknown one or a --city
    given to a whole-installation command."""
    chosen = [c for c in cities if c.slug == args.city] if args.city else cities[:1]
    if not chosen:
        known = ", ".join(c.slug for c in cities)
        print(f"nachbarbot: no city {args.city!r} (the cities are: {known})", file=sys.stderr)
        return None
    if args.city and _command(args) in _WHOLE:
        print(
            f"nachbarbot: {_command(args)} works on the whole installation, not one city",
            file=sys.stderr,
        )
        return None
    return chosen[0]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"nachbarbot: configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "city":
        if args.city:  # city add and city list are the installation's: --city chose nothing
            print("nachbarbot: city works on the whole installation, not one city", file=sys.stderr)
            return 2
        return cities_cli.run(config, args)
    found = _cities(config, args)
    if found is None:
        return 2
    cities, broken = found
    city = _chosen(cities, args)
    if city is None:
        return 2
    unserved = _unserved(cities, city, args)
    if unserved is None:
        return 2
    if args.command in ("run", "web"):
        unserved |= {each.slug: broken_cli.why_not_served(each) for each in broken}
    postgres.PROGRAM = _command(args)  # its connections' name (db/postgres.py)
    _setup_logging([each.config for each in cities], quiet=args.command in _QUIET)
    try:
        call = _Call(args, config, cities, city, unserved, broken)
        code = asyncio.run(_COMMANDS[_command(args)](call))
        sys.stdout.flush()  # here, where a reader gone is caught, not at the exit
        return code
    except MigrationError as exc:
        print(f"nachbarbot: database error: {exc}", file=sys.stderr)
        return 1
    except CityNotStarted as exc:
        print(f"nachbarbot: {exc}", file=sys.stderr)
        return 1
    except sqlite3.DatabaseError as exc:
        # The commands that serve people and db check name the city and file (_open_sound,
        # _open_naming); the others (places, events, bans, desk-link, matrix, ...) meet a
        # damaged file at their first query: one line, never a traceback. Which city: the
        # command may have opened several - db check names it.
        print(
            f"nachbarbot: database error: a database is damaged ({exc}) - python -m bot db"
            " check names the city and file; restore a backup (db restore,"
            " docs/operations.md#backup-and-restore)",
            file=sys.stderr,
        )
        return 1
    except BrokenPipeError:
        # The reader went (``doctor | head``): what it read was all it wanted. Python would
        # print a traceback, and another at exit when flushing; a shell's pipe says 141.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except KeyboardInterrupt:
        return 130
