"""How a transport declares itself, and what its declaration's methods are given and give
back.

A transport declares what it offers on a class of its own, a subclass of :class:`Transport`
in a light module of its own (bot/transports/sms/__init__.py, bot/transports/matrix/
__init__.py, bot/transports/phone/__init__.py, bot/transports/telegram_config.py,
bot/transports/console.py), as opsdroid's connectors declare themselves on their class:
its **platform**, the **module** whose ``service(config, ports)`` makes a city's
transport, handed the city's ports (handlers/channels.py ``Ports``; never the dispatcher),
imported only when a city runs it (no service's library is loaded to read a
declaration), its **configuration section** and that section's dataclass, what it
**offers** its people (:class:`Offers`, which the features ask through
``HandlerSettings.channels``, handlers/channels.py, never by its name), its part of the
**personal-data declaration**, and as methods what a city, the doctor, the desk and the
web ask of it. A method it does not declare answers for a transport that has none of it
(no checks, no coordinators' group, no budget, no contact ...).

bot/transports/registry.py only lists the declarations (:func:`~bot.transports.registry.
register`, a class decorator too) and looks them up.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, ClassVar, Generic, Protocol, cast, get_args, get_origin

from typing_extensions import TypeVar

from db import people_by_number, personal_data
from handlers.channels import Channel
from handlers.reader import Medium, declare_medium

if TYPE_CHECKING:
    from markupsafe import Markup

    from bot.sections import Sections
    from bot.transports.contacts import Contact, Opening
    from bot.transports.contract import ChatService
    from db import Database
    from db.outbox import OutboxItem
    from db.personal_data import Declaration
    from db.users import User
    from handlers.channels import Ports
    from handlers.messages import Outgoing
    from locales import Translator


class ChatSection(Protocol):
    """What every transport's configuration section is: whether a city runs it, and its
    checks (bot/config.py)."""

    @property
    def enabled(self) -> bool:
        """Whether the city runs it."""

    def check(self) -> None:
        """Raise ``ConfigError`` for what no single key checks."""

    def check_secrets(self, prefix: str = ...) -> None:
        """Raise ``ConfigError`` for a secret that running it needs and is not set."""


# A transport's configuration section, the first class its declaration names.
S = TypeVar("S", bound=ChatSection)
# What it meters that the desk shows (its ``budget``: the SMS month's ``Budget``, the phone's
# check calls' ``CheckPool``); ``None`` for a transport with no such budget.
M = TypeVar("M")
# The city's transport its ``attach`` wires (``SmsTransport``); any chat service where it
# declares no ``attach``.
C = TypeVar("C", bound="ChatService", default="ChatService")

# How the desk names a person on a panel (handlers/helping/render.py ``someone``: first name
# and user number), in the coordinator's words.
Naming = Callable[["Translator", "User"], "Markup"]

# A doctor check: (name, "ok" | "WARN" | "FAIL" | "skip", detail).
Check = tuple[str, str, str]


@dataclass(frozen=True)
class Attachment:
    """What a city gives its transports when it attaches them (bot/city_service.py):
    ``fetch_media`` (the outbox worker's, for files people sent), ``main`` (the main
    city's database, where the installation's budgets are counted) and the city's
    ``slug``, ``is_main`` whether it is the main city; ``count`` (platform, event, n) adds
    to the city's metrics of a transport's own events (None without metrics); ``prepare``
    (the outbox worker's): a queued item as its reader gets it, through the reader chain,
    for a transport that sends more of a chat's queue than the worker hands it (a call-back
    says every message waiting)."""

    # (platform, file id) -> the file's bytes and type, as the outbox worker fetches it.
    fetch_media: Callable[[str, str], Awaitable[tuple[bytes, str]]] | None
    main: Database | None
    slug: str
    is_main: bool
    count: Callable[[str, str, int], None] | None = None
    prepare: Callable[[OutboxItem], Awaitable[Outgoing]] | None = None


@dataclass(frozen=True)
class Panel:
    """A transport's part of the desk's statistics page (bot/web/desk/stats.py): the id of
    its section (``stats-<id>``), its title and its lines, in the coordinator's words."""

    id: str
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Offers(Channel):
    """What a transport can do for its people: what the features ask of its
    :class:`~handlers.channels.Channel` (which says what each means: ``texts``, ``calls``,
    ``files``, ``edits``, ``by_number``, ``coded``, ``asks_when_kept``, ``label``, ``line``),
    and beside it how they take messages (``medium``, handlers/reader.py) and the name
    people know its chat app by (``app``, where it is one). Its ``platform`` is the
    declaration's, filled in by :meth:`Transport.channel`."""

    platform: str = ""
    medium: Medium = Medium.CHAT
    app: str = ""


