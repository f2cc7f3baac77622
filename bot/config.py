"""Configuration: a TOML file, every key overridable by ``NACHBARBOT_<SECTION>__<KEY>``.

Secrets (tokens, passwords) are only read from the environment, never from the file, so a
config file can be shared or committed safely. Any problem raises :class:`ConfigError`
with one line naming the key and what is wrong.

The file is also the installation's first city; ``bot.cities_dir`` names a folder of
further cities (``bot.cities``). Settings marked installation-wide (``wide``) and the
sections in :data:`INSTALLATION_SECTIONS` belong to the installation, not to a city.

The transports' sections are not written out here: each lives with its transport, and
:class:`Config` gets one field per section its declaration names (bot/transports/hooks.py,
listed by bot/transports/registry.py), so that a transport is added without changing this
module (``config.sms`` is the ``[sms]`` section all the same; ``Config(sms=...)`` makes
one). A transport registered after this module made ``Config`` (a test's, a plug-in's)
has its section read all the same: from the file and the environment by
:func:`load_config`, an attribute like the others (``config.pager``), given as
``Config(later={"pager": ...})``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import InitVar, dataclass, field, fields, make_dataclass, replace
from pathlib import Path
from types import UnionType
from typing import TYPE_CHECKING, Any, Protocol, Union, get_args, get_origin, get_type_hints

from bot.config_fields import ENV_PREFIX as ENV_PREFIX
from bot.config_fields import ConfigError as ConfigError
from bot.config_fields import carried
from bot.config_fields import env_name as env_name
from bot.config_fields import key_bytes as key_bytes
from bot.config_fields import option as _opt
from bot.speech.config import SpeechSection as SpeechSection

# The transports' sections live with them; Config's fields of them come from the registry.
from bot.transports import registry
from bot.transports.registry import TRANSPORTS, backchannels, channels
from db.data_rights import Limits
from db.database import DatabaseLocationError, check_location
from handlers.helping.vocabulary import HELP_CATEGORIES
from handlers.settings import HandlerSettings, OfferRules, Organisation, RequestRules
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


@dataclass(frozen=True)
class BotSection:
    city: str = _opt("Dortmund", doc="City the bot serves; shown to users")
    database: str = _opt(
        "var/nachbarbot.sqlite3", doc="Path of the SQLite database file", wide=True
    )
    log_level: str = _opt("INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"), wide=True)
    cities_dir: str = _opt(
        "",
        doc="Folder with one TOML file per further city; empty: this file is the only city",
        wide=True,
    )
    languages: list[str] = _opt(
        list(SUPPORTED_LANGUAGES), doc="Languages this city offers; the first is the fallback"
    )
    max_text_length: int = _opt(
        2000, minimum=100, maximum=4000, doc="Longest text a user may send in one message"
    )
    admins: list[str] = _opt([], doc="platform:user_id of the first admins, e.g. telegram:123")
    max_messages_per_minute: int = _opt(
        20, minimum=3, maximum=600, doc="Messages one user may send per minute"
    )
    max_presses_per_minute: int = _opt(
        120, minimum=10, maximum=1200, doc="Button presses one user may make per minute"
    )


@dataclass(frozen=True)
class PrivacySection:
    inactive_account_days: int = _opt(
        365, minimum=1, maximum=3650, doc="Accounts silent this long are deleted"
    )
    closed_request_days: int = _opt(
        90,
        minimum=1,
        maximum=3650,
        doc="Texts, voice and relay messages of closed requests are deleted after this",
    )
    delivered_message_hours: int = _opt(
        24,
        minimum=1,
        maximum=720,
        doc="Delivered messages lose their content in the outbox after this",
    )
    conversation_days: int = _opt(
        7, minimum=1, maximum=365, doc="Unfinished conversations are forgotten after this"
    )
    certificate_days: int = _opt(
        30,
        minimum=1,
        maximum=365,
        doc="Volunteers' certificate requests are deleted this long after they were signed",
    )
    backup_days: int = _opt(
        14,
        minimum=1,
        maximum=3650,
        doc="The oldest backup kept is this old (the nightly rotation keeps 14, one a night;"
        " doctor fails where it keeps more): the list of erased accounts a restore erases"
        " again keeps each entry this long (docs/operations.md)",
    )


# What a logo may be: the formats a PDF renderer embeds as they are, and a bound on the bytes
# every certificate carries.
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")
LOGO_MOST_BYTES = 1_000_000


@dataclass(frozen=True)
class OrganisationSection(Organisation):
    """``[organisation]``: its keys are :class:`~handlers.settings.Organisation`'s, declared
    there once; the handlers get them with the address's lines stripped."""


