"""The cities one installation serves: the main configuration's own city, then one TOML file
per further city in ``bot.cities_dir`` (its slug is the file name without ``.toml``).

A city is data, not a deployment, and nothing of one city may reach another's people. So a
city file holds only per-city settings (the installation-wide ones come from the main
configuration, and nothing else does: never its bots, backchannels, admins or data folder);
a further city's settings and secrets are overridden only by its own environment variables,
``NACHBARBOT_CITY_<SLUG>__<SECTION>__<KEY>``; and whatever two cities cannot share (a bot,
an account, a backchannel, a webhook, a gazetteer) is refused before anything starts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from bot.config import (
    ENV_PREFIX,
    INSTALLATION_SECTIONS,
    BotSection,
    Config,
    ConfigError,
    build_sections,
    check_chat_secrets,
    check_consistency,
    compose,
    env_name,
    read_toml,
    section_class,
)
from bot.transports.registry import TRANSPORTS
from bot.transports.registry import claims as transport_claims
from db.database import city_location
from handlers.places.gazetteer import find_data_dir, fold

# Lower-case letters, digits and single inner hyphens: a file name, a PostgreSQL schema
# name and, upper-cased with "_" for "-", an unambiguous part of an environment variable.
SLUG = re.compile(r"(?=.{1,40}$)[a-z0-9]+(?:-[a-z0-9]+)*")
CITY_ENV_PREFIX = "NACHBARBOT_CITY_"
# The sections of this module's own a city file may hold ([bot] without its
# installation-wide keys); the chat services' come beside them (:func:`city_sections`).
OWN_SECTIONS = ("bot", "privacy", "places", "help", "events")
WIDE_BOT_KEYS = tuple(f.name for f in fields(BotSection) if f.metadata["wide"])


def city_sections() -> tuple[str, ...]:
    """The sections a city file may hold: the chat services' among them (each city has its
    own bot accounts), a transport's registered since this module was imported too."""
    return (*OWN_SECTIONS, *(transport.section for transport in TRANSPORTS if transport.section))


def wide_keys() -> tuple[tuple[str, str], ...]:
    """The installation's keys in a city's other sections (``sms.monthly_segments``: one
    budget for all cities), as (section, key): set only in the main configuration, main's
    in every city."""
    return tuple(
        (section, f.name)
        for section in city_sections()
        if section != "bot"
        for f in fields(section_class(section))
        if f.metadata["wide"]
    )


# A further city may serve its own map and desk: on its own port, reached at its own public
# address (the reverse proxy routes a host to it). The rest of [web] is the installation's.
CITY_WEB_KEYS = ("port", "public_url")


@dataclass(frozen=True)
class City:
    slug: str  # the file name without .toml; the main city's from bot.city ("Lünen" -> "luenen")
    config: Config  # the city's whole configuration
    main: bool  # the main configuration file's own city
    source: Path | None  # the city's file (None for the main city)

    @property
    def name(self) -> str:
        return self.config.bot.city

    @property
    def location(self) -> tuple[str, str | None]:
        """Where the city's data lives: its database, and on PostgreSQL a further city's
        own schema (``db.database.city_location``)."""
        return city_location(self.config.bot.database, self.slug, self.main)

    @property
    def env_prefix(self) -> str:
        """How this city's environment variables begin."""
        return ENV_PREFIX if self.main else env_prefix(self.slug)

    @property
    def label(self) -> str:
        """The city for an operator's message: its slug and where it is configured."""
        return f"{self.slug} ({self.source or 'main configuration'})"


def slugify(name: str) -> str:
    """A city's name as a slug: "Lünen" -> "luenen", "Mülheim an der Ruhr" ->
    "muelheim-an-der-ruhr"; "" when nothing usable is left."""
    slug = "-".join(fold(name).split())[:40].strip("-")
    return slug if SLUG.fullmatch(slug) else ""


def env_prefix(slug: str) -> str:
    """``luenen`` -> ``NACHBARBOT_CITY_LUENEN__`` (``-`` written as ``_``)."""
    return f"{CITY_ENV_PREFIX}{slug.upper().replace('-', '_')}__"


