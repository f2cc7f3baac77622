"""``python -m bot city add NAME``: a further city's configuration and data folder;
``city list`` shows the installation's cities (bot/cli/city_list.py).

The operator gets a commented city file in ``bot.cities_dir`` and a gazetteer folder to fill
in (or, when they prepared that folder already, its check by the real loader). Nothing is
written unless the whole city would load beside the others: a name or slug taken, a bad
name or a broken gazetteer leave every file as it was.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import sys
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from bot.cities import (
    City,
    check_apart,
    check_environment,
    env_prefix,
    load_city,
    load_installation,
    slugify,
)
from bot.cli import city_list
from bot.cli.checks import GazetteerError, check_gazetteer
from bot.config import Config, ConfigError, env_name
from handlers.places.gazetteer import GAZETTEER_FILES, PROJECT_ROOT, find_data_dir
from locales import SUPPORTED_LANGUAGES

MAX_NAME = 100


def add_parsers(sub: argparse._SubParsersAction) -> None:
    city = sub.add_parser("city", help="the cities of this installation: add one, list them")
    actions = city.add_subparsers(dest="city_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add", help="write a city's file in bot.cities_dir and its data folder from templates"
    )
    add.add_argument("name", help='the city\'s name as its people write it, e.g. "Lünen"')
    add.add_argument(
        "--data-dir",
        help="the city's gazetteer folder (default: <slug> beside the main city's"
        " places.data_dir); checked if it exists",
    )
    listing = actions.add_parser(
        "list", help="each city: its accounts, web, database and what its database holds"
    )
    listing.add_argument("--json", action="store_true", help="as JSON")


class Refused(Exception):
    """Why the city cannot be added; nothing was written."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def run(config: Config, args: argparse.Namespace, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    if args.city_command == "list":
        return _list(config, env, as_json=args.json)
    try:
        for line in add_city(config, args.name, args.data_dir, env):
            print(line)
    except Refused as exc:
        print(f"nachbarbot: {exc}", file=sys.stderr)
        return exc.code
    return 0


def _list(config: Config, env: Mapping[str, str], *, as_json: bool) -> int:
    try:
        cities, broken = load_installation(config, env)
    except ConfigError as exc:
        print(f"nachbarbot: configuration error: {exc}", file=sys.stderr)
        return 2
    entries = asyncio.run(city_list.overview(cities))
    entries += [city_list.broken_entry(each, config) for each in broken]
    print(city_list.as_json(entries) if as_json else city_list.as_text(entries))
    # The overview is printed whole; a database it could not reach or read makes it a
    # listing that failed in part, for a monitoring script as for the operator.
    return 1 if any(entry.unreadable for entry in entries) else 0


def _other_cities(config: Config, folder: Path, prefix: str, env: Mapping[str, str]) -> list[City]:
    """The installation's cities a new one is checked against; refused when one of their
    files cannot be used (its accounts, ports and folders cannot be told apart from the new
    city's)."""
    try:
        # A folder not made yet holds no city; it is made with the first one. The new
        # city's variables may be set already (its token in the service's environment).
        cities, broken = load_installation(
            config if folder.is_dir() else replace(config, bot=replace(config.bot, cities_dir="")),
            {variable: value for variable, value in env.items() if not variable.startswith(prefix)},
        )
    except ConfigError as exc:
        raise Refused(f"configuration error: {exc}") from None
    if broken:
        raise Refused(
            f"configuration error: {broken[0].why} - city add checks a new city against"
            " every other city's settings: correct that file first; nothing was written"
        )
    return cities