@dataclass(frozen=True)
class PlacesSection:
    data_dir: str = _opt("data/dortmund", doc="Folder with the city's gazetteer and sample places")
    page_size: int = _opt(5, minimum=1, maximum=10, doc="Places shown per page in the chat")


@dataclass(frozen=True)
class HelpSection(OfferRules, RequestRules):
    """``[help]``: the limits and review of requests (:class:`~handlers.settings.
    RequestRules`, which the handlers' settings are made of too) and the offer rules
    (:class:`~handlers.settings.OfferRules`: who is offered a request and when, issue 57,
    handlers/helping/matching/waves.py, docs/help.md#who-is-asked), each declared there once
    with its bounds, and the section's own below; :meth:`offer_rules` is what the handlers
    get, held within them."""

    telegram_backchannel: str = _opt("", doc="Chat id of the coordinators' Telegram group")
    escalate_hours: int = _opt(
        8,
        minimum=1,
        maximum=720,
        doc="Alert the backchannel when nobody took a request this long (hours after opening)",
    )
    remind_days: int = _opt(
        3, minimum=1, maximum=60, doc="Ask the requester whether the help is still needed"
    )
    publish_unreviewed_from: int = _opt(
        8,
        minimum=0,
        maximum=23,
        doc="Hour (Europe/Berlin) from which the bot publishes unreviewed requests "
        "(publish_unreviewed_after); before it, what came due waits for this hour or a "
        "coordinator",
    )
    publish_unreviewed_until: int = _opt(
        22,
        minimum=1,
        maximum=24,
        doc="Hour (Europe/Berlin) until which the bot publishes unreviewed requests; later, "
        "what comes due waits for publish_unreviewed_from (nobody reads an offer at night)",
    )
    review_remind_minutes: int = _opt(
        30,
        minimum=5,
        maximum=1440,
        doc="A request waiting this long for review reminds the coordinators on duty, "
        "twice as long every coordinator",
    )
    expire_days: int = _opt(7, minimum=1, maximum=90, doc="Open requests expire after this")
    roundup_hour: int = _opt(
        8, minimum=0, maximum=23, doc="Hour (Europe/Berlin) of the daily list of open requests"
    )

    def offer_rules(self) -> OfferRules:
        """Who is offered a request and when (handlers/helping/matching/waves.py), with the bounds
        that hold whatever a city writes: no wave under ``wave_min``, a day that ends after
        it starts, a week's offers no fewer than a day's."""
        least = self.wave_min
        rules: OfferRules = carried(
            OfferRules,
            self,
            wave_max=max(least, self.wave_max),
            wave_max_later=max(least, self.wave_max_later),
            offers_per_week=max(self.offers_per_day, self.offers_per_week),
            common_languages=tuple(self.common_languages),
            day_end=min(23, max(self.day_start + 1, self.day_end)),
            urgent_wave_max=max(least, self.urgent_wave_max),
            evening_wave_max=max(least, self.evening_wave_max),
        )
        return rules


@dataclass(frozen=True)
class EventsSection:
    reminder_grace_minutes: int = _opt(
        30,
        minimum=0,
        maximum=1440,
        doc="A reminder missed while the bot was down is sent this late at most",
    )
    reminder_round_seconds: int = _opt(
        60,
        minimum=1,
        maximum=3600,
        doc="How often the bot looks for due reminders and sends them",
    )


@dataclass(frozen=True)
class TranslationSection:
    engine: str = _opt(
        "", choices=("", "libretranslate", "deepl"), doc="Translation engine; empty: off"
    )
    url: str = _opt(
        "", doc="LibreTranslate: the server's base URL (self-hosted); DeepL: another API URL"
    )
    api_key: str | None = _opt(None, secret=True, doc="API key of the engine, if it needs one")
    daily_character_budget: int = _opt(
        200000,
        minimum=0,
        maximum=100_000_000,
        doc="Characters sent to the engine per day (Europe/Berlin); past it, no translation",
    )
    timeout_seconds: float = _opt(
        5.0, minimum=1, maximum=60, doc="Longest wait for one translation before giving up"
    )