def city_files(folder: Path) -> list[Path]:
    """The city files of ``cities_dir``, sorted; hidden files (an editor's) are not cities."""
    return sorted(path for path in folder.glob("*.toml") if not path.name.startswith("."))


@dataclass(frozen=True)
class BrokenCity:
    """A further city whose file cannot be used - not TOML, a setting refused - each with
    why (naming the file). One city's broken file stops no other city: the commands that
    keep the installation going leave it out and say so (bot/cli/broken_cities.py)."""

    source: Path
    why: str  # what is wrong, naming the file

    def stand_in(self, main: Config) -> City | None:
        """The city as far as the installation's own settings tell it - its database is
        where ``bot.database`` puts every city's - so that its data can still be copied
        (``db backup``); None for a file whose name is no slug."""
        if not SLUG.fullmatch(self.slug):
            return None
        return City(self.slug, replace(main, bot=replace(main.bot, city=self.slug)), False, None)

    @property
    def slug(self) -> str:
        """The file name without .toml (a city's slug, if the name is one)."""
        return self.source.stem


def load_cities(config: Config, env: Mapping[str, str] | None = None) -> list[City]:
    """The main city first, then the cities of ``bot.cities_dir`` by file name; a city
    file that cannot be used is refused (:func:`load_installation` leaves it out)."""
    cities, broken = load_installation(config, env)
    if broken:
        raise ConfigError(broken[0].why)
    return cities


def load_installation(
    config: Config, env: Mapping[str, str] | None = None
) -> tuple[list[City], list[BrokenCity]]:
    """The main city first, then the cities of ``bot.cities_dir`` by file name, and apart
    the further cities whose file cannot be used. What concerns the whole installation -
    the main configuration, the folder, two cities claiming one account - is refused."""
    env = os.environ if env is None else env
    slug = slugify(config.bot.city)
    if not slug:
        raise ConfigError(f"bot.city: {config.bot.city!r} gives no usable slug (a-z, 0-9, -)")
    cities = [City(slug, config, True, None)]
    broken: list[BrokenCity] = []
    if config.bot.cities_dir:
        folder = Path(config.bot.cities_dir)
        if not folder.is_dir():
            raise ConfigError(f"bot.cities_dir: folder {folder} not found")
        for path in city_files(folder):
            try:
                cities.append(load_city(path, config, env))
            except ConfigError as exc:
                broken.append(BrokenCity(path, str(exc)))
    check_environment(cities, env, [each.slug for each in broken])
    check_apart(cities)
    return cities, broken


def load_city(path: Path, main: Config, env: Mapping[str, str]) -> City:
    """One city file, completed by its environment and the installation-wide settings."""
    slug = path.stem
    if not SLUG.fullmatch(slug):
        raise ConfigError(
            f"{path}: the file name must be the city's slug (a-z, 0-9 and inner hyphens, "
            "up to 40 characters, e.g. luenen.toml)"
        )
    if not path.is_file():
        raise ConfigError(f"{path}: not a file")
    prefix = env_prefix(slug)
    try:
        data = read_toml(path)
        for section in INSTALLATION_SECTIONS:
            if section == "web":
                for key in data.get("web", {}):
                    if key not in CITY_WEB_KEYS:
                        raise ConfigError(
                            f"web.{key} {_WIDE} (a city may set web.port and web.public_url)"
                        )
            elif section in data:
                raise ConfigError(f"[{section}] {_WIDE}")
        for key in WIDE_BOT_KEYS:
            if key in data.get("bot", {}):
                raise ConfigError(f"bot.{key} {_WIDE}")
        wide = wide_keys()
        for section, key in wide:
            if key in data.get(section, {}):
                raise ConfigError(f"{section}.{key} {_WIDE}")
        sections = build_sections(data, env, city_sections(), prefix)
        if not _given(data, env, prefix, "bot", "city"):
            raise ConfigError("bot.city: required in a city file (the name shown to its people)")
        bot = replace(sections["bot"], **{key: getattr(main.bot, key) for key in WIDE_BOT_KEYS})
        places = sections["places"]
        if not _given(data, env, prefix, "places", "data_dir"):
            # Never the main city's gazetteer (the default, data/dortmund).
            places = replace(places, data_dir=f"data/{slug}")
        # The city's own web, if it sets a port: off otherwise (never the main city's).
        own_web = build_sections(data, env, ("web",), prefix)["web"]
        web = replace(main.web, port=own_web.port, public_url=own_web.public_url)
        sections |= {"bot": bot, "places": places, "web": web}
        for section, key in wide:
            sections[section] = replace(
                sections[section], **{key: getattr(getattr(main, section), key)}
            )
        config = compose(sections, onto=main)  # the installation-wide sections stay main's
        check_consistency(config)
    except ConfigError as exc:
        message = str(exc).removeprefix("config file ")  # read_toml's, naming the file
        raise ConfigError(
            message if message.startswith(str(path)) else f"{path}: {message}"
        ) from None
    return City(slug, config, False, path)


