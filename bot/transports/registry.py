"""Every transport in one place: a :class:`Transport` descriptor says all that makes one
transport different from the others, so that nothing outside its own folder names it.

A platform name is what ``Sender.platform`` and a ``Recipient`` say, what the stores keep
beside a person's id, and what an entry of ``bot.admins`` begins with (``telegram:123``).
The descriptor carries:

- its **module** and, for a chat service a city runs, its **configuration section**: the
  dataclass lives with the transport (bot/transports/sms/config.py), ``bot.config`` only
  composes them; ``enabled`` says whether the city asks for it, and the module's
  ``service(config, dispatcher, db)`` makes the city's transport, not yet connected;
- how it **names people** (:data:`E164`: by their phone number, one person on every such
  platform, db/numbers.py) and its **capabilities**, which the features ask through
  ``HandlerSettings.channels`` (handlers/channels.py): reached by text, by a call, can
  receive a file, hears every message, erasing takes a texted code;
- its **own data**: a module declaring its tables (and links into shared ones, its files)
  into the one personal-data declaration (db/personal_data.py ``declare``), and for a
  texting transport its store (handlers/channels.py ``TextLine``);
- its **doctor checks** (bot/cli/checks.py asks each descriptor) and how it **attaches to
  a city** (bot/city_service.py calls :meth:`Transport.attach`).

Modules are imported only when needed: a city without Matrix never loads matrix-nio, one
without a phone line never loads pjsua2. Importing this module declares every
transport's data and number platforms, before any database is opened. The console is a
transport too, run only by ``python -m bot console``.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from db import numbers, personal_data
from handlers.channels import Channel, Channels
from handlers.reader import Medium, declare_medium
from locales import N_

if TYPE_CHECKING:  # the configuration asks for names only: nothing more is loaded for it
    from bot.transports.contract import ChatService
    from db import Database
    from handlers.dispatcher import Dispatcher

# How a transport names people: by their phone number in E.164 ("+492311234567").
E164 = "e164"
# A doctor check: (name, "ok" | "WARN" | "FAIL" | "skip", detail).
Check = tuple[str, str, str]


@dataclass(frozen=True)
class Attachment:
    """What a city gives its transports when it attaches them (bot/city_service.py):
    ``fetch_media`` (the outbox worker's, for files people sent), ``main`` (the main
    city's database, where the installation's budgets are counted) and the city's
    ``slug``, ``is_main`` whether it is the main city; ``count`` (platform, event, n) adds
    to the city's metrics of a transport's own events (None without metrics)."""

    fetch_media: Callable[..., Any] | None
    main: Database | None
    slug: str
    is_main: bool
    count: Callable[[str, str, int], None] | None = None


def _load(path: str) -> Any:
    """``module:name`` imported."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Transport:
    """One transport: see the module's docstring. The hooks (``data``, ``line``,
    ``checks``, ``city_checks``, ``attaches``) are ``module:name`` paths, loaded when asked
    for; "" where the transport has none."""

    platform: str
    module: str
    section: str = ""
    config: str = ""  # ``module:Class`` of its configuration section
    names: str = ""  # how it names people ("" its own ids; E164)
    texts: bool = False
    calls: bool = False
    files: bool = True
    coded: bool = False
    medium: Medium = Medium.CHAT  # how its people take messages (handlers/reader.py)
    label: str = ""  # how coordinators read that a person is reached this way (no chat)
    mini_app: bool = False  # its app opens the web map as a Mini App (bot/web/public/miniapp.py)
    data: str = ""  # a module whose DECLARED is its part of the personal-data declaration
    line: str = ""  # its store as a TextLine (a texting transport)
    checks: str = ""  # (config, db) -> AsyncIterator[Check]: the installation's, main city
    city_checks: str = ""  # (config, db, env_prefix) -> AsyncIterator[Check]: each city's
    attaches: str = ""  # (transport, Attachment) -> None

    def configured(self, config: Any) -> bool:
        """Whether ``config`` (a city's :class:`~bot.config.Config`) asks for it."""
        section = getattr(config, self.section, None) if self.section else None
        return bool(section is not None and section.enabled)

    def section_class(self) -> type:
        """Its configuration section's dataclass."""
        section: type = _load(self.config)
        return section

    def service(self, config: Any, dispatcher: Dispatcher, db: Database) -> ChatService:
        """The city's transport, made by its module."""
        transport: ChatService = importlib.import_module(self.module).service(
            config, dispatcher, db
        )
        return transport

    def channel(self) -> Channel:
        """What it can do for its people, as the features ask it."""
        return Channel(
            self.platform,
            texts=self.texts,
            calls=self.calls,
            files=self.files,
            by_number=self.names == E164,
            coded=self.coded,
            label=self.label,
            line=_load(self.line) if self.line else None,
        )

    def attach(self, transport: ChatService, city: Attachment) -> None:
        """Wire the city's transport into the city (before it connects)."""
        if self.attaches:
            _load(self.attaches)(transport, city)

    def doctor(self, config: Any, db: Database) -> AsyncIterator[Check] | None:
        """Its checks of the installation (on the main city's database), if any."""
        return _load(self.checks)(config, db) if self.checks else None

    def city_doctor(
        self, config: Any, db: Database, env_prefix: str
    ) -> AsyncIterator[Check] | None:
        """Its checks of one city, if any."""
        return _load(self.city_checks)(config, db, env_prefix) if self.city_checks else None

    def declare(self) -> None:
        """Its people's numbers, its data and its medium into the declarations."""
        declare_medium(self.platform, self.medium)
        if self.names == E164:
            numbers.register(self.platform)
        if self.data:
            personal_data.declare(_load(f"{self.data}:DECLARED"))


