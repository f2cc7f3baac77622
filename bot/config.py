"""Configuration: a TOML file, every key overridable by ``NACHBARBOT_<SECTION>__<KEY>``.

Secrets (tokens, passwords) are only read from the environment, never from the file, so a
config file can be shared or committed safely. Any problem raises :class:`ConfigError`
with one line naming the key and what is wrong.

The file is also the installation's first city; ``bot.cities_dir`` names a folder of
further cities (``bot.cities``). Settings marked installation-wide (``wide``) and the
sections in :data:`INSTALLATION_SECTIONS` belong to the installation, not to a city.

The sections are declared in bot/sections.py (what the transports are given a city's
configuration as, :class:`~bot.sections.Sections`: it imports no transport) and with each
transport (bot/transports/*/config.py); :class:`Config` adds a field for each product
transport's section, typed by the class its declaration names (bot/transports/hooks.py,
listed by bot/transports/registry.py; a test holds the two together). A transport
registered after this module made ``Config`` (a test's, a plug-in's) has its section read
all the same: from the file and the environment by :func:`load_config`, an attribute like
the others (``config.pager``), given as ``Config(later={"pager": ...})``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import InitVar, dataclass, field, fields, replace
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from bot.config_fields import ENV_PREFIX as ENV_PREFIX
from bot.config_fields import ConfigError as ConfigError
from bot.config_fields import carried
from bot.config_fields import env_name as env_name
from bot.config_fields import key_bytes as key_bytes
from bot.sections import BotSection as BotSection
from bot.sections import EventsSection as EventsSection
from bot.sections import HelpSection as HelpSection
from bot.sections import MetricsSection as MetricsSection
from bot.sections import PlacesSection as PlacesSection
from bot.sections import PrivacySection as PrivacySection
from bot.sections import Sections as Sections
from bot.sections import TranslationSection as TranslationSection
from bot.sections import WebSection as WebSection
from bot.speech.config import SpeechSection as SpeechSection
from bot.transports import registry
from bot.transports.hooks import ChatSection as ChatSection
from bot.transports.matrix.config import MatrixSection as MatrixSection
from bot.transports.phone.config import PhoneSection as PhoneSection
from bot.transports.registry import TRANSPORTS, backchannels, channels
from bot.transports.sms.config import SmsSection as SmsSection
from bot.transports.telegram_config import TelegramSection as TelegramSection
from db.data_rights import Limits
from db.database import DatabaseLocationError, check_location
from handlers.helping.vocabulary import HELP_CATEGORIES
from handlers.settings import (
    DiallingRules,
    HandlerSettings,
    Organisation,
    TranslationRules,
    read_account,
)
from locales import SUPPORTED_LANGUAGES

CONFIG_ENV = "NACHBARBOT_CONFIG"
# Sections shared by every city of an installation (one metrics endpoint, one web server,
# one translation budget, one speech engine); a city file may not set them.
INSTALLATION_SECTIONS = ("metrics", "translation", "speech", "web")


def city_names(data_dir: str, city: str) -> tuple[tuple[str, str], ...]:
    """The city's name per language from its data folder's ``city.toml``; () when there is
    none or it names another city (a folder borrowed for its gazetteer)."""
    path = Path(data_dir) / "city.toml"
    if not path.is_file():
        return ()
    with path.open("rb") as file:
        found = tomllib.load(file)
    if found.get("city") != city:
        return ()
    names = found.get("names", {})
    return tuple(
        (lang, str(name)) for lang, name in names.items() if lang in SUPPORTED_LANGUAGES and name
    )


# What a logo may be: the formats a PDF renderer embeds as they are, and a bound on the bytes
# every certificate carries.
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")
LOGO_MOST_BYTES = 1_000_000


@dataclass(frozen=True)
class Config(Sections):
    """A city's configuration: :class:`~bot.sections.Sections` and a field for each
    product transport's section (``config.sms``), typed by the class its declaration names
    (tests/bot/test_settings_declared_once.py holds the two together). The section of a
    transport registered later (a test's, a plug-in's: bot/transports/registry.py
    ``register``) is given by name in ``later`` and becomes an attribute like the others
    (``config.pager``; typed: ``config.section(PagerSection)``), its defaults where not
    given."""

    telegram: TelegramSection = field(default_factory=TelegramSection)
    matrix: MatrixSection = field(default_factory=MatrixSection)
    phone: PhoneSection = field(default_factory=PhoneSection)
    sms: SmsSection = field(default_factory=SmsSection)
    later: InitVar[Mapping[str, object] | None] = None

    def __post_init__(self, later: Mapping[str, object] | None) -> None:
        own = {f.name for f in fields(self)}
        given = later or {}
        for t in TRANSPORTS:
            if t.section and t.section not in own:
                section = given[t.section] if t.section in given else t.chat_section(self)
                object.__setattr__(self, t.section, section)
        # A transport's defaults that depend on other sections (matrix.key_file lies beside
        # bot.database), filled by its declaration.
        for t in TRANSPORTS:
            if t.section:
                object.__setattr__(self, t.section, t.complete(self))

    def later_sections(self) -> dict[str, ChatSection]:
        """The sections of the transports registered after this module made ``Config``, by
        name (what ``later`` gives)."""
        own = {f.name for f in fields(self)}
        return {
            t.section: t.chat_section(self)
            for t in TRANSPORTS
            if t.section and t.section not in own
        }

    def handler_settings(self) -> HandlerSettings:
        """What the handlers are given of this city: the rules its sections are made of,
        each whole (a transport's too: the phone line's section is made of the countries it
        calls, ``DiallingRules``), and what is read otherwise, each by its name."""
        settings = HandlerSettings(
            city_names=city_names(self.places.data_dir, self.bot.city),
            retention=carried(Limits, self.privacy),
            organisation=Organisation(
                self.organisation.name.strip(),
                tuple(line.strip() for line in self.organisation.address if line.strip()),
                self.organisation.logo,
            ),
            places_data_dir=self.places.data_dir,
            places_page_size=self.places.page_size,
            publish_unreviewed_hours=(
                self.help.publish_unreviewed_from,
                self.help.publish_unreviewed_until,
            ),
            offer_rules=self.help.offer_rules(),
            translation_rules=carried(TranslationRules, self.translation),
            channels=channels(self),
            web_url=self.web.base_url,
            backchannels=backchannels(self),
        )
        return settings.with_rules(self.help, self.bot, self.privacy, self.made_of(DiallingRules))


def section_names() -> list[str]:
    """The sections a configuration holds: this module's, each transport's."""
    own = [f.name for f in fields(Config)]
    return own + [t.section for t in TRANSPORTS if t.section and t.section not in own]


def compose(sections: Mapping[str, Any], onto: Config | None = None) -> Config:
    """``onto`` (by default one of defaults only) with these sections (by name), a later
    transport's among them."""
    own = {f.name for f in fields(Config)}
    given = {name: section for name, section in sections.items() if name in own}
    later = {name: section for name, section in sections.items() if name not in own}
    if onto is None:
        return Config(**given, later=later)
    return replace(onto, **given, later={**onto.later_sections(), **later})