def add_city(config: Config, name: str, data_dir: str | None, env: Mapping[str, str]) -> list[str]:
    """Write the city's file and data folder; the lines to tell the operator."""
    if not config.bot.cities_dir:
        raise Refused(
            "city add needs a folder for the city files: set bot.cities_dir in the main "
            f"configuration (or {env_name('bot', 'cities_dir')})"
        )
    name = checked_name(name)
    slug = slugify(name)
    if not slug:
        raise Refused(
            f"{name!r} gives no usable slug (a-z, 0-9, -); write the name in Latin letters"
        )
    folder = Path(config.bot.cities_dir)
    cities = _other_cities(config, folder, env_prefix(slug), env)
    target = folder / f"{slug}.toml"
    for city in cities:
        if city.slug == slug:
            raise Refused(f"city {slug} exists already: {city.source or 'the main configuration'}")
    if target.exists():
        raise Refused(f"{target} exists already")
    data_dir = data_dir or default_data_dir(config, slug)
    text = template(name, slug, data_dir)
    candidate = _candidate(text, target, config, env)
    try:
        check_environment([*cities, candidate], env)
        check_apart([*cities, candidate])
    except ConfigError as exc:
        raise Refused(str(exc)) from None
    data = find_data_dir(data_dir)
    prepared = data.is_dir() and any((data / file).exists() for file in GAZETTEER_FILES)
    lines = [f"city {slug}: {name}"]
    if prepared:
        try:
            lines.append(f"gazetteer {data_dir}: {check_gazetteer(data)}")
        except GazetteerError as exc:
            raise Refused(f"gazetteer {data_dir}: {exc}; nothing written", code=1) from None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as fp:
            fp.write(text)
    except OSError as exc:
        raise Refused(f"{exc.filename}: {exc.strerror}; nothing written", code=1) from None
    lines.append(f"written: {target}")
    if not prepared:
        data = Path(data_dir)
        try:
            _write_templates(data, name)
        except OSError as exc:
            target.unlink()  # a city without its data folder would not start
            raise Refused(f"{exc.filename}: {exc.strerror}; {target} removed", code=1) from None
        lines += [
            f"written: {data}/ with {', '.join(GAZETTEER_FILES)} (headers only) and README.md",
            f"next: fill in the gazetteer in {data}/ (README.md says how): the city needs it "
            "to find where people live",
            f"until then {slug} is not served (run, web and console leave it out and say so;"
            " doctor says what is missing); the other cities run as before",
        ]
    lines += [
        f"next: create the city's own Telegram bot with @BotFather and set "
        f"{env_name('telegram', 'token', env_prefix(slug))} "
        f"(and/or the Matrix account in {target})",
        f"next: set the coordinators' backchannel (help.telegram_backchannel, "
        f"matrix.backchannel_room) and the admins (bot.admins) in {target}",
    ]
    return lines


def checked_name(name: str) -> str:
    """The name as written (without spaces around it), or :class:`Refused` saying what a
    city's name may hold."""
    name = name.strip()
    if not name:
        raise Refused(
            "the city's name is empty (or only spaces): give it as its people write it,"
            ' e.g. city add "Lünen"'
        )
    if not is_city_name(name):
        # Shown escaped where it holds what a terminal would not show.
        shown = repr(name) if name.isprintable() else ascii(name)
        raise Refused(
            f"{shown} is not a city's name: 1 to {MAX_NAME} characters with at least one "
            f"letter; letters, digits, spaces and {' '.join(NAME_MARKS)} only (no / or \\, "
            "no control or invisible characters)"
        )
    return name


def default_data_dir(config: Config, slug: str) -> str:
    """Where a new city's gazetteer goes without ``--data-dir``: beside the main city's
    (``places.data_dir``, found as the bot finds it), as an absolute path - not under the
    working directory of whoever runs ``city add``, which the service does not share (it
    would look for ``data/<slug>`` in its own, and not find it). Not when the main city's
    is the program's own (the shipped ``data/dortmund``, the default): an operator's city
    never goes into the source tree, where an update would lose it: refused,
    naming the option that is missing."""
    beside = find_data_dir(config.places.data_dir).resolve().parent
    if beside == PROJECT_ROOT or PROJECT_ROOT in beside.parents:
        raise Refused(
            "city add: where does the city's gazetteer go? The main city's places.data_dir "
            f"({config.places.data_dir}) is in the program's own folder ({PROJECT_ROOT}), "
            "not the installation's: give --data-dir DIR, or set places.data_dir in the main "
            "configuration to the installation's data folder"
        )
    return str(beside / slug)


# Besides letters, digits and spaces, the marks city names are written with ("Halle (Saale)",
# "Mülheim a.d. Ruhr", "Sankt Peter-Ording", "L'Aquila"). Never / or \ (a name is not a
# path), nor control or invisible characters (bidi marks, zero-width spaces): the name
# reaches people in texts and pages.
NAME_MARKS = ("-", "'", "’", ".", ",", "(", ")", "&", '"')


def is_city_name(name: str) -> bool:
    """A name people can read: allowed characters only, and at least one letter (not only
    punctuation)."""
    return (
        0 < len(name) <= MAX_NAME
        and any(unicodedata.category(ch).startswith("L") for ch in name)
        and all(_allowed(ch) for ch in name)
    )


def _allowed(ch: str) -> bool:
    # Letters, their combining marks (Arabic vowels, decomposed umlauts), digits, the space;
    # not the few letters and marks Unicode draws as nothing (Hangul fillers, the grapheme
    # joiner, variation selectors).
    if ch in _INVISIBLE or "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef":
        return False
    return ch == " " or ch in NAME_MARKS or unicodedata.category(ch)[0] in "LMN"


_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u3164\uffa0")


def _write_templates(data: Path, name: str) -> None:
    """The gazetteer's files with their header lines, and how to fill them in; files
    already there (a README of the operator's) are kept."""
    data.mkdir(parents=True, exist_ok=True)
    for file, columns in GAZETTEER_FILES.items():
        with (data / file).open("x", encoding="utf-8", newline="") as fp:
            csv.writer(fp, lineterminator="\n").writerow(columns)
    readme = data / "README.md"
    if not readme.exists():
        readme.write_text(_data_readme(name), encoding="utf-8")


