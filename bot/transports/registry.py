"""Every transport, listed: each declares itself on a class of its own (a subclass of
:class:`Transport`, bot/transports/hooks.py, which says what a declaration holds), and this
module lists the declarations and looks them up, so that nothing outside a transport's own
folder names it.

A platform name is what ``Sender.platform`` and a ``Recipient`` say, what the stores keep
beside a person's id, and what an entry of ``bot.admins`` begins with (``telegram:123``).
``bot.config``'s ``Config`` has a field of each section a product declaration names (typed
names a transport); the doctor (bot/cli/checks.py), a city (bot/city_service.py), the desk
and the web ask the declarations through the functions below, and the features ask what a
transport offers through ``HandlerSettings.channels`` (handlers/channels.py), never its name.

The product's transports are listed here; each declaration comes from a light module of
its transport's (its config, checks, attach, personal data, store: none loads a service's
library), so that a wrong name fails on import and mypy checks each method against
:class:`Transport`'s. Only the service itself is named by its module, imported when a city
runs it: a city without Matrix never loads matrix-nio, one without a phone line never loads
pjsua2 (tests/bot/transports/test_registry_files.py imports each). Importing this module
declares every transport's data, medium and number platforms, before any database is
opened; a transport added later (a test's, a plug-in's) is added with :func:`register`,
which is a class decorator too, and its section is read like the product's
(bot/config.py). The console is a transport too, run only by ``python -m bot console``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from bot.transports.contacts import Contact as Contact
from bot.transports.contacts import Opening as Opening
from bot.transports.hooks import Attachment as Attachment
from bot.transports.hooks import Check as Check
from bot.transports.hooks import Naming
from bot.transports.hooks import Offers as Offers
from bot.transports.hooks import Panel as Panel
from bot.transports.hooks import Transport as Transport
from bot.transports.matrix.declaration import Matrix
from bot.transports.phone.declaration import Phone
from bot.transports.sms.declaration import Sms
from bot.transports.telegram_declaration import Telegram
from handlers.channels import NO_COLON, Channels, not_of_the_form
from locales import Translator

if TYPE_CHECKING:  # the configuration asks for names only: nothing more is loaded for it
    from bot.sections import Sections
    from bot.transports.contract import ChatService
    from db import Database
    from handlers.channels import Ports


class Console(Transport):
    """The console (bot/transports/console.py): a chat in a terminal, run only by
    ``python -m bot console``, with no section of a city's configuration. Declared here,
    not in its module, which loads the handlers: this module is read by every command."""

    platform = "console"
    module = "bot.transports.console"

    @staticmethod
    def opening_here(payload: str, /) -> Opening | None:
        # In the demo the web is served beside the console: its reader types there.
        return Opening("Console", "", account="nachbarbot", command=f"/start {payload}")


# A declaration, of whichever section, meter and service: the list holds each kind (what a
# hook is given is typed on the declaration itself, bot/transports/hooks.py).
Declaration = type[Transport[Any, Any, Any]]
D = TypeVar("D", bound=Declaration)

TRANSPORTS: list[Declaration] = []
# The platforms of every transport, and of the chat services a city runs (people there can
# be banned, say): kept in step by :func:`register`.
PLATFORMS: list[str] = []
SERVICES: list[str] = []


def register(transport: D) -> D:
    """List ``transport``'s declaration (the product's at import; a test's or a plug-in's
    later, also as ``@register`` on its class): its platform becomes known, its data,
    medium and numbers are declared, and its section is read from the configurations
    loaded from now on (bot/config.py)."""
    if transport.platform in PLATFORMS:
        raise ValueError(f"platform {transport.platform!r} is registered already")
    if transport.section:
        transport.section_class()  # named on its class, or refused here, not when a city reads it
    if transport not in TRANSPORTS:
        TRANSPORTS.append(transport)
    PLATFORMS.append(transport.platform)
    if transport.section:
        SERVICES.append(transport.platform)
    transport.declare()
    return transport


for _declared in (Telegram, Matrix, Phone, Sms, Console):
    register(_declared)


def unregister(platform: str) -> None:
    """Forget a transport a test registered (its declarations stay: they name a platform
    nobody uses)."""
    TRANSPORTS[:] = [transport for transport in TRANSPORTS if transport.platform != platform]
    for platforms in (PLATFORMS, SERVICES):
        if platform in platforms:
            platforms.remove(platform)


def account(text: str) -> tuple[str, str] | None:
    """``platform:user_id`` as (platform, user id) when the platform is a known one (the
    console's too) and the id is of its transport's form; None otherwise. The one reading of
    an account the operator names, so that ``roles``, ``bans`` and ``bot.admins`` take the
    same accounts and refuse the same ones (:func:`not_an_account` says why)."""
    if _problem(text):
        return None
    platform, _, user_id = text.partition(":")
    return platform, user_id


def not_an_account(text: str) -> str:
    """Why ``text`` was refused: exactly what is wrong with it, naming the platforms there
    are where the platform is the trouble."""
    return not_of_the_form(text, _problem(text))


def _problem(text: str) -> str:
    """What is wrong with ``text`` as an account ("" where nothing is)."""
    platform, colon, user_id = text.partition(":")
    if not colon:
        return NO_COLON
    if platform not in PLATFORMS:
        known = ", ".join(PLATFORMS)
        return f"{platform!r} is not a platform (platforms: {known}; e.g. telegram:123456)"
    if not user_id.strip():
        return f"the user id after '{platform}:' is empty"
    if user_id != user_id.strip():
        return "the user id has spaces around it"
    problem = named(platform).user_id_problem(user_id)
    return f"the {platform} user id {problem}" if problem else ""


def named(platform: str) -> Declaration:
    """The transport of ``platform``."""
    return next(transport for transport in TRANSPORTS if transport.platform == platform)


def configured(config: Sections) -> list[Declaration]:
    """The chat services ``config`` asks for."""
    return [transport for transport in TRANSPORTS if transport.configured(config)]


def backchannels(config: Sections) -> frozenset[tuple[str, str]]:
    """The coordinators' group on each transport that has one in ``config``, as (platform,
    chat id)."""
    return frozenset(
        (transport.platform, chat)
        for transport in TRANSPORTS
        if (chat := transport.backchannel(config))
    )


def claims(config: Sections) -> Iterator[tuple[str, object]]:
    """What a city (its ``config``) holds on each transport that no other city may hold."""
    for transport in TRANSPORTS:
        yield from transport.claims(config)


def budgets(config: Sections, db: Database, running: Mapping[str, object]) -> dict[str, object]:
    """The metered budget of each transport ``config`` runs that has one, by platform: the
    running transport's (``running``: platform -> the city's transport here, which counts
    it), else one read from ``db`` (the web alone, beside the bot)."""
    found: dict[str, object] = {}
    for transport in configured(config):
        # Asked first, so that a transport with no budget of its own is never shown by an
        # attribute its running service happens to have.
        read = transport.desk_budget(config, db)
        if read is not None:
            live = getattr(running.get(transport.platform), "budget", None)
            found[transport.platform] = live if live is not None else read
    return found


async def panels(budgets: Mapping[str, object], t: Translator, name: Naming) -> list[Panel]:
    """The desk's panels of ``budgets`` (by platform, :func:`budgets`), in ``t``'s words,
    people named by ``name``."""
    found = []
    for platform, budget in budgets.items():
        panel = await named(platform).panel(budget, t, name)
        if panel is not None:
            found.append(panel)
    return found


def contacts(config: Sections, username: str) -> list[Contact]:
    """The ways to reach the bot ``config`` offers, as the web names them, in the order
    of the transports."""
    found = []
    for transport in TRANSPORTS:
        way = transport.contact(config, username)
        if way is not None:
            found.append(way)
    return found


def openings(
    config: Sections, username: str, payload: str, here: Collection[str] = ()
) -> list[Opening]:
    """How a page opens the bot at ``payload`` on each chat app ``config`` runs, in the
    order of the transports (the first with a link is what a printed code leads to), and
    on those running in the web's own process (``here``: their platforms, the demo's
    console) at its terminal."""
    found = []
    for transport in TRANSPORTS:
        way = transport.opening(config, username, payload)
        if way is None and transport.platform in here:
            way = transport.opening_here(payload)
        if way is not None:
            found.append(way)
    return found


async def bot_name(config: Sections) -> str:
    """The bot's username on the first transport ``config`` runs that tells one ("" for
    none): for a web process that runs no transport (its deep links)."""
    for transport in configured(config):
        if name := await transport.bot_name(config):
            return name
    return ""


def mini_app(config: Sections) -> tuple[str, str] | None:
    """The platform whose app opens the web map as a Mini App, and what its data is signed
    with in ``config`` (None: no transport's app does)."""
    for transport in TRANSPORTS:
        key = transport.mini_app(config)
        if key is not None:
            return transport.platform, key
    return None


def chat_apps() -> list[str]:
    """The names of the chat apps the bot can be reached in (where a city runs them)."""
    return [transport.offers.app for transport in TRANSPORTS if transport.offers.app]


def channels(config: Sections) -> Channels:
    """What every transport can do, and which of them ``config`` runs (for the features)."""
    return Channels(
        tuple(transport.channel() for transport in TRANSPORTS),
        frozenset(transport.platform for transport in configured(config)),
    )


def chat_services(config: Sections, ports: Ports) -> list[ChatService]:
    """The transports of the chat services ``config`` asks for, not yet connected, each
    handed the city's ``ports`` (bot/city_service.py)."""
    return [transport.service(config, ports) for transport in configured(config)]


def attach(transports: list[ChatService], city: Attachment) -> None:
    """Each of a city's transports wired into the city by its declaration."""
    for transport in transports:
        named(transport.platform).attach(transport, city)