@dataclass(frozen=True)
class MetricsSection:
    listen: str = _opt("127.0.0.1", doc="Address of the Prometheus metrics endpoint")
    port: int = _opt(0, minimum=0, maximum=65535, doc="Port of /metrics; 0 switches it off")


@dataclass(frozen=True)
class WebSection:
    listen: str = _opt("127.0.0.1", doc="Address the map and the desk are served on")
    port: int = _opt(
        0, minimum=0, maximum=65535, doc="Port of the web map and desk; 0 switches it off"
    )
    public_url: str = _opt(
        "", doc="How people reach the web through the reverse proxy, e.g. https://karte.example.org"
    )
    tile_url: str = _opt(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        doc="Map tiles; the only server a visitor's browser is sent to besides the bot",
    )

    @property
    def base_url(self) -> str:
        """Where links in chats point: the public URL, else the address served on."""
        if not self.port:
            return ""
        return (self.public_url or f"http://{self.listen}:{self.port}").rstrip("/")


@dataclass(frozen=True)
class Sections:
    """The sections of this module's own; :class:`Config` adds the transports'."""

    bot: BotSection = field(default_factory=BotSection)
    privacy: PrivacySection = field(default_factory=PrivacySection)
    organisation: OrganisationSection = field(default_factory=OrganisationSection)
    places: PlacesSection = field(default_factory=PlacesSection)
    help: HelpSection = field(default_factory=HelpSection)
    events: EventsSection = field(default_factory=EventsSection)
    metrics: MetricsSection = field(default_factory=MetricsSection)
    translation: TranslationSection = field(default_factory=TranslationSection)
    speech: SpeechSection = field(default_factory=SpeechSection)
    web: WebSection = field(default_factory=WebSection)

    def __post_init__(self) -> None:
        # A transport's defaults that depend on other sections (matrix.key_file lies beside
        # bot.database), filled by its declaration.
        for transport in TRANSPORTS:
            if transport.section and hasattr(self, transport.section):
                section = transport.completed(getattr(self, transport.section), self)
                object.__setattr__(self, transport.section, section)

    def handler_settings(self) -> HandlerSettings:
        # Read as roles and bans read an account; check_consistency refused what it refuses.
        admins = frozenset(filter(None, map(registry.account, self.bot.admins)))
        return HandlerSettings(
            city=self.bot.city,
            city_names=city_names(self.places.data_dir, self.bot.city),
            languages=tuple(self.bot.languages),
            inactive_account_days=self.privacy.inactive_account_days,
            retention=Limits(
                closed_request_days=self.privacy.closed_request_days,
                delivered_message_hours=self.privacy.delivered_message_hours,
                conversation_days=self.privacy.conversation_days,
                certificate_days=self.privacy.certificate_days,
                backup_days=self.privacy.backup_days,
            ),
            organisation=Organisation(
                self.organisation.name.strip(),
                tuple(line.strip() for line in self.organisation.address if line.strip()),
                self.organisation.logo,
            ),
            max_text_length=self.bot.max_text_length,
            admins=admins,
            places_data_dir=self.places.data_dir,
            places_page_size=self.places.page_size,
            # The limits and review of requests: the section's own declaration's fields.
            **{rule.name: getattr(self.help, rule.name) for rule in fields(RequestRules)},
            publish_unreviewed_hours=(
                self.help.publish_unreviewed_from,
                self.help.publish_unreviewed_until,
            ),
            offer_rules=self.help.offer_rules(),
            max_messages_per_minute=self.bot.max_messages_per_minute,
            max_presses_per_minute=self.bot.max_presses_per_minute,
            translation=self.translation.engine,
            channels=channels(self),
            web_url=self.web.base_url,
            backchannels=backchannels(self),
            **registry.handler_settings(self),
        )


def _transport_sections() -> list[tuple[str, Any, Any]]:
    """Config's fields of the transports' sections, as their declarations name them; and
    ``later``, the sections of transports registered after Config was made (a test's, a
    plug-in's: bot/transports/registry.py ``register``), by name."""
    return [
        *(
            (t.section, t.section_class(), field(default_factory=t.section_class()))
            for t in TRANSPORTS
            if t.section
        ),
        ("later", InitVar[Mapping[str, Any] | None], field(default=None)),
    ]


