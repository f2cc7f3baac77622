"""Operator checks: ``python -m bot db check`` and ``python -m bot doctor``.

Each check yields (name, verdict, detail) with verdict "ok", "FAIL" or "skip"; the commands
print one line per check and exit 1 if anything failed.
"""

from __future__ import annotations

import asyncio
import csv
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from bot.cluster import ROLES, members
from bot.config import ENV_PREFIX, Config, ConfigError, check_chat_secrets
from bot.transports.registry import TRANSPORTS, Check
from db import Database
from db.clock import local_day
from db.database import latest_migration
from db.erasure_ledger import FileLedger
from db.postgres import is_postgres
from db.request_states import CLOSED, MATCHED, STATES, WAITING, sql_list
from db.sqlite_restore import holders
from db.statements import fetch_all, fetch_one
from handlers.places.gazetteer import GAZETTEER_FILES, find_data_dir, load_gazetteer
from handlers.statistics import city_figures
from locales import SUPPORTED_LANGUAGES
from locales.catalogs import check_compiled, po_path

# Lifecycle invariants: each query counts rows that break one rule.
INVARIANTS = {
    # A done request outlives its helper's account (db/personal_data.py): only matched.
    "no request matched without a volunteer": (
        f"SELECT COUNT(*) FROM help_requests WHERE state = '{MATCHED}' AND volunteer_id IS NULL"
    ),
    "no outbox message for someone whose account is gone": (
        "SELECT COUNT(*) FROM outbox o WHERE recipient_id IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = o.recipient_id)"
    ),
    "no open or unchecked request with a volunteer": (
        "SELECT COUNT(*) FROM help_requests"
        f" WHERE state IN {sql_list(WAITING)} AND volunteer_id IS NOT NULL"
    ),
    "every closed request has its closing time": (
        "SELECT COUNT(*) FROM help_requests"
        f" WHERE state IN {sql_list(CLOSED)} AND closed_at IS NULL"
    ),
    "no request in an unknown state": (
        f"SELECT COUNT(*) FROM help_requests WHERE state NOT IN {sql_list(STATES)}"
    ),
    "no outbox entry without a recipient": (
        "SELECT COUNT(*) FROM outbox WHERE platform = '' OR chat_id = ''"
    ),
    "no outbox entry both sent and given up": (
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL AND failed_at IS NOT NULL"
    ),
    "no pending reminder for a cancelled event": (
        "SELECT COUNT(*) FROM reminders r JOIN events e ON e.id = r.event_id"
        " WHERE r.state = 'pending' AND e.status = 'cancelled'"
    ),
    "no volunteer profile without the volunteer role": (
        "SELECT COUNT(*) FROM volunteers v WHERE NOT EXISTS"
        " (SELECT 1 FROM user_roles r WHERE r.user_id = v.user_id AND r.role = 'volunteer')"
    ),
}


async def damage(db: Database, *, quick: bool = False) -> str:
    """What SQLite's integrity check finds wrong in ``db`` ("" where nothing, and always on
    PostgreSQL, which checks its pages itself): ``db check``'s "database integrity", and
    what ``run``, ``web`` and ``console`` refuse to start on (``quick``: SQLite's
    quick_check, which leaves out whether each index matches its table - a start on a
    large database is not held up by the whole check; a damaged page it finds all the
    same). A page SQLite cannot read at all is said as its error."""
    if db.dialect != "sqlite":
        return ""
    pragma = "quick_check" if quick else "integrity_check"
    try:
        result = [row[0] for row in await fetch_all(db.transactions, f"PRAGMA {pragma}")]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return "" if result == ["ok"] else "; ".join(result)[:200]


async def _sqlite_checks(db: Database) -> AsyncIterator[Check]:
    found = await damage(db)
    yield ("database integrity", "FAIL" if found else "ok", found)
    if found:
        # The checks below read the tables: on damaged pages they end in SQLite's error.
        return
    broken = await fetch_all(db.transactions, "PRAGMA foreign_key_check")
    yield (
        "foreign keys",
        "FAIL" if broken else "ok",
        f"{len(broken)} rows point nowhere" if broken else "",
    )
    if isinstance(db.erasure_ledger, FileLedger):
        # Read at every erasure and every restore: a damaged list fails a person's /delete
        # (rolled back) and stops a restore, so it is said here first.
        why = db.erasure_ledger.unreadable()
        yield (
            "list of erased accounts",
            "FAIL" if why else "ok",
            f"{why} - a /delete fails and db restore refuses until a sound copy is put back"
            " (each backup has one beside it; docs/operations.md)"
            if why
            else "",
        )


