"""``python -m bot`` / ``nachbarbot``: run the bot, chat in the console, manage the database."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import cities_cli, events_cli, log_redaction, migrate_to, places_cli
from bot.app import apply_retention, build_dispatcher, open_database
from bot.checks import database_checks, doctor_checks, run_checks
from bot.cluster import Cluster, for_database
from bot.config import Config, ConfigError, check_chat_secrets, env_name, load_config
from bot.delivery import OutboxWorker
from bot.metrics import Metrics
from bot.translation.service import TranslationService, service_from_config
from bot.transports.console import BACKCHANNEL, ConsoleTransport
from db import MigrationError
from db.postgres import is_postgres, redacted
from handlers.events.reminders import deliver_due, sync_all
from handlers.helping.timers import Timing, follow_up, roundup
from locales import TIMEZONE

log = logging.getLogger("nachbarbot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nachbarbot", description=__doc__)
    parser.add_argument("--config", help="TOML configuration file (default: $NACHBARBOT_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="start the configured chat transports (and the web, if web.port)")
    sub.add_parser("web", help="serve only the web map and desk (web.port) on the same database")
    console = sub.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument("--user", default="resident", help="name of the person typing first")
    console.add_argument(
        "--coordinator",
        default="cora",
        help="console name that gets the coordinator role, for playing the backchannel",
    )
    console.add_argument(
        "--lang",
        default=None,
        help="language hint of new users, as a chat app would send it (e.g. tr)",
    )
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("migrate", help="apply pending database migrations")
    db_sub.add_parser("check", help="check integrity and the lifecycle invariants")
    db_sub.add_parser("retention", help="run the retention steps now (also daily while running)")
    backup = db_sub.add_parser("backup", help="copy the database safely while the bot runs")
    backup.add_argument("path", help="new file to write the copy to")
    migrate_to = db_sub.add_parser(
        "migrate-to", help="copy the SQLite database into an empty PostgreSQL database"
    )
    migrate_to.add_argument(
        "url", help="postgresql://user@host/database (password from the environment)"
    )
    sub.add_parser("doctor", help="check configuration, database, catalogs and chat services")
    places_cli.add_parsers(sub)
    events_cli.add_parsers(sub)
    cities_cli.add_parsers(sub)
    roles = sub.add_parser("roles", help="give or take a role (coordinator, volunteer, admin)")
    roles.add_argument("action", choices=("grant", "revoke"))
    roles.add_argument("user", help="platform:user_id, e.g. telegram:123456")
    roles.add_argument("role", choices=("volunteer", "coordinator", "admin"))
    return parser


def _setup_logging(config: Config, *, quiet: bool = False) -> None:
    # Redaction first: no record may reach a handler unredacted, whatever its level or logger.
    log_redaction.register_secret(config.telegram.token)
    log_redaction.register_secret(config.matrix.access_token)
    log_redaction.register_secret(config.matrix.password)
    log_redaction.install()
    level = logging.WARNING if quiet else getattr(logging, config.bot.log_level)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    log_redaction.install()  # and the filter on the handler basicConfig made
    if level > logging.DEBUG:
        # Noise, not privacy: a line per HTTP request and per timer run.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)


async def _retention(config: Config) -> int:
    """Each step and how many rows it changed; exit code 1 if any step failed."""
    db = await open_database(config)
    try:
        report = await apply_retention(db, config)
    finally:
        await db.close()
    for step, count in report.items():
        print(f"{step}: {'FAILED' if count is None else count}")
    return 1 if None in report.values() else 0


async def _migrate(config: Config) -> int:
    db = await open_database(config)
    try:
        version = await db.schema_version()
    finally:
        await db.close()
    print(f"database {redacted(config.bot.database)}: schema version {version}")
    return 0


async def _roles(config: Config, action: str, who: str, role: str) -> int:
    platform, _, user_id = who.partition(":")
    db = await open_database(config)
    try:
        user = await db.users.find(platform, user_id)
        if user is None:
            print(f"nachbarbot: no user {who} - they must write to the bot first", file=sys.stderr)
            return 1
        if action == "grant":
            await db.users.grant_role(user.id, role)
        else:
            await db.users.revoke_role(user.id, role)
    finally:
        await db.close()
    print(f"{who}: {role} {'granted' if action == 'grant' else 'revoked'}")
    return 0


async def _backup(config: Config, path: str) -> int:
    if is_postgres(config.bot.database):
        print(
            "nachbarbot: db backup copies SQLite files; back up PostgreSQL with pg_dump"
            " (see README)",
            file=sys.stderr,
        )
        return 1
    db = await open_database(config)
    try:
        await db.backup(path)
    except FileExistsError:
        print(f"nachbarbot: {path} exists already - choose a new file", file=sys.stderr)
        return 1
    finally:
        await db.close()
    print(f"database {redacted(config.bot.database)} copied to {path}")
    return 0


async def _checks(config: Config, *, doctor: bool) -> int:
    db = await open_database(config)
    try:
        checks = doctor_checks(config, db) if doctor else database_checks(db)
        return await run_checks(checks)
    finally:
        await db.close()


async def _console(config: Config, user: str, lang: str | None, coordinator: str) -> int:
    db = await open_database(config)
    translations: TranslationService | None = None
    try:
        dispatcher = build_dispatcher(db, config)
        # In the terminal, ":group" is the coordinators' backchannel and one name plays the
        # coordinator, so that the whole help story can be tried with ":as".
        dispatcher.settings = replace(
            dispatcher.settings,
            backchannels=dispatcher.settings.backchannels | {("console", BACKCHANNEL)},
        )
        if coordinator:
            async with db.transaction():
                person = await db.users.seen("console", coordinator, coordinator, coordinator)
                await db.users.grant_role(person.id, "coordinator")
        console = ConsoleTransport(dispatcher, user=user, language_hint=lang)
        translations = service_from_config(db, config.translation)
        console.worker = OutboxWorker(db, [console], translations=translations)
        await console.worker.run_once()  # anything left undelivered by an earlier session
        try:
            web = await _start_web(db, config, dispatcher.settings, console.worker.wake)
        except OSError:
            # A bot process on the same database serves it already; links still lead there.
            print(f"web: {config.web.base_url} is served by another process", file=sys.stderr)
            web = None
        try:
            return await console.run()
        finally:
            if web is not None:
                await web.stop()
    finally:
        if translations is not None:
            await translations.close()
        await db.close()


async def _start_web(db, config: Config, settings, wake, username: str = ""):
    """The web map and desk when ``web.port`` is set (None otherwise)."""
    if not config.web.port:
        return None
    from bot.web.server import WebServer
    from bot.web.site import Site

    server = WebServer(Site(db, config, settings, wake, username))
    await server.start(config.web.listen, config.web.port)
    print(f"map:  {config.web.base_url}/", file=sys.stderr)
    print(
        f"desk: {config.web.base_url}/desk  (send /desk in a chat for a login link)",
        file=sys.stderr,
    )
    return server


async def _web(config: Config) -> int:
    """``python -m bot web``: the web alone, beside a bot process on the same database;
    that process's outbox worker delivers what desk actions queue at its next poll."""
    if not config.web.port:
        print(
            f"nachbarbot: the web is off - set web.port (or {env_name('web', 'port')})",
            file=sys.stderr,
        )
        return 2
    db = await open_database(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    web = None
    try:
        from bot.web.public.bot_name import telegram_username

        username = await telegram_username(config)
        web = await _start_web(db, config, config.handler_settings(), lambda: None, username)
        await stop.wait()
    finally:
        if web is not None:
            await web.stop()
        await db.close()
    return 0


async def _run(config: Config) -> int:
    if not (config.telegram_enabled or config.matrix_enabled):
        print(
            "nachbarbot: no chat service is configured - set "
            f"{env_name('telegram', 'token')} to connect to Telegram or matrix.homeserver "
            "and matrix.user_id for Matrix, or try the bot locally with: "
            "python -m bot console",
            file=sys.stderr,
        )
        return 2
    db = await open_database(config)
    cluster = for_database(db, config.bot.database)
    await cluster.start()
    dispatcher = build_dispatcher(db, config)
    dispatcher.process_key = cluster.key or None
    transports: list = []
    if config.telegram_enabled:
        from bot.transports.telegram import TelegramTransport

        transports.append(
            TelegramTransport(
                dispatcher,
                config.telegram,
                config.telegram.token or "",
                dispatcher.router.public_commands(),
            )
        )
    if config.matrix_enabled:
        from bot.transports.matrix import MatrixTransport

        transports.append(MatrixTransport(dispatcher, db, config.matrix))
    metrics = Metrics(db) if config.metrics.port else None
    translations = service_from_config(
        db, config.translation, metrics.translation if metrics else None
    )
    worker = OutboxWorker(
        db,
        transports,
        on_failure=metrics.delivery_failed if metrics else None,
        translations=translations,
        claimant=cluster.key,
        # Alone, each transport paces itself; together, the processes share one pace.
        pace={"telegram": config.telegram.max_messages_per_second}
        if isinstance(cluster, Cluster)
        else None,
    )
    dispatcher.on_queued = worker.wake
    if metrics is not None:
        dispatcher.on_handled = metrics.handled
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    scheduler = _schedule(
        db, dispatcher, config, worker, metrics.retention_failed if metrics else None
    )
    started = []
    web = None
    try:
        await apply_retention(db, config, on_failure=metrics.retention_failed if metrics else None)
        # The reminder schedule first (reaching further into recurring events), then the
        # transports; reminders missed while down follow within the grace period.
        await sync_all(db, datetime.now(UTC))
        # Taking updates (polling, Matrix sync) and the timed jobs are roles: with several
        # processes on PostgreSQL one process at a time holds each (bot/cluster.py).
        roles = []
        for transport in transports:
            if transport.platform == "telegram":
                await transport.start(poll=False, chat_turn=cluster.chat_turn)
                if transport.polls:
                    roles.append(
                        cluster.hold(
                            "polling", transport.start_polling, transport.stop_polling, stop
                        )
                    )
            else:
                await transport.start(sync=False)
                roles.append(
                    cluster.hold("matrix-sync", transport.start_sync, transport.stop_sync, stop)
                )
            started.append(transport)
        if metrics is not None:
            metrics.watch_cluster(cluster)
            await metrics.serve(config.metrics.listen, config.metrics.port)
        web = await _start_web(db, config, dispatcher.settings, worker.wake, _bot_username(started))
        scheduler.start(paused=True)

        async def run_jobs() -> None:
            scheduler.resume()

        async def pause_jobs() -> None:
            scheduler.pause()

        roles.append(cluster.hold("scheduler", run_jobs, pause_jobs, stop))
        holding = [asyncio.create_task(role) for role in roles]
        delivery = asyncio.create_task(worker.run(stop))
        log.info("running: %s", ", ".join(t.platform for t in transports))
        await stop.wait()
        await delivery
        await asyncio.gather(*holding, return_exceptions=True)
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        if web is not None:
            await web.stop()
        for transport in reversed(started):
            await transport.stop()
        if metrics is not None:
            await metrics.stop()
        await translations.close()
        await cluster.stop()
        await db.close()
    return 0


def _bot_username(transports: list) -> str:
    """The Telegram bot's @username (known after getMe), for the map's deep links."""
    for transport in transports:
        name = getattr(transport, "username", None)
        if transport.platform == "telegram" and callable(name):
            return name() or ""
    return ""


def _schedule(
    db,
    dispatcher,
    config: Config,
    worker: OutboxWorker,
    on_retention_failure: Callable[[str], None] | None = None,
) -> AsyncIOScheduler:
    """The timed jobs: reminders, request follow-ups, the morning roundup, retention."""
    scheduler = AsyncIOScheduler(timezone=TIMEZONE)
    timing = Timing(config.help.escalate_hours, config.help.remind_days, config.help.expire_days)
    grace = timedelta(minutes=config.events.reminder_grace_minutes)

    async def due_reminders() -> None:
        if (await deliver_due(db, datetime.now(UTC), grace))[0]:
            worker.wake()

    async def follow_ups() -> None:
        if await follow_up(db, dispatcher.settings, datetime.now(UTC), timing):
            worker.wake()

    async def morning_roundup() -> None:
        if await roundup(db, dispatcher.settings):
            worker.wake()

    async def extend_reminders() -> None:
        await sync_all(db, datetime.now(UTC))

    now = datetime.now(UTC)
    scheduler.add_job(due_reminders, "interval", minutes=1, id="reminders", next_run_time=now)
    scheduler.add_job(follow_ups, "interval", minutes=15, id="follow-ups", next_run_time=now)
    scheduler.add_job(
        morning_roundup, "cron", hour=config.help.roundup_hour, minute=0, id="roundup"
    )
    scheduler.add_job(extend_reminders, "cron", hour=3, minute=30, id="reminder-horizon")
    scheduler.add_job(
        apply_retention,
        "interval",
        hours=24,
        id="retention",
        args=(db, config),
        kwargs={"on_failure": on_retention_failure},
    )
    return scheduler


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"nachbarbot: configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "city":
        return cities_cli.run(config, args)
    if args.command == "run":
        try:
            check_chat_secrets(config)
        except ConfigError as exc:
            print(f"nachbarbot: configuration error: {exc}", file=sys.stderr)
            return 2
    _setup_logging(config, quiet=args.command in ("console", "places", "events", "doctor", "db"))
    try:
        if args.command == "db" and args.db_command == "backup":
            return asyncio.run(_backup(config, args.path))
        if args.command == "db" and args.db_command == "migrate-to":
            return asyncio.run(migrate_to.run(config, args.url))
        if args.command == "db" and args.db_command == "check":
            return asyncio.run(_checks(config, doctor=False))
        if args.command == "db" and args.db_command == "retention":
            return asyncio.run(_retention(config))
        if args.command == "doctor":
            return asyncio.run(_checks(config, doctor=True))
        if args.command == "db":
            return asyncio.run(_migrate(config))
        if args.command == "roles":
            return asyncio.run(_roles(config, args.action, args.user, args.role))
        if args.command == "events":
            return asyncio.run(events_cli.run(config, args))
        if args.command == "places":
            return asyncio.run(places_cli.run(config, args))
        if args.command == "web":
            return asyncio.run(_web(config))
        if args.command == "console":
            return asyncio.run(_console(config, args.user, args.lang, args.coordinator))
        return asyncio.run(_run(config))
    except MigrationError as exc:
        print(f"nachbarbot: database error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