def section_class(name: str) -> type:
    """The dataclass of the section ``name``: a transport's (one registered since
    :class:`Config` was made too) or this module's own."""
    for transport in TRANSPORTS:
        if transport.section == name:
            return transport.section_class()
    found: type = get_type_hints(Config)[name]
    return found


def chat_sections(config: Config) -> list[ChatSection]:
    """The sections of the chat services (bot/transports/registry.py), set or not."""
    return [t.chat_section(config) for t in TRANSPORTS if t.section]


def _base_type(tp: Any) -> Any:
    if get_origin(tp) in (Union, UnionType):
        return next(a for a in get_args(tp) if a is not type(None))
    return tp


def _convert(name: str, tp: Any, raw: Any, from_env: bool) -> Any:
    base = _base_type(tp)
    origin = get_origin(base)
    if origin in (list, tuple, frozenset):
        if from_env:
            items = [item.strip() for item in raw.split(",") if item.strip()]
        elif not isinstance(raw, list) or not all(isinstance(i, str) for i in raw):
            raise ConfigError(f"{name}: must be a list of strings")
        else:
            items = raw
        return items if origin is list else origin(items)
    if base is bool:
        if isinstance(raw, bool):
            return raw
        if from_env and str(raw).strip().lower() in ("1", "true", "yes", "on"):
            return True
        if from_env and str(raw).strip().lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{name}: must be true or false, got {raw!r}")
    if base in (float, int):
        said = "a number" if base is float else "a whole number"
        if isinstance(raw, bool):
            raise ConfigError(f"{name}: must be {said}, got {raw!r}")
        try:
            return base(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{name}: must be {said}, got {raw!r}") from None
    if base is str:
        if not isinstance(raw, str):
            raise ConfigError(f"{name}: must be text, got {raw!r}")
        return raw
    raise ConfigError(f"{name}: unsupported type")  # pragma: no cover - schema error


def _read(name: str, read: Callable[[str], Any], raw: Any) -> Any:
    """A setting written as text in another shape than its type, read by its declaration's
    ``read`` (``[phone] call_countries = "DE, AT"``)."""
    if not isinstance(raw, str):
        raise ConfigError(f"{name}: must be text, got {raw!r}")
    try:
        return read(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def _known_account(account: tuple[str, str]) -> tuple[str, str]:
    """An account the handlers read (their reader knows only the colon: handlers/ stand
    below the transports), checked as ``roles`` and ``bans`` check one: its platform a
    transport's, its id of that transport's form (bot/transports/registry.py)."""
    entry = ":".join(account)
    if registry.account(entry) is None:
        raise ValueError(registry.not_an_account(entry))
    return account


# What this edge checks further of an entry a handlers' reader read, by the reader: every
# setting of accounts (``[bot] admins``) is checked against the transports alike.
FURTHER: dict[Callable[[str], Any], Callable[[Any], Any]] = {read_account: _known_account}


def _read_each(name: str, read: Callable[[str], Any], entries: list[str]) -> tuple[Any, ...]:
    """A setting written as a list of texts, each entry read by its declaration's
    ``read_each`` and checked by what :data:`FURTHER` holds for it, in written order, so
    that the first wrong entry is the one named (``[bot] admins``)."""
    further = FURTHER.get(read, lambda item: item)
    found = []
    for entry in entries:
        try:
            found.append(further(read(entry)))
        except ValueError as exc:
            raise ConfigError(f"{name}: {exc}") from None
    return tuple(found)


def _check(name: str, value: Any, meta: Mapping[str, Any]) -> None:
    if meta["choices"] and value not in meta["choices"]:
        raise ConfigError(f"{name}: must be one of {', '.join(meta['choices'])}, got {value!r}")
    if meta["min"] is not None and value < meta["min"]:
        raise ConfigError(f"{name}: must be at least {meta['min']}, got {value}")
    if meta["max"] is not None and value > meta["max"]:
        raise ConfigError(f"{name}: must be at most {meta['max']}, got {value}")


# Settings that were replaced by others with another meaning: said plainly at start-up,
# not just "unknown".
REPLACED = {
    "help.estimate_floor_percent": "replaced by help.estimate_floor_share, a share of the "
    "city's rate (0.25: a quarter of it; docs/help.md#who-is-asked)",
}


def _section(
    cls: type,
    section: str,
    data: Mapping[str, Any],
    env: Mapping[str, str],
    prefix: str = ENV_PREFIX,
) -> Any:
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    for key in data:
        if f"{section}.{key}" in REPLACED:
            raise ConfigError(f"{section}.{key}: {REPLACED[f'{section}.{key}']}")
        if key not in known:
            raise ConfigError(f"{section}.{key}: unknown setting")
    values = {}
    for f in fields(cls):
        name = f"{section}.{f.name}"
        variable = env_name(section, f.name, prefix)
        if f.metadata["secret"] and f.name in data:
            raise ConfigError(
                f"{name}: is a secret; set the environment variable {variable} "
                "instead of writing it into the config file"
            )
        if variable in env:
            said, raw, from_env = f"{name} (from {variable})", env[variable], True
        elif f.name in data:
            said, raw, from_env = name, data[f.name], False
        else:
            continue
        if f.metadata["read"] is not None:
            value = _read(said, f.metadata["read"], raw)
        elif f.metadata["read_each"] is not None:
            # Named by its key alone, as before (an entry of the environment's too).
            entries = _convert(said, list[str], raw, from_env)
            value = _read_each(name, f.metadata["read_each"], entries)
        else:
            value = _convert(said, hints[f.name], raw, from_env)
        if value == "" and f.metadata["secret"]:
            value = None
        if value is not None:
            _check(name, value, f.metadata)
        values[f.name] = value
    return cls(**values)


def read_toml(path: str | Path) -> dict[str, Any]:
    """The file's tables, checked to be sections of :class:`Config`."""
    try:
        with open(path, "rb") as fp:
            data = tomllib.load(fp)
    except FileNotFoundError:
        raise ConfigError(f"config file {path}: not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot be read ({exc.strerror})") from None
    sections = set(section_names())
    for key, value in data.items():
        if key not in sections:
            raise ConfigError(f"{key}: unknown section")
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: must be a [{key}] table")
    return data


def build_sections(
    data: Mapping[str, Any], env: Mapping[str, str], names: Iterable[str], prefix: str = ENV_PREFIX
) -> dict[str, Any]:
    """The named sections of :class:`Config` from a file's tables and the environment."""
    return {
        name: _section(section_class(name), name, data.get(name, {}), env, prefix) for name in names
    }


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read the file (``path``, else ``$NACHBARBOT_CONFIG``, else defaults only) and the env."""
    env = os.environ if env is None else env
    path = path or env.get(CONFIG_ENV) or None
    data = read_toml(path) if path else {}
    config = compose(build_sections(data, env, section_names()))
    check_consistency(config)
    return config


def check_consistency(config: Config) -> None:
    """What no single key can check on its own; for the main city and each further one."""
    if not config.bot.city.strip():
        raise ConfigError("bot.city: must not be empty")
    try:
        check_location(config.bot.database)
    except DatabaseLocationError as exc:
        raise ConfigError(f"bot.database: {exc}") from None
    _check_languages(config.bot.languages)
    _check_speech(config.speech)
    _check_organisation(config.organisation)
    if not config.help.evening_from < config.help.evening_until:
        raise ConfigError(
            f"help.evening_until: must be later than help.evening_from "
            f"({config.help.evening_from}), got {config.help.evening_until}"
        )
    if not config.help.publish_unreviewed_from < config.help.publish_unreviewed_until:
        raise ConfigError(
            f"help.publish_unreviewed_until: must be later than help.publish_unreviewed_from "
            f"({config.help.publish_unreviewed_from}), got {config.help.publish_unreviewed_until}"
        )
    unknown = set(config.help.common_languages) - set(SUPPORTED_LANGUAGES)
    if unknown:
        raise ConfigError(
            f"help.common_languages: {', '.join(sorted(unknown))} is not a language of the "
            f"bot ({', '.join(SUPPORTED_LANGUAGES)})"
        )
    if set(config.help.publish_at_once) - {"returning"}:
        raise ConfigError('help.publish_at_once: the only kind is "returning"')
    unknown = set(config.help.certificate_required_for) - set(HELP_CATEGORIES)
    if unknown:
        raise ConfigError(
            f"help.certificate_required_for: {', '.join(sorted(unknown))} is not a kind of "
            f"help ({', '.join(HELP_CATEGORIES)})"
        )
    if config.web.public_url and not config.web.public_url.startswith(("http://", "https://")):
        raise ConfigError("web.public_url: must start with http:// or https://")
    if not config.web.tile_url.startswith(("http://", "https://")) or not all(
        part in config.web.tile_url for part in ("{z}", "{x}", "{y}")
    ):
        raise ConfigError("web.tile_url: must be an http(s) URL with {z}, {x} and {y}")
    for section in chat_sections(config):
        section.check()
    if config.translation.engine == "libretranslate" and not config.translation.url.startswith(
        ("http://", "https://")
    ):
        raise ConfigError("translation.url: LibreTranslate needs its base URL (http://...)")


def _check_organisation(organisation: Organisation) -> None:
    """The logo is read for every certificate: a missing or odd file is told at start, not
    when a coordinator signs."""
    if len(organisation.name) > 120 or any(len(line) > 120 for line in organisation.address):
        raise ConfigError("organisation: name and address lines must be at most 120 characters")
    if len(organisation.address) > 6:
        raise ConfigError("organisation.address: at most 6 lines")
    if not organisation.logo:
        return
    logo = Path(organisation.logo)
    if logo.suffix.lower() not in LOGO_SUFFIXES:
        raise ConfigError(f"organisation.logo: must be a {', '.join(LOGO_SUFFIXES)} file")
    try:
        size = logo.stat().st_size
    except OSError:
        raise ConfigError(f"organisation.logo: {organisation.logo} cannot be read") from None
    if not logo.is_file() or size > LOGO_MOST_BYTES:
        raise ConfigError("organisation.logo: must be a file of at most 1 MB")


def _check_speech(speech: SpeechSection) -> None:
    if speech.engine != "http":
        return
    if not speech.url.startswith(("http://", "https://")):
        raise ConfigError("speech.url: the http engine needs its server's base URL (http://...)")
    for part in filter(None, (p.strip() for p in speech.voices.split(","))):
        lang, _, voice = part.partition("=")
        if lang.strip() not in SUPPORTED_LANGUAGES or not voice.strip():
            raise ConfigError(f"speech.voices: {part!r} is not language=voice")


def _check_languages(languages: tuple[str, ...]) -> None:
    if not languages:
        raise ConfigError("bot.languages: must name at least one language")
    for language in languages:
        if language not in SUPPORTED_LANGUAGES:
            raise ConfigError(
                f"bot.languages: {language!r} is not a supported language "
                f"({', '.join(SUPPORTED_LANGUAGES)})"
            )
        if languages.count(language) > 1:
            raise ConfigError(f"bot.languages: {language} is listed twice")


def check_chat_secrets(config: Config, prefix: str = ENV_PREFIX) -> None:
    """The secrets the configured chat services need, checked only by the commands that
    talk to them (``run``, ``doctor``): importing places or events needs none, so an
    operator's machine without the bot's secrets can still run those. ``prefix``: the
    city's environment variables (``bot.cities.check_all_chat_secrets``)."""
    for section in chat_sections(config):
        section.check_secrets(prefix)
    if config.translation.engine == "deepl" and not config.translation.api_key:
        raise ConfigError(f"translation: DeepL needs {env_name('translation', 'api_key')}")
