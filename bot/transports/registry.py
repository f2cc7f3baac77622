"""Every transport in one place: a :class:`Transport` descriptor says all that makes one
transport different from the others, so that nothing outside its own folder names it.

A platform name is what ``Sender.platform`` and a ``Recipient`` say, what the stores keep
beside a person's id, and what an entry of ``bot.admins`` begins with (``telegram:123``).
The descriptor carries:

- its **module** and, for a chat service a city runs, its **configuration section**: the
  dataclass lives with the transport (bot/transports/sms/config.py), ``bot.config`` makes
  ``Config``'s field of it from here, under the section's name (nothing there names a
  transport); ``enabled`` says whether the city asks for it, and the module's
  ``service(config, dispatcher, db)`` makes the city's transport, not yet connected;
- how it **names people** (:data:`E164`: by their phone number, one person on every such
  platform, db/numbers.py) and its **capabilities**, which the features ask through
  ``HandlerSettings.channels`` (handlers/channels.py): reached by text, by a call, can
  receive a file, can change a message it sent (edits), hears every message, erasing takes
  a texted code;
- its **own data**: a module declaring its tables (and links into shared ones, its files)
  into the one personal-data declaration (db/personal_data.py ``declare``), and for a
  texting transport its store (handlers/channels.py ``TextLine``);
- its **doctor checks** (bot/cli/checks.py asks each descriptor) and how it **attaches to
  a city** (bot/city_service.py calls :meth:`Transport.attach`);
- what a city's configuration takes from it: the **coordinators' group** on it
  (``backchannel``), its part of the **handlers' settings** (``settings``), defaults of its
  section that depend on other sections (``completed``), the **metered budget** the desk
  shows (``budget``), and what a city **holds on it that no other city may** (``claims``:
  an account, a number, a port; bot/cities.py refuses two cities that share one).

Every hook is a typed reference to a function or class of the transport's own light
modules (its config, checks, attach, personal data, store: none loads a service's
library), imported here, so that a wrong name fails on import and mypy checks the call.
Only the service itself is named by its module, imported when a city runs it: a city
without Matrix never loads matrix-nio, one without a phone line never loads pjsua2
(tests/bot/transports/test_registry_files.py imports each). Importing this module declares
every transport's data, medium and number platforms, before any database is opened; a
transport added later (a test's) is added with :func:`register`. The console is a
transport too, run only by ``python -m bot console``.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.transports import telegram_checks, telegram_config, telegram_name
from bot.transports.contacts import Contact as Contact
from bot.transports.contacts import Opening as Opening
from bot.transports.hooks import E164 as E164
from bot.transports.hooks import Attachment as Attachment
from bot.transports.hooks import Check as Check
from bot.transports.hooks import Panel as Panel
from bot.transports.matrix import checks as matrix_checks
from bot.transports.matrix import config as matrix_config
from bot.transports.matrix import personal_data as matrix_data
from bot.transports.phone import attach as phone_attach
from bot.transports.phone import checks as phone_checks
from bot.transports.phone import config as phone_config
from bot.transports.phone import personal_data as phone_data
from bot.transports.sms import attach as sms_attach
from bot.transports.sms import checks as sms_checks
from bot.transports.sms import config as sms_config
from bot.transports.sms import desk_panel as sms_desk
from bot.transports.sms import personal_data as sms_data
from bot.transports.sms import store as sms_store
from db import numbers, personal_data
from db.personal_data import Declaration
from db.transactions import Transactions
from handlers.channels import Channel, Channels, TextLine
from handlers.reader import Medium, declare_medium
from locales import N_, Translator

if TYPE_CHECKING:  # the configuration asks for names only: nothing more is loaded for it
    from bot.transports.contract import ChatService
    from db import Database
    from handlers.dispatcher import Dispatcher


@dataclass(frozen=True)
class Transport:
    """One transport: see the module's docstring. The hooks are the transport's own
    functions and classes; None where it has none. ``config`` is a city's
    :class:`~bot.config.Config`, ``section`` its part of it."""

    platform: str
    module: str  # the module whose service(config, dispatcher, db) makes it, when run
    section: str = ""  # its configuration section's name, [sms]
    config: type | None = None  # that section's dataclass
    names: str = ""  # how it names people ("" its own ids; E164)
    texts: bool = False
    calls: bool = False
    files: bool = True
    # It can change a message it sent (its text, its buttons): a text message and a call
    # cannot, an edit there would be a new text or nothing.
    edits: bool = True
    coded: bool = False
    # A new person is asked for consent at the first step that keeps something of theirs,
    # not before the menu (handlers/first_kept.py; the phone: places before any notice).
    asks_when_kept: bool = False
    medium: Medium = Medium.CHAT  # how its people take messages (handlers/reader.py)
    label: str = ""  # how coordinators read that a person is reached this way (no chat)
    # (config) -> what its app signs a Mini App's data with, where its app opens the web
    # map as one (bot/web/public/miniapp.py).
    mini_app: Callable[[Any], str] | None = None
    app: str = ""  # the name people know its chat app by (Telegram), where it is one
    data: Declaration | None = None  # its part of the personal-data declaration
    line: Callable[[Transactions], TextLine] | None = None  # its store (a texting transport)
    # (its section, db) -> its checks of the installation, on the main city's database.
    checks: Callable[[Any, Database], AsyncIterator[Check]] | None = None
    # (its section, the coordinators' group on it, db, env_prefix) -> its checks of each city.
    city_checks: Callable[[Any, str, Database, str], AsyncIterator[Check]] | None = None
    attaches: Callable[[Any, Attachment], None] | None = None  # (its transport, the city)
    # (config) -> the chat id of the coordinators' group on it ("" for none).
    backchannel: Callable[[Any], str] | None = None
    # (config) -> its part of the handlers' settings (HandlerSettings' fields by name).
    settings: Callable[[Any], Mapping[str, Any]] | None = None
    # (section, config) -> its section with the defaults that depend on other sections.
    completed: Callable[[Any, Any], Any] | None = None
    # (its section, db) -> the metered budget the desk shows, read from ``db`` where the
    # transport does not run in this process (a running one's is its ``budget``); and
    # (budget, t) -> how the desk shows it.
    budget: Callable[[Any, Database], Any] | None = None
    panel: Callable[[Any, Translator], Awaitable[Panel]] | None = None
    # (config, the bot's username where its service told it) -> how the web names it as a
    # way to reach the bot (bot/web/public/easy_page.py), None where the city does not.
    contact: Callable[[Any, str], Contact | None] | None = None
    # (config, the bot's username, a start payload) -> how a page opens the bot there (a
    # place, a district: bot/web/public/links.py), None where the city does not run it.
    opening: Callable[[Any, str, str], Opening | None] | None = None
    # (config) -> the bot's username as its service tells it, asked by a process that runs
    # no transport of it (``python -m bot web``); "" where it has none.
    bot_name: Callable[[Any], Awaitable[str]] | None = None
    # (config) -> what a city holds on it that no other city may hold too, as (what, value).
    claims: Callable[[Any], Iterable[tuple[str, object]]] | None = None

    def configured(self, config: Any) -> bool:
        """Whether ``config`` (a city's :class:`~bot.config.Config`) asks for it."""
        section = getattr(config, self.section, None) if self.section else None
        return bool(section is not None and section.enabled)

    def section_class(self) -> type:
        """Its configuration section's dataclass."""
        assert self.config is not None, self.platform
        return self.config

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
            edits=self.edits,
            by_number=self.names == E164,
            coded=self.coded,
            asks_when_kept=self.asks_when_kept,
            label=self.label,
            line=self.line,
        )

    def attach(self, transport: ChatService, city: Attachment) -> None:
        """Wire the city's transport into the city (before it connects)."""
        if self.attaches is not None:
            self.attaches(transport, city)

    def doctor(self, config: Any, db: Database) -> AsyncIterator[Check] | None:
        """Its checks of the installation (on the main city's database), if any."""
        if self.checks is None:
            return None
        return self.checks(getattr(config, self.section), db)

    def city_doctor(
        self, config: Any, db: Database, env_prefix: str
    ) -> AsyncIterator[Check] | None:
        """Its checks of one city, if any."""
        if self.city_checks is None:
            return None
        group = self.backchannel(config) if self.backchannel is not None else ""
        return self.city_checks(getattr(config, self.section), group, db, env_prefix)

    def declare(self) -> None:
        """Its people's numbers, its data and its medium into the declarations."""
        declare_medium(self.platform, self.medium)
        if self.names == E164:
            numbers.register(self.platform)
        if self.data is not None:
            personal_data.declare(self.data)


