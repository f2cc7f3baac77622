"""A city's configuration as the layers below it read it: the sections bot/config.py declares
besides the transports' (``[bot]``, ``[privacy]``, ``[organisation]``, ``[places]``,
``[help]``, ``[events]``, ``[translation]``, ``[metrics]``, ``[speech]``, ``[web]``), each
key declared once with its bounds and doc, and :class:`Sections`, the type the transports'
hooks are given a city's configuration as (bot/transports/hooks.py).

It imports no transport: the transports stand above it, and bot/config.py's ``Config``,
which adds a field for each transport's section, above them (issue 103, point 5: typing the
hooks as ``Config`` made an import circle). A transport reaches its own section through the
class its declaration names, typed: ``config.section(SmsSection)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from bot.config_fields import carried
from bot.config_fields import option as _opt
from bot.speech.config import SpeechSection
from handlers.settings import (
    AccountRules,
    CityRules,
    FirstAdmins,
    Issuer,
    OfferRules,
    RequestRules,
    TranslationRules,
)

S = TypeVar("S")


@dataclass(frozen=True)
class BotSection(FirstAdmins, CityRules):
    """``[bot]``: the city, its languages and the bounds of one message and of a minute's
    (:class:`~handlers.settings.CityRules`) and the first admins
    (:class:`~handlers.settings.FirstAdmins`: accounts read into (platform, user id) pairs,
    each checked against the transports by bot/config.py), which the handlers' settings are
    made of too, and the section's own below."""

    database: str = _opt(
        "var/nachbarbot.sqlite3", doc="Path of the SQLite database file", wide=True
    )
    log_level: str = _opt("INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"), wide=True)
    cities_dir: str = _opt(
        "",
        doc="Folder with one TOML file per further city; empty: this file is the only city",
        wide=True,
    )


@dataclass(frozen=True)
class PrivacySection(AccountRules):
    """``[privacy]``: silent accounts (:class:`~handlers.settings.AccountRules`, which the
    handlers' settings are made of too) and how long the rest is kept."""

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
class TranslationSection(TranslationRules):
    """``[translation]``: its engine (:class:`~handlers.settings.TranslationRules`, which the
    handlers' settings hold too) and where the engine is reached, with which key, how much
    a day and how long one translation may take."""

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
class Sections(Issuer):
    """A city's sections of this module's declaring, and ``[organisation]``
    (:class:`~handlers.settings.Issuer`: the handlers' settings hold it too);
    ``bot.config.Config`` adds the transports'. What the transports are given of a city's
    configuration (its ``Config``)."""

    bot: BotSection = field(default_factory=BotSection)
    privacy: PrivacySection = field(default_factory=PrivacySection)
    places: PlacesSection = field(default_factory=PlacesSection)
    help: HelpSection = field(default_factory=HelpSection)
    events: EventsSection = field(default_factory=EventsSection)
    metrics: MetricsSection = field(default_factory=MetricsSection)
    translation: TranslationSection = field(default_factory=TranslationSection)
    speech: SpeechSection = field(default_factory=SpeechSection)
    web: WebSection = field(default_factory=WebSection)

    def section(self, kind: type[S]) -> S:
        """The section of the class ``kind`` this configuration holds, typed as that class
        (a transport's own: ``config.section(PhoneSection)``, whose declaration names the
        class); the class's defaults where it holds none (a transport registered after the
        configuration was made). A section's class is one section's (two transports never
        share one)."""
        for value in vars(self).values():
            if type(value) is kind:
                return value
        return kind()

    def made_of(self, kind: type[S]) -> S:
        """The one section this configuration holds that is made of the rules type ``kind``
        (``DiallingRules``: the phone line's), typed as ``kind``; ``kind``'s defaults where
        none is. Two sections made of one rules type would be two settings of one name: a
        declaration's mistake, refused."""
        found = [value for value in vars(self).values() if isinstance(value, kind)]
        if len(found) > 1:
            raise TypeError(f"two sections are made of {kind.__name__}: {found}")
        return found[0] if found else kind()