async def _postgres_checks(db: Database) -> AsyncIterator[Check]:
    # PostgreSQL enforces its keys on every write; what can be wrong is a constraint that
    # was added NOT VALID and never checked, or a collation other than C (text would sort
    # differently than on SQLite, and the stores compare ISO times as text).
    unchecked = await fetch_all(
        db.transactions,
        "SELECT conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
        " WHERE n.nspname = current_schema() AND NOT c.convalidated",
    )
    yield (
        "foreign keys",
        "FAIL" if unchecked else "ok",
        ", ".join(row[0] for row in unchecked)[:200],
    )
    behind = await _sequences_behind(db)
    yield (
        "identity sequences ahead of the ids",
        "FAIL" if behind else "ok",
        f"the next insert would reuse an id in {', '.join(behind)}"[:200] if behind else "",
    )
    row = await fetch_one(
        db.transactions,
        "SELECT datcollate FROM pg_database WHERE datname = current_database()",
    )
    collation = row[0] if row else "?"
    yield (
        "database collation",
        "ok" if collation in ("C", "POSIX", "C.UTF-8", "C.utf8") else "FAIL",
        collation
        if collation in ("C", "POSIX", "C.UTF-8", "C.utf8")
        else f"{collation}: create the database with LC_COLLATE 'C' (README)",
    )


async def _sequences_behind(db: Database) -> list[str]:
    """Tables whose identity sequence would hand out an id that a row has already (rows
    copied or restored with their ids, the sequence not moved past them)."""
    # Schema-qualified throughout: a city's schema (db/city_schema.py) is checked, not
    # whatever its search path would find further along.
    columns = await fetch_all(
        db.transactions,
        "SELECT table_name, column_name, quote_ident(table_schema) || '.' ||"
        " quote_ident(table_name), pg_get_serial_sequence(quote_ident(table_schema) || '.'"
        " || quote_ident(table_name), column_name)"
        " FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND is_identity = 'YES' ORDER BY table_name",
    )
    behind = []
    for table, column, qualified, sequence in columns:
        # Names from the catalog, quoted by it: nothing from outside reaches this SQL.
        row = await fetch_one(
            db.transactions,
            f'SELECT (SELECT COALESCE(MAX("{column}"), 0) FROM {qualified}),'
            f" last_value, is_called FROM {sequence}",
        )
        if row is None:
            continue
        highest, last, called = row
        next_id = last + 1 if called else last
        if next_id <= highest:
            behind.append(table)
    return behind


async def database_checks(db: Database) -> AsyncIterator[Check]:
    backend = _postgres_checks(db) if db.dialect == "postgresql" else _sqlite_checks(db)
    damaged = False
    async for check in backend:
        damaged |= check[0] == "database integrity" and check[1] == "FAIL"
        yield check
    if damaged:
        yield (
            "the schema and the lifecycle",
            "skip",
            "not read on a damaged database - restore a backup (db restore,"
            " docs/operations.md#backup-and-restore)",
        )
        return
    if db.schema is not None:
        found = await db.city_schema_problems()
        yield (
            f"city schema {db.schema} is whole",
            "FAIL" if found else "ok",
            "; ".join(found)[:200],
        )
    version = await db.schema_version()
    latest = latest_migration(db.dialect)
    # Newer than this code knows: only where the newer migrations say this code may run on
    # them (Database.open refuses it otherwise, db/migration_ledger.py) - a rolling upgrade,
    # where a newer process migrated first; older would be a failed migration.
    yield (
        "schema version",
        "ok" if version >= latest else "FAIL",
        f"{version} of {latest}" + (" (migrated by a newer version)" if version > latest else ""),
    )
    # Database.open refused any other text: what is left to say is which earlier texts ran.
    yield ("applied migrations as released", "ok", "; ".join(await db.migration_notes())[:200])
    unmapped = await db.data_rights.unmapped()
    yield (
        "personal-data map covers the schema",
        "FAIL" if unmapped else "ok",
        ", ".join(unmapped)[:200],
    )
    for name, sql in INVARIANTS.items():
        row = await fetch_one(db.transactions, sql)
        count = row[0] if row is not None else 0
        yield (name, "FAIL" if count else "ok", f"{count} rows" if count else "")