TRANSPORTS: list[Transport] = [
    Transport(
        "telegram",
        "bot.transports.telegram",
        "telegram",
        config=telegram_config.TelegramSection,
        mini_app=telegram_config.mini_app_key,
        app="Telegram",
        city_checks=telegram_checks.checks,
        backchannel=telegram_config.backchannel,
        contact=telegram_config.contact,
        opening=telegram_config.opening,
        bot_name=telegram_name.username,
        claims=telegram_config.claims,
    ),
    Transport(
        "matrix",
        "bot.transports.matrix",
        "matrix",
        config=matrix_config.MatrixSection,
        app="Matrix",
        data=matrix_data.DECLARED,
        city_checks=matrix_checks.checks,
        backchannel=matrix_config.backchannel,
        completed=matrix_config.completed,
        contact=matrix_config.contact,
        opening=matrix_config.opening,
        claims=matrix_config.claims,
    ),
    Transport(
        "phone",
        "bot.transports.phone",
        "phone",
        config=phone_config.PhoneSection,
        names=E164,
        calls=True,
        files=False,
        edits=False,
        asks_when_kept=True,
        medium=Medium.SPOKEN,
        label=N_("📞 on the phone"),
        data=phone_data.DECLARED,
        city_checks=phone_checks.checks,
        attaches=phone_attach.attach,
        settings=phone_config.handler_settings,
        contact=phone_config.contact,
        claims=phone_config.claims,
    ),
    Transport(
        "sms",
        "bot.transports.sms",
        "sms",
        config=sms_config.SmsSection,
        names=E164,
        texts=True,
        files=False,
        edits=False,
        coded=True,
        medium=Medium.TEXTED,
        label=N_("💬 by SMS"),
        data=sms_data.DECLARED,
        line=sms_store.SmsStore,
        checks=sms_checks.checks,
        attaches=sms_attach.attach,
        budget=sms_desk.desk_budget,
        panel=sms_desk.panel,
        contact=sms_config.contact,
        claims=sms_config.claims,
    ),
    Transport("console", "bot.transports.console"),
]
# The platforms of every transport, and of the chat services a city runs (people there can
# be banned, say): kept in step by :func:`register`.
PLATFORMS: list[str] = []
SERVICES: list[str] = []