def _later_sections(config: Any, later: Mapping[str, Any] | None = None) -> None:
    """Config's ``__post_init__``: each section of a transport registered after Config was
    made becomes an attribute like the others' (``config.pager``), as given in ``later`` or
    its defaults, and is kept as ``later`` so that ``dataclasses.replace`` carries it; a
    transport unregistered since is dropped. Then :class:`Sections`' completion."""
    own = {f.name for f in fields(config)}
    given = later or {}
    sections = {
        t.section: given[t.section] if t.section in given else t.section_class()()
        for t in TRANSPORTS
        if t.section and t.section not in own
    }
    for name, section in sections.items():
        object.__setattr__(config, name, section)
    object.__setattr__(config, "later", sections)
    Sections.__post_init__(config)


def _registered_since(config: Any, name: str) -> Any:
    """Config's ``__getattr__``: the defaults of the section of a transport registered after
    this configuration was made."""
    for transport in TRANSPORTS:
        if transport.section == name:
            return transport.section_class()()
    raise AttributeError(f"{type(config).__name__!r} object has no attribute {name!r}")


if TYPE_CHECKING:
    from bot.transports.matrix.config import MatrixSection
    from bot.transports.phone.config import PhoneSection
    from bot.transports.sms.config import SmsSection
    from bot.transports.telegram_config import TelegramSection

    class Config(Sections):
        """A city's configuration: :class:`Sections` and a field for each transport's
        section (``config.sms``), typed by the section its declaration names."""

        telegram: TelegramSection
        matrix: MatrixSection
        phone: PhoneSection
        sms: SmsSection
        later: Mapping[str, Any]

        def __init__(self, **sections: Any) -> None: ...

else:
    Config = make_dataclass(
        "Config",
        _transport_sections(),
        bases=(Sections,),
        frozen=True,
        namespace={
            "__doc__": "A city's configuration: the sections of this module's own and one "
            "field for each transport's section, made from the declarations.",
            "__module__": __name__,
            "__post_init__": _later_sections,
            "__getattr__": _registered_since,
        },
    )


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
    changes: dict[str, Any] = {**given, "later": {**onto.later, **later}}
    return replace(onto, **changes)


def section_class(name: str) -> type:
    """The dataclass of the section ``name``: a transport's (one registered since
    :class:`Config` was made too) or this module's own."""
    for transport in TRANSPORTS:
        if transport.section == name:
            return transport.section_class()
    return get_type_hints(Sections)[name]


def __getattr__(name: str) -> type:
    """A transport's section class by its name (``from bot.config import SmsSection``, as
    before the sections moved to their transports)."""
    for transport in TRANSPORTS:
        if transport.config is not None and transport.config.__name__ == name:
            return transport.config
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class ChatSection(Protocol):
    """The section of a chat service a city may run (bot/transports/registry.py)."""

    @property
    def enabled(self) -> bool:
        """Whether the city runs it."""

    def check(self) -> None:
        """Raise :class:`ConfigError` for what no single key checks."""

    def check_secrets(self, prefix: str = ENV_PREFIX) -> None:
        """Raise :class:`ConfigError` for a secret that running it needs and is not set."""


def chat_sections(config: Config) -> list[ChatSection]:
    """The sections of the chat services (bot/transports/registry.py), set or not."""
    return [getattr(config, t.section) for t in TRANSPORTS if t.section]


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
    if base is float:
        if isinstance(raw, bool):
            raise ConfigError(f"{name}: must be a number, got {raw!r}")
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{name}: must be a number, got {raw!r}") from None
    if base is int:
        if isinstance(raw, bool):
            raise ConfigError(f"{name}: must be a whole number, got {raw!r}")
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{name}: must be a whole number, got {raw!r}") from None
    if base is str:
        if not isinstance(raw, str):
            raise ConfigError(f"{name}: must be text, got {raw!r}")
        return raw
    raise ConfigError(f"{name}: unsupported type")  # pragma: no cover - schema error


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
            value = _convert(f"{name} (from {variable})", hints[f.name], env[variable], True)
        elif f.name in data:
            value = _convert(name, hints[f.name], data[f.name], False)
        else:
            continue
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
    for entry in config.bot.admins:
        if registry.account(entry) is None:
            raise ConfigError(f"bot.admins: {registry.not_an_account(entry)}")
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


def _check_organisation(organisation: OrganisationSection) -> None:
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


def _check_languages(languages: list[str]) -> None:
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