def sqlite_processes(database: Path) -> list[Check]:
    """The processes that have the SQLite ``database`` open, each with what it runs; on
    SQLite the bot's ``run`` holds every role (bot/cluster.py's SingleProcess). Before,
    doctor named itself as the holder of every role, with no bot running."""
    found = holders(database)
    if found is None:
        return [("processes", "skip", "this system has no /proc/locks to tell them by")]
    every = ", ".join(sorted(ROLES))
    checks: list[Check] = []
    running = False
    for pid in found:
        command = _command(pid)
        bot = command == "nachbarbot run"
        running |= bot
        held = f" - holds {every}" if bot else ""
        checks.append((f"process {pid}", "ok", f"{command} has the database open{held}"))
    if not running:
        checks.append(("bot process", "ok", f"no bot runs on this database: none holds {every}"))
    return checks


def _command(pid: int) -> str:
    """What process ``pid`` runs, without its further arguments (they may hold what the
    operator would not print): the bot with its command, or the program's name."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return "a process of another user"
    for at, word in enumerate(argv):
        if (word == "bot" and at and argv[at - 1] == "-m") or Path(word).name == "nachbarbot":
            # The command is the first plain word after it (not an option, nor its value).
            words = (each for each in argv[at + 1 :] if each.replace("-", "").isalpha())
            command = next((each for each in words if not each.startswith("-")), "")
            return f"nachbarbot {command}".strip()
    return Path(argv[0]).name or "a process"


async def doctor_checks(
    config: Config, db: Database, roles: Iterable[str] = ()
) -> AsyncIterator[Check]:
    """The main city's checks and the installation's (processes, catalogs, translation,
    web). ``roles`` names the other cities' cluster roles for the process list."""
    async for check in city_checks(config, db):
        yield check
    if db.dialect == "postgresql":
        for member in await members(db, roles):
            yield (
                f"process {member.name}",
                "ok",
                ("holds " + ", ".join(member.roles)) if member.roles else "holds no role",
            )
    else:
        for check in sqlite_processes(Path(config.bot.database)):
            yield check
    # What the bot reads: the compiled catalogs (the .po files' own checks are the
    # developers', ``python -m locales check``).
    problems = check_compiled()
    yield (
        "translations",
        "FAIL" if problems else "ok",
        f"{len(problems)} messages not in the compiled catalogs, e.g. {problems[0].lang}"
        " (make catalogs; python -m locales check)"
        if problems
        else "",
    )
    stale = [
        p.parent.parent.name
        for p in map(po_path, ("de", "en", "ar"))
        if not p.with_suffix(".mo").exists()
    ]
    yield (
        "compiled catalogs",
        "FAIL" if stale else "ok",
        f"missing for {', '.join(stale)} (make catalogs)" if stale else "",
    )
    async for check in _translation_checks(config, db):
        yield check
    for transport in TRANSPORTS:
        own = transport.doctor(config, db)
        if own is not None:
            async for check in own:
                yield check
    async for check in _speech_checks(config):
        yield check
    for check in _web_checks(config):
        yield check


async def city_checks(
    config: Config, db: Database, env_prefix: str = ENV_PREFIX
) -> AsyncIterator[Check]:
    """What one city needs: its configuration and secrets, its database, its gazetteer and
    its chat accounts. ``env_prefix``: how the city's environment variables begin (a
    further city's secrets are never the main city's variables, ``City.env_prefix``)."""
    try:
        check_chat_secrets(config, env_prefix)
        yield ("configuration", "ok", "loaded and valid")
    except ConfigError as exc:
        yield ("configuration", "FAIL", str(exc))
    async for check in database_checks(db):
        yield check
    yield _gazetteer_check(config)
    yield backup_rotation_check(config)
    for transport in TRANSPORTS:
        own = transport.city_doctor(config, db, env_prefix)
        if own is not None:
            async for check in own:
                yield check
    yield coordinators_channel_check(config)


# The nightly backups' rotation. On SQLite deploy/nachbarbot-backup.sh runs ``db rotate``
# (bot/cli/backup_rotation.py), which deletes each backup older than its city's
# privacy.backup_days itself; on PostgreSQL deploy/nachbarbot-pg-backup.sh, a shell script
# that does not read the configuration, deletes dumps older than NACHBARBOT_BACKUP_DAYS
# (default 14, the default of privacy.backup_days too, bot/config.py).
BACKUP_DAYS_VARIABLE = "NACHBARBOT_BACKUP_DAYS"
ROTATION_DAYS = 14
# What the rotation read before it went by age: a number of backups, whatever their age.
OLD_KEEP_VARIABLE = "NACHBARBOT_BACKUP_KEEP"