_WIDE = "is installation-wide: set it in the main configuration"


def _given(
    data: Mapping[str, Any], env: Mapping[str, str], prefix: str, section: str, key: str
) -> bool:
    return key in data.get(section, {}) or env_name(section, key, prefix) in env


def check_environment(
    cities: list[City], env: Mapping[str, str], broken: Iterable[str] = ()
) -> None:
    """Every ``NACHBARBOT_CITY_…`` variable names a further city and one of its settings: a
    misspelt one would leave a city without its token, or silently with a default. The
    variables of the cities whose file cannot be used (``broken``, their slugs) are left
    for when it can."""
    further = sorted((city for city in cities if not city.main), key=lambda c: -len(c.slug))
    left = tuple(env_prefix(slug) for slug in broken)
    for variable in sorted(env):
        if not variable.startswith(CITY_ENV_PREFIX) or (left and variable.startswith(left)):
            continue
        city = next((c for c in further if variable.startswith(c.env_prefix)), None)
        if city is None:
            main = cities[0]
            hint = (
                f"; the main city {main.slug} takes {ENV_PREFIX}<SECTION>__<KEY>"
                if variable.startswith(env_prefix(main.slug))
                else ""
            )
            known = ", ".join(c.slug for c in further) or "none"
            raise ConfigError(
                f"{variable}: names no further city of this installation ({known}){hint}"
            )
        section, _, key = variable.removeprefix(city.env_prefix).lower().partition("__")
        city_web = section == "web" and key in CITY_WEB_KEYS
        if (
            (section in INSTALLATION_SECTIONS and not city_web)
            or (section == "bot" and key in WIDE_BOT_KEYS)
            or (section, key) in wide_keys()
        ):
            raise ConfigError(
                f"{variable}: {section}.{key} is installation-wide: "
                f"set {env_name(section, key)} instead"
            )
        if city_web:
            continue
        if section not in city_sections() or key not in {
            f.name for f in fields(section_class(section))
        }:
            raise ConfigError(f"{variable}: {section}.{key}: unknown setting")


def _claims(city: City) -> Iterator[tuple[str, object]]:
    """What this city holds that no other city may hold too (values never shown)."""
    config = city.config
    yield "slug", city.slug
    # Case, umlauts and accents aside: "Lünen", "LUENEN" and "Lunen" are one city.
    yield "name (bot.city)", fold(config.bot.city)
    yield "data folder (places.data_dir)", find_data_dir(config.places.data_dir).resolve()
    if config.web.port:
        yield "web port (web.port)", config.web.port
    if config.web.public_url:
        yield "web address (web.public_url)", config.web.public_url.rstrip("/")
    # Accounts, numbers and ports on the chat services: each transport's own (its claims).
    yield from transport_claims(config)


def check_apart(cities: list[City]) -> None:
    taken: dict[tuple[str, object], City] = {}
    for city in cities:
        for claim in _claims(city):
            other = taken.setdefault(claim, city)
            if other is not city:
                raise ConfigError(f"cities {other.label} and {city.label}: same {claim[0]}")


def check_all_chat_secrets(cities: list[City]) -> None:
    """``check_chat_secrets`` for each city, naming the city's own variables."""
    for city in cities:
        try:
            check_chat_secrets(city.config, city.env_prefix)
        except ConfigError as exc:
            if len(cities) == 1:
                raise
            raise ConfigError(f"city {city.slug}: {exc}") from None