def register(transport: Transport) -> Transport:
    """Add ``transport`` (the product's at import; a test's later): its platform becomes
    known and its data, medium and numbers declared. A section it has is part of the
    configurations read after the configuration module made ``Config``: only the product's
    are (bot/config.py)."""
    if transport.platform in PLATFORMS:
        raise ValueError(f"platform {transport.platform!r} is registered already")
    if transport not in TRANSPORTS:
        TRANSPORTS.append(transport)
    PLATFORMS.append(transport.platform)
    if transport.section:
        SERVICES.append(transport.platform)
    transport.declare()
    return transport


for _transport in tuple(TRANSPORTS):
    register(_transport)


def unregister(platform: str) -> None:
    """Forget a transport a test registered (its declarations stay: they name a platform
    nobody uses)."""
    TRANSPORTS[:] = [transport for transport in TRANSPORTS if transport.platform != platform]
    for platforms in (PLATFORMS, SERVICES):
        if platform in platforms:
            platforms.remove(platform)


def named(platform: str) -> Transport:
    """The transport of ``platform``."""
    return next(transport for transport in TRANSPORTS if transport.platform == platform)


def configured(config: Any) -> list[Transport]:
    """The chat services ``config`` asks for."""
    return [transport for transport in TRANSPORTS if transport.configured(config)]