def backup_rotation_check(config: Config, environ: Mapping[str, str] = os.environ) -> Check:
    """Whether the nightly rotation keeps backups no longer than ``privacy.backup_days``:
    the privacy notice's figure for how long an erased person survives in a backup, and
    how long the list of erased accounts (which a restore erases again) keeps each entry.
    On SQLite the rotation reads the setting itself (ok); on PostgreSQL its script deletes
    dumps after NACHBARBOT_BACKUP_DAYS (where this process's environment - the bot's env
    file, which the backup unit reads too - has it, else its default): kept longer, a dump
    holds erased people past the figure and a restore of it brings back whoever the list
    forgot (FAIL); kept shorter, the list and a restore's copy of the database are kept
    longer than any dump (WARN). The script prints the same where its environment sets
    privacy.backup_days. NACHBARBOT_BACKUP_KEEP, the count of an earlier rotation, is read
    by neither any more (WARN: a unit or script of before may still count)."""
    name = "backups kept no longer than privacy.backup_days"
    days = config.privacy.backup_days
    if environ.get(OLD_KEEP_VARIABLE, "").strip():
        return (
            name,
            "WARN",
            f"{OLD_KEEP_VARIABLE} is set but no longer read: the nightly rotation deletes"
            " backups by age - remove it, and install this release's backup script and unit"
            " (deploy/, docs/operations.md): the one before kept a number of backups, whatever"
            " their age",
        )
    if not is_postgres(config.bot.database):
        return (
            name,
            "ok",
            f"the nightly rotation (db rotate) deletes backups older than {days} days, by"
            " the time in their names",
        )
    text = environ.get(BACKUP_DAYS_VARIABLE, "").strip()
    if text and (not text.isdigit() or int(text) < 1):
        return (name, "FAIL", f"{BACKUP_DAYS_VARIABLE}={text!r} is not a number from 1")
    rotation = int(text) if text else ROTATION_DAYS
    kept = (
        f"the nightly dumps are deleted after {rotation} days ("
        + (BACKUP_DAYS_VARIABLE if text else f"its default; {BACKUP_DAYS_VARIABLE} unset")
        + f"), privacy.backup_days is {days}"
    )
    if rotation > days:
        return (
            name,
            "FAIL",
            f"{kept}: an erased person stays in a dump longer than the privacy notice says,"
            " and restoring it brings back whoever the list of erased accounts no longer"
            f" names - set {BACKUP_DAYS_VARIABLE} to privacy.backup_days (docs/operations.md)",
        )
    if rotation < days:
        return (
            name,
            "WARN",
            f"{kept}: the list of erased accounts and a restore's copy of the database are kept"
            f" longer than any dump - set {BACKUP_DAYS_VARIABLE} to privacy.backup_days"
            " (docs/operations.md)",
        )
    return (name, "ok", kept)


def coordinators_channel_check(config: Config) -> Check:
    """Whether new requests reach someone: a coordinators' group or room on a chat service
    the city runs (help.telegram_backchannel, matrix.backchannel_room). A city run by the
    phone line or SMS alone has none: its coordinators work on the web desk (WARN), and
    without the desk nobody sees a request at all (FAIL)."""
    from bot.transports.registry import configured

    services = [transport.platform for transport in configured(config)]
    if not services:
        return ("coordinators' channel", "skip", "no chat service configured")
    running = [
        platform for platform, _ in config.handler_settings().backchannels if platform in services
    ]
    if running:
        return ("coordinators' channel", "ok", ", ".join(sorted(running)))
    unset = "none set (help.telegram_backchannel, matrix.backchannel_room)"
    if not config.web.port:
        return (
            "coordinators' channel",
            "FAIL",
            f"{unset} and the web desk is off (web.port = 0): new requests reach nobody",
        )
    return (
        "coordinators' channel",
        "WARN",
        f"{unset}: new requests wait on the web desk, {config.web.base_url}/desk - coordinators"
        " log in with python -m bot desk-link (docs/operations.md)",
    )


def unserved_cities(configs: Iterable[tuple[str, Config]]) -> dict[str, str]:
    """The cities the bot cannot serve yet, each with why (``run``, ``web`` and
    ``console``): a city just written by ``city add`` has its gazetteer files with headers
    only, and served like that every search for a district and the map answered an error.
    Such a city is not served; every other city is (one city's set-up never stops another).
    The reason names the folder, what is wrong and what to do."""
    unserved = {}
    for slug, config in configs:
        why = unusable_gazetteer(config)
        if why is not None:
            unserved[slug] = f"{why}, then restart"
    return unserved