class Transport(Generic[S, M, C]):
    """A transport's declaration: see the module's docstring. Subclassed, never made: the
    registry lists the classes. ``config`` in the methods is a city's
    :class:`~bot.config.Config`, typed as what of it lies below the transports
    (:class:`~bot.sections.Sections`: the transport reaches its own section, typed, by the
    class it names, ``config.section(SmsSection)``); ``section`` its part of it for this
    transport, ``budget`` what it meters for the desk and ``transport`` the city's
    transport it attaches, of the types a declaration subclasses with, named there once
    (``Transport[SmsSection, Budget, SmsTransport]``; ``Transport[MatrixSection, None]``
    where it meters nothing and attaches nothing), which mypy holds each hook given a
    section, its meter or its transport to."""

    platform: ClassVar[str]
    module: ClassVar[str] = ""  # whose service(config, ports) makes it ("" its own)
    section: ClassVar[str] = ""  # its configuration section's name, [sms]
    offers: ClassVar[Offers] = Offers()
    data: ClassVar[Declaration | None] = None  # its part of the personal-data declaration

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if not cls.module:  # declared beside its service (a package's __init__, a test's)
            cls.module = cls.__module__

    # What an account on it is (bot/transports/registry.py ``account``).

    @staticmethod
    def user_id_problem(user_id: str, /) -> str:
        """What is wrong with ``user_id`` as a person's id on it, said after "the <platform>
        user id" ("" where nothing is): an id of another form never matches anyone who
        writes, so an operator naming it must hear why."""
        return ""

    # What a city's configuration takes from it.

    @staticmethod
    def backchannel(config: Sections, /) -> str:
        """The chat id of the coordinators' group on it ("" for none)."""
        return ""

    @staticmethod
    def completed(section: S, config: Sections, /) -> S:
        """Its section with the defaults that depend on other sections."""
        return section

    @staticmethod
    def claims(config: Sections, /) -> Iterable[tuple[str, object]]:
        """What a city holds on it that no other city may hold too, as (what, value): an
        account, a number, a port (bot/cities.py refuses two cities that share one)."""
        return ()

    # The doctor's checks (bot/cli/checks.py).

    @staticmethod
    def checks(section: S, db: Database, /) -> AsyncIterator[Check] | None:
        """Its checks of the installation, on the main city's database."""
        return None

    @staticmethod
    def city_checks(
        section: S, group: str, db: Database, env_prefix: str, /
    ) -> AsyncIterator[Check] | None:
        """Its checks of one city (``group``: the coordinators' group on it)."""
        return None

    # A running city (bot/city_service.py) and its desk.

    @staticmethod
    def attach(transport: C, city: Attachment, /) -> None:
        """Wire the city's transport into the city, before it connects."""

    @staticmethod
    def budget(section: S, db: Database, /) -> M | None:
        """The metered budget the desk shows, read from ``db`` where the transport does not
        run in this process (a running one's is its ``budget``); None: it has none."""
        return None

    @staticmethod
    async def panel(budget: M, t: Translator, name: Naming, /) -> Panel | None:
        """How the desk shows that budget, in ``t``'s words; people named by ``name``, as
        the desk names them everywhere (the features' naming, which the desk hands it: a
        transport words no person itself)."""
        return None

    # What the web says of it.

    @staticmethod
    def contact(config: Sections, username: str, /) -> Contact | None:
        """How the web names it as a way to reach the bot (bot/web/public/easy_page.py),
        given the bot's username where its service told it; None where the city does not
        run it."""
        return None

    @staticmethod
    def opening(config: Sections, username: str, payload: str, /) -> Opening | None:
        """How a page opens the bot there at a start ``payload`` (a place, a district:
        bot/web/public/links.py); None where the city does not run it."""
        return None

    @staticmethod
    def opening_here(payload: str, /) -> Opening | None:
        """How the person at the terminal of the process that serves the web opens the bot
        at ``payload`` where the transport runs in that process (the demo's console: write
        ``/start <payload>`` there; no link); None where it has no such way."""
        return None

    @staticmethod
    async def bot_name(config: Sections, /) -> str:
        """The bot's username as its service tells it, asked by a process that runs no
        transport of it (``python -m bot web``); "" where it has none."""
        return ""

    @staticmethod
    def mini_app(config: Sections, /) -> str | None:
        """What its app signs a Mini App's data with, where its app opens the web map as
        one (bot/web/public/miniapp.py); None where it has no Mini App."""
        return None

    # What the registry asks of every declaration.

    @classmethod
    def configured(cls, config: Sections) -> bool:
        """Whether ``config`` asks for it."""
        return bool(cls.section and cls.own_section(config).enabled)

    @classmethod
    def section_class(cls) -> type[S]:
        """Its configuration section's dataclass: the first class its declaration is
        subclassed with (``Transport[SmsSection, Budget]``), named there once."""
        for declared in cls.__mro__:
            for base in getattr(declared, "__orig_bases__", ()):
                named = get_args(base)[:1] if get_origin(base) is Transport else ()
                if named and isinstance(named[0], type):
                    return cast("type[S]", named[0])
        raise TypeError(
            f"transport {cls.platform!r}: its section's class is named as"
            f" Transport[{cls.section.title()}Section, ...]"
        )

    @classmethod
    def own_section(cls, config: Sections) -> S:
        """Its section in ``config``, typed as its class (the class's defaults where
        ``config`` holds none)."""
        return config.section(cls.section_class())

    @classmethod
    def chat_section(cls, config: Sections) -> ChatSection:
        """Its section in ``config`` as every transport's is (where the transports are
        listed, each of another section's class)."""
        return cls.own_section(config)

    @classmethod
    def complete(cls, config: Sections) -> S:
        """Its section in ``config`` with the defaults that depend on other sections."""
        return cls.completed(cls.own_section(config), config)

    @classmethod
    def desk_budget(cls, config: Sections, db: Database) -> M | None:
        """The metered budget of its section in ``config`` the desk shows, read from
        ``db`` (:meth:`budget`)."""
        return cls.budget(cls.own_section(config), db)

    @classmethod
    def service(cls, config: Sections, ports: Ports) -> ChatService:
        """The city's transport, made by its module (imported now, not before) and handed
        the city's ``ports``."""
        module = importlib.import_module(cls.module)
        transport: ChatService = module.service(config, ports)
        return transport

    @classmethod
    def channel(cls) -> Channel:
        """What it offers, as the features ask it."""
        offered = {f.name: getattr(cls.offers, f.name) for f in fields(Channel)}
        return Channel(**(offered | {"platform": cls.platform}))

    @classmethod
    def doctor(cls, config: Sections, db: Database) -> AsyncIterator[Check] | None:
        """Its checks of the installation, if any."""
        return cls.checks(cls.own_section(config), db) if cls.section else None

    @classmethod
    def city_doctor(
        cls, config: Sections, db: Database, env_prefix: str
    ) -> AsyncIterator[Check] | None:
        """Its checks of one city, if any."""
        if not cls.section:
            return None
        return cls.city_checks(cls.own_section(config), cls.backchannel(config), db, env_prefix)

    @classmethod
    def declare(cls) -> None:
        """Its people's medium and numbers and its data into the declarations."""
        declare_medium(cls.platform, cls.offers.medium)
        if cls.offers.by_number:
            people_by_number.register(cls.platform)
        if cls.data is not None:
            personal_data.declare(cls.data)