TRANSPORTS = (
    Transport(
        "telegram",
        "bot.transports.telegram",
        "telegram",
        config="bot.transports.telegram_config:TelegramSection",
        mini_app=True,
        city_checks="bot.transports.telegram_checks:checks",
    ),
    Transport(
        "matrix",
        "bot.transports.matrix",
        "matrix",
        config="bot.transports.matrix.config:MatrixSection",
        data="bot.transports.matrix.personal_data",
        city_checks="bot.transports.matrix.checks:checks",
    ),
    Transport(
        "phone",
        "bot.transports.phone",
        "phone",
        config="bot.transports.phone.config:PhoneSection",
        names=E164,
        calls=True,
        files=False,
        medium=Medium.SPOKEN,
        label=N_("📞 on the phone"),
        data="bot.transports.phone.personal_data",
        city_checks="bot.transports.phone.checks:checks",
        attaches="bot.transports.phone.attach:attach",
    ),
    Transport(
        "sms",
        "bot.transports.sms",
        "sms",
        config="bot.transports.sms.config:SmsSection",
        names=E164,
        texts=True,
        files=False,
        coded=True,
        medium=Medium.TEXTED,
        label=N_("💬 by SMS"),
        data="bot.transports.sms.personal_data",
        line="bot.transports.sms.store:SmsStore",
        checks="bot.transports.sms.checks:checks",
        attaches="bot.transports.sms.attach:attach",
    ),
    Transport("console", "bot.transports.console"),
)
PLATFORMS = tuple(transport.platform for transport in TRANSPORTS)
# The platforms of the chat services a city runs (people there can be banned, say).
SERVICES = tuple(transport.platform for transport in TRANSPORTS if transport.section)
for _transport in TRANSPORTS:
    _transport.declare()


def named(platform: str) -> Transport:
    """The transport of ``platform``."""
    return next(transport for transport in TRANSPORTS if transport.platform == platform)


def configured(config: Any) -> list[Transport]:
    """The chat services ``config`` asks for."""
    return [transport for transport in TRANSPORTS if transport.configured(config)]


def channels(config: Any) -> Channels:
    """What every transport can do, and which of them ``config`` runs (for the features)."""
    return Channels(
        tuple(transport.channel() for transport in TRANSPORTS),
        frozenset(transport.platform for transport in configured(config)),
    )


def chat_services(config: Any, dispatcher: Dispatcher, db: Database) -> list[ChatService]:
    """The transports of the chat services ``config`` asks for, not yet connected."""
    return [transport.service(config, dispatcher, db) for transport in configured(config)]


def attach(transports: list[ChatService], city: Attachment) -> None:
    """Each of a city's transports wired into the city by its descriptor."""
    for transport in transports:
        named(transport.platform).attach(transport, city)