def unusable_gazetteer(config: Config) -> str | None:
    """Why a city's gazetteer cannot be used (its folder, what is wrong, what to do), or
    None: the serving commands and those that place what they import or look up on it
    (``places``, ``events``) refuse such a city."""
    folder = config.places.data_dir
    try:
        check_gazetteer(find_data_dir(folder))
    except GazetteerError as exc:
        return (
            f"gazetteer {folder}: {exc} - fill it in (the README.md in that folder says"
            " how; python -m bot doctor checks it)"
        )
    return None


def _gazetteer_check(config: Config) -> Check:
    folder = config.places.data_dir
    try:
        return ("gazetteer", "ok", f"{folder}: {check_gazetteer(find_data_dir(folder))}")
    except GazetteerError as exc:
        return (
            "gazetteer",
            "FAIL",
            f"{folder}: {exc} - the city is not served until it is filled in",
        )


class GazetteerError(ValueError):
    """A gazetteer folder the bot could not use: which file, what is wrong."""


def check_gazetteer(folder: Path) -> str:
    """Load a gazetteer folder with the real loader: its counts, else
    :class:`GazetteerError` (``doctor`` and ``city add``)."""
    for file, columns in GAZETTEER_FILES.items():
        if not (folder / file).is_file():
            raise GazetteerError(f"{file} is missing (columns: {','.join(columns)})")
    try:
        gazetteer = load_gazetteer.__wrapped__(str(folder))
    except KeyError as exc:
        column = exc.args[0]
        files = [file for file in GAZETTEER_FILES if column not in _header(folder / file)]
        raise GazetteerError(
            f"{' and '.join(files) or 'a file'}: column {column} missing"
        ) from None
    except ValueError as exc:
        if "empty" in str(exc):  # no point at all to frame the city by
            raise GazetteerError("no Stadtbezirke or Stadtteile with coordinates") from None
        raise GazetteerError(_not_a_number(folder) or str(exc)) from None
    except (OSError, csv.Error) as exc:
        raise GazetteerError(str(exc)) from None
    bezirke = {area.name for area in gazetteer.bezirke}
    if not bezirke or not gazetteer.teile:
        raise GazetteerError("stadtbezirke.csv and stadtteile.csv need one row each at least")
    for file, areas in (
        ("stadtteile.csv", gazetteer.teile),
        ("postcodes.csv", gazetteer.postcodes.values()),
    ):
        for area in areas:
            if area.stadtbezirk not in bezirke:
                raise GazetteerError(
                    f"{file}: {area.name} lies in Stadtbezirk {area.stadtbezirk!r}, "
                    "which stadtbezirke.csv does not list",
                )
    return (
        f"{len(gazetteer.bezirke)} Stadtbezirke, {len(gazetteer.teile)} Stadtteile, "
        f"{len(gazetteer.postcodes)} postcodes"
    )


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fp:
        return next(csv.reader(fp), [])


def _not_a_number(folder: Path) -> str:
    """Where the loader's "could not convert string to float" came from."""
    for file in GAZETTEER_FILES:
        with (folder / file).open(encoding="utf-8", newline="") as fp:
            for line, row in enumerate(csv.DictReader(fp), start=2):
                for column in ("lat", "lon"):
                    try:
                        float(row.get(column) or "")
                    except (TypeError, ValueError):
                        return f"{file} line {line}: {column} {row[column]!r} is not a number"
    return ""


async def named(prefix: str, checks: AsyncIterator[Check]) -> AsyncIterator[Check]:
    """``checks`` with each name prefixed (a city's slug, when there are several)."""
    async for name, verdict, detail in checks:
        yield (f"{prefix}: {name}", verdict, detail)


def _web_checks(config: Config) -> list[Check]:
    """The map and desk: their scripts installed, and an address Telegram accepts."""
    web = config.web
    if not web.port:
        return [("web", "skip", "off (web.port = 0)")]
    from bot.web.assets import missing  # the web's aiohttp, for this check only

    absent = missing()
    checks = [
        (
            "web scripts and styles",
            "FAIL" if absent else "ok",
            f"{len(absent)} files missing (npm ci, or NACHBARBOT_WEB_ASSETS)" if absent else "",
        )
    ]
    if not web.public_url:
        checks.append(("web public address", "skip", f"not set: links point at {web.base_url}"))
    elif not web.public_url.startswith("https://"):
        checks.append(
            (
                "web public address",
                "FAIL",
                "not https: Telegram opens no Mini App and the desk cookie is not secure",
            )
        )
    else:
        checks.append(("web public address", "ok", web.public_url))
    return checks