def backchannels(config: Any) -> frozenset[tuple[str, str]]:
    """The coordinators' group on each transport that has one in ``config``, as (platform,
    chat id)."""
    return frozenset(
        (transport.platform, chat)
        for transport in TRANSPORTS
        if transport.backchannel is not None and (chat := transport.backchannel(config))
    )


def claims(config: Any) -> Iterator[tuple[str, object]]:
    """What a city (its ``config``) holds on each transport that no other city may hold."""
    for transport in TRANSPORTS:
        if transport.claims is not None:
            yield from transport.claims(config)


def handler_settings(config: Any) -> dict[str, Any]:
    """The transports' parts of the handlers' settings in ``config``."""
    found: dict[str, Any] = {}
    for transport in TRANSPORTS:
        if transport.settings is not None:
            found.update(transport.settings(config))
    return found


def budgets(config: Any, db: Database, running: Mapping[str, Any]) -> dict[str, Any]:
    """The metered budget of each transport ``config`` runs that has one, by platform: the
    running transport's (``running``: platform -> the city's transport here, which counts
    it), else one read from ``db`` (the web alone, beside the bot)."""
    found: dict[str, Any] = {}
    for transport in configured(config):
        if transport.budget is None:
            continue
        live = getattr(running.get(transport.platform), "budget", None)
        found[transport.platform] = (
            live if live is not None else transport.budget(getattr(config, transport.section), db)
        )
    return found


async def panels(budgets: Mapping[str, Any], t: Translator) -> list[Panel]:
    """The desk's panels of ``budgets`` (by platform, :func:`budgets`), in ``t``'s words."""
    found = []
    for platform, budget in budgets.items():
        panel = named(platform).panel
        if panel is not None:
            found.append(await panel(budget, t))
    return found


def contacts(config: Any, username: str) -> list[Contact]:
    """The ways to reach the bot ``config`` offers, as the web names them, in the order
    of the transports."""
    found = []
    for transport in TRANSPORTS:
        way = transport.contact(config, username) if transport.contact is not None else None
        if way is not None:
            found.append(way)
    return found


def openings(config: Any, username: str, payload: str) -> list[Opening]:
    """How a page opens the bot at ``payload`` on each chat app ``config`` runs, in the
    order of the transports (the first is what a printed code leads to)."""
    found = []
    for transport in TRANSPORTS:
        way = transport.opening(config, username, payload) if transport.opening else None
        if way is not None:
            found.append(way)
    return found


async def bot_name(config: Any) -> str:
    """The bot's username on the first transport ``config`` runs that tells one ("" for
    none): for a web process that runs no transport (its deep links)."""
    for transport in configured(config):
        if transport.bot_name is not None:
            return await transport.bot_name(config)
    return ""


def mini_app(config: Any) -> tuple[str, str] | None:
    """The platform whose app opens the web map as a Mini App, and what its data is signed
    with in ``config`` (None: no transport's app does)."""
    for transport in TRANSPORTS:
        if transport.mini_app is not None:
            return transport.platform, transport.mini_app(config)
    return None


def chat_apps() -> list[str]:
    """The names of the chat apps the bot can be reached in (where a city runs them)."""
    return [transport.app for transport in TRANSPORTS if transport.app]


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