def _candidate(text: str, target: Path, config: Config, env: Mapping[str, str]) -> City:
    """The new city as it will load (its file written aside first), so that a conflict
    or a setting in the environment that does not fit is refused before anything is
    written."""
    with tempfile.TemporaryDirectory() as scratch:
        aside = Path(scratch) / target.name
        aside.write_text(text, encoding="utf-8")
        try:
            city = load_city(aside, config, env)
        except ConfigError as exc:
            message = str(exc).replace(str(aside), str(target))
            raise Refused(f"configuration error: {message}") from None
    return replace(city, source=target)


def _toml(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _header(name: str, slug: str, prefix: str) -> str:
    """The new city's file's first lines: what belongs in it, and its secrets' names."""
    return f"""\
# nachbarbot: the city of {name}, one city of this installation (its slug: {slug}).
# Only this city's own settings belong here; the database, logging, metrics, web and
# translation are the installation's, set in the main configuration (of [web], a city sets
# only its own port and public_url). Nothing of another city's (bots, backchannels,
# admins, data) applies here.
#
# Secrets are never read from this file, only from the environment:
#   {env_name("telegram", "token", prefix)}  bot token from @BotFather (enables Telegram)
#   {env_name("telegram", "webhook_secret", prefix)}  webhook mode: secret Telegram sends
#   {env_name("matrix", "access_token", prefix)}  access token of the city's Matrix account
#   {env_name("matrix", "password", prefix)}  or its password
# Every other key can be overridden the same way: {prefix}<SECTION>__<KEY>.
# Sections and keys not written here ([privacy], [events], the rest of [help]) take the
# defaults documented in deploy/nachbarbot.example.toml; copy a key here to change it.

"""


def template(name: str, slug: str, data_dir: str) -> str:
    """The new city's file: every setting an operator fills in, explained."""
    prefix = env_prefix(slug)
    languages = ", ".join(_toml(language) for language in SUPPORTED_LANGUAGES)
    return (
        _header(name, slug, prefix)
        + f"""\
[bot]
# The city's name, shown to its people.
city = {_toml(name)}
# Languages the city offers, in the order of the language picker; the first is the
# fallback. Any of: {", ".join(SUPPORTED_LANGUAGES)}.
languages = [{languages}]
# First admins of this city, as platform:user_id (Telegram: the numeric user id).
admins = []

[places]
# Folder with the city's gazetteer (stadtbezirke.csv, stadtteile.csv, postcodes.csv);
# relative paths are looked up in the working directory, then the project.
data_dir = {_toml(data_dir)}

[help]
# The city's coordinators' Telegram group: add the city's bot to it, then put the group's
# chat id here (a negative number such as "-1001234567890"). Never another city's group.
telegram_backchannel = ""
# A small city (a few dozen volunteers) need set nothing to keep its few from carrying
# every wave: the coordinators take a request over after budget_share (0.3) of the
# volunteers who take requests were asked, never fewer than budget_least (15), instead of
# budget (20) (docs/help.md, "A small city").
# budget_share = 0.3

[telegram]
# The city's own bot (never another city's): create it with @BotFather, then set
# {env_name("telegram", "token", prefix)}. "polling" needs nothing more; with
# "webhook", every city needs its own URL and port.
mode = "polling"
# webhook_url = "https://bot.example.org/{slug}/telegram"
# webhook_port = 8444

[matrix]
# The city's own Matrix account; setting homeserver and user_id (plus a secret above)
# enables Matrix.
homeserver = ""
user_id = ""
# The city's coordinators' Matrix room (room id, e.g. "!abc:example.org"): invite the bot.
backchannel_room = ""

[web]
# The city's own map and desk: a port of its own (never another city's) and the address
# people reach it at through the reverse proxy. Without a port the city has no web.
# port = 8081
# public_url = "https://{slug}.example.org"
"""
    )


def _data_readme(name: str) -> str:
    files = "\n".join(
        f"- `{file}`: {', '.join(columns)}" for file, columns in GAZETTEER_FILES.items()
    )
    return f"""\
# Gazetteer of {name}

The bot finds where people live and help from these files (UTF-8 CSV, first line the
column names, as in `data/dortmund/`):

{files}

One row per Stadtbezirk, Stadtteil and postcode, with the coordinates (WGS84, decimal
degrees) of its centre. Every Stadtteil and postcode names its Stadtbezirk as written in
`stadtbezirke.csv`. `aliases` and `stadtteile` hold several names separated by `;` (other
spellings, names in the other languages). Note where the figures come from in `SOURCES.md`.
"""