# What an engine's failure kind means to an operator.
ENGINE_PROBLEMS = {
    "down": "not reachable",
    "key": "the API key is missing or not valid",
    "quota": "the service's own quota is used up",
    "refused": "the request was refused",
    "garbage": "the answer is not what the API documents",
}


async def _speech_checks(config: Config) -> AsyncIterator[Check]:
    """Which of the city's languages the speech engine speaks, said by making a short voice
    message in each (read aloud, docs/speech.md)."""
    from bot.speech.engine import SpeechError
    from bot.speech.engines import speaker_from_config

    speaker = await speaker_from_config(config.speech, tuple(config.bot.languages))
    if speaker is None:
        yield ("read aloud", "skip", "speech.engine not set (off)")
        return
    spoken = []
    # What went wrong, each reason once, in order: first what the start-up check found.
    why: dict[str, None] = dict.fromkeys(speaker.why_not.values())
    try:
        for lang in sorted(speaker.languages):
            try:
                await speaker.audio("1", lang, public=True)
                spoken.append(lang)
            except SpeechError as exc:
                why[str(exc)] = None
    finally:
        if config.speech.engine != "espeak":  # the embedded engine is the process's own
            await speaker.close()
    missing = sorted(set(config.bot.languages) - set(spoken))
    detail = f"no voice for {', '.join(missing)} (text only)" if missing else "all languages"
    yield (
        "read aloud",
        "FAIL" if not spoken else ("WARN" if missing else "ok"),
        f"{config.speech.engine}: {detail}" + "".join(f"; {reason}" for reason in why),
    )


async def _translation_checks(config: Config, db: Database) -> AsyncIterator[Check]:
    """The engine answers, with the key given, and offers every language of the bot; and
    how much of today's budget is used."""
    if not config.translation.engine:
        # Requests in other languages arrive: volunteers who speak none of them cannot
        # read them, and the waves ask them all the same (issue 63).
        untranslated = await city_figures.untranslated_requests(db, "", datetime.now(UTC))
        if untranslated:
            yield (
                "translation engine",
                "WARN",
                f"translation.engine not set, while {untranslated} of the last"
                f" {city_figures.UNTRANSLATED_DAYS} days' requests came from people without"
                " German: volunteers who share none of their languages cannot read them"
                " (docs/language-bridge.md)",
            )
        else:
            yield ("translation engine", "skip", "translation.engine not set (off)")
        return
    from bot.translation.engine import EngineError
    from bot.translation.engines import engine_from_config

    engine = engine_from_config(config.translation)
    assert engine is not None
    try:
        offered = await asyncio.wait_for(engine.languages(), config.translation.timeout_seconds)
        # LibreTranslate lists its languages to anyone: only a translation shows that the
        # key (or that none is needed) is accepted. One word, outside the day's budget.
        await asyncio.wait_for(
            engine.translate("Hallo", "de", "en"), config.translation.timeout_seconds
        )
    except EngineError as exc:
        problem = ENGINE_PROBLEMS.get(exc.kind, exc.kind)
        yield ("translation engine", "FAIL", f"{engine.name}: {problem}")
        return
    except TimeoutError:
        yield ("translation engine", "FAIL", f"{engine.name}: no answer within the timeout")
        return
    finally:
        await engine.close()
    yield ("translation engine", "ok", f"{engine.name} answers")
    missing = sorted(set(SUPPORTED_LANGUAGES) - offered)
    yield (
        "translation languages",
        "FAIL" if missing else "ok",
        f"not offered: {', '.join(missing)}" if missing else "all ten offered",
    )
    used = await db.translations.spent(local_day(datetime.now(UTC)))  # every city's
    budget = config.translation.daily_character_budget
    yield (
        "translation budget",
        "ok" if used < budget else "FAIL",
        f"{used} of {budget} characters used today",
    )


async def run_checks(checks: AsyncIterator[Check]) -> int:
    failed = False
    async for name, verdict, detail in checks:
        failed |= verdict == "FAIL"
        print(f"{verdict:<5} {name}" + (f" - {detail}" if detail else ""))
    return 1 if failed else 0
