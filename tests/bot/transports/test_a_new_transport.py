"""A transport is its declaration and its own module (issue 65, point 3; issue 82, point 4):
this test module is one, a pager that shows plain text and takes typed numbers, declared on
a class of its own - its platform, what it offers, its ``[pager]`` section - and registered
from here with no file of the product changed. A person walks /start -> language ->
consent -> menu through it; and a city configured with a ``[pager]`` section (a file and
the environment) starts through the composition root (bot/city_service.py), which reads
that section, makes the pager from it and delivers a queued message through it. Its medium
is the texted one, so the reader chain gives it every message's plain-text form - and
nothing SMS promises (no STOP, no "More: send 0": a pager understands neither)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from markupsafe import Markup

from bot.cities import load_cities
from bot.city_service import CityBot
from bot.cluster import SingleProcess
from bot.config import Config, load_config
from bot.config_fields import option
from bot.transports import registry
from bot.transports.contract import ChatService, Routed, take_update
from db import Database
from handlers import build_router
from handlers.channels import Ports
from handlers.dispatcher import Dispatcher
from handlers.media.texted_form import form_of, without_icons
from handlers.messages import (
    ButtonPress,
    Choice,
    Command,
    Incoming,
    Message,
    Recipient,
    Sender,
    Text,
    encode,
)
from handlers.parsing import is_typed_number, typed
from handlers.settings import HandlerSettings
from locales import Medium, translator
from tests.support.two_cities import write_cities

PLATFORM = "pager"
PAGER = "pager-7"


@dataclass(frozen=True)
class PagerSection:
    """The ``[pager]`` section of a city's configuration, read as the product's are."""

    network: str = option("", doc="The paging network's address; empty: no pager")
    width: int = option(80, minimum=20, maximum=240, doc="Characters a page shows")

    @property
    def enabled(self) -> bool:
        return bool(self.network)

    def check(self) -> None:
        pass

    def check_secrets(self, prefix: str = "") -> None:
        pass


class Pager(ChatService):
    """What a newcomer writes: each answer's texted form shown as pages of its section's
    width, a typed number pressing a choice of the newest text that listed some."""

    platform = PLATFORM

    def __init__(self, ports: Ports, section: PagerSection | None = None) -> None:
        self.city_ports = ports  # what the city hands a transport: never the dispatcher
        self.section = section or PagerSection()
        self.shown: list[str] = []
        self.choices: list[Choice] = []
        self.delivered: list[tuple[str, list[str]]] = []
        self.arrived = asyncio.Event()
        self._updates = 0

    def _pages(self, item: object) -> list[str]:
        """``item``'s texted form in pages of the section's width ([] for nothing to show);
        its choices become the ones a typed number presses."""
        form = getattr(item, "texted", None) or form_of(item, translator("de"))
        if form is None:
            return []
        if form.listed:
            self.choices = list(form.listed)
        text = "\n".join(part for part in (form.body, form.lines) if part)
        width = self.section.width
        return [text[start : start + width] for start in range(0, len(text), width)]

    async def send_answer(self, answer: Routed) -> None:
        if pages := self._pages(answer.item):
            self.shown.append("".join(pages))

    async def deliver(self, chat_id: str, item: object, edit_message_id: str | None = None):
        self.delivered.append((chat_id, self._pages(item)))
        self.arrived.set()
        return f"page-{len(self.delivered)}"

    async def connect(self, chat_turn=None) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def types(self, text: str) -> list[str]:
        """The person types ``text``; what the pager shows them after it."""
        self._updates += 1
        if is_typed_number(text) and 0 < int(typed(text)) <= len(self.choices):
            event: object = ButtonPress(self.choices[int(typed(text)) - 1][1])
        elif text.startswith("/"):
            event = Command(text[1:])
        else:
            event = Text(text)
        before = len(self.shown)
        incoming = Incoming(
            Sender(PLATFORM, PAGER, language_hint="en"), PAGER, event, f"page-{self._updates}"
        )
        await take_update(self, incoming)  # type: ignore[arg-type]
        return self.shown[before:]

    def number_of(self, data: str) -> str:
        """The number the newest text gives the choice of ``data``."""
        return str(next(n for n, (_, d) in enumerate(self.choices, 1) if d == data))


def service(config: Config, ports: Ports) -> Pager:
    """What the declaration's module makes for a city (bot/transports/hooks.py): the pager
    of the city's ``[pager]`` section, handed the city's ports."""
    return Pager(ports, config.pager)


class Paging(registry.Transport[PagerSection, None]):
    """The pager's declaration: its platform, its section (of the class it is declared
    with), what it offers, and (its module being this one) the ``service`` above."""

    platform = PLATFORM
    section = "pager"
    offers = registry.Offers(medium=Medium.TEXTED, files=False, label="📟 by pager")


@pytest.fixture
def pager_registered() -> Iterator[type[registry.Transport]]:
    registry.register(Paging)
    yield Paging
    registry.unregister(PLATFORM)


async def test_a_transport_registered_from_a_test_module_walks_start_language_consent_menu(
    db: Database, settings: HandlerSettings, pager_registered: type[registry.Transport]
):
    assert PLATFORM in registry.PLATFORMS
    channels = registry.channels(Config())
    assert not channels.files(PLATFORM) and channels.of(PLATFORM).label == "📟 by pager"
    dispatcher = Dispatcher(db, build_router(), replace(settings, channels=channels))
    pager = pager_registered.service(Config(), dispatcher.ports)
    assert isinstance(pager, Pager) and not Paging.configured(Config())

    shown = await pager.types("/start")
    # (Its texted form has no icon: "🌐" goes, issue 80 point 1.)
    asked = without_icons(translator("en")._("🌐 Please choose your language:"))
    assert any(asked in text for text in shown)
    shown = await pager.types(pager.number_of("lang:en"))
    # The privacy notice's short form, its choices numbered.
    assert any("I agree" in text for text in shown)
    shown = await pager.types(pager.number_of("consent:yes"))
    assert "menu:places" in {data for _, data in pager.choices}

    user = await db.users.find(PLATFORM, PAGER)
    assert user is not None and user.consent_at is not None and user.language == "en"
    # Plain text, and no promise of another transport's wire.
    for text in pager.shown:
        assert "<b>" not in text
        assert "STOP" not in text and "More: send" not in text


def test_a_platform_is_registered_once_and_forgotten_after():
    with pytest.raises(ValueError):
        registry.register(registry.named("sms"))
    assert PLATFORM not in registry.PLATFORMS


async def test_a_city_with_a_pager_section_reads_it_and_delivers_through_the_pager(
    tmp_path: Path, pager_registered: type[registry.Transport]
):
    """The section comes from the file (its network) and the environment (its width), as
    every section does; the city runs the pager because its section asks for it, answers a
    person through it, and its outbox worker delivers a queued message through it."""
    path = tmp_path / "city.toml"
    database = tmp_path / "city.sqlite3"
    path.write_text(f'[bot]\ndatabase = "{database}"\n[pager]\nnetwork = "paging.example"\n')
    config = load_config(path, env={"NACHBARBOT_PAGER__WIDTH": "24"})
    assert config.pager == PagerSection(network="paging.example", width=24)
    (city,) = load_cities(config, env={})

    bot = await CityBot.open(city, SingleProcess(), None)
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    try:
        tasks = await bot.start(SingleProcess(), stop)
        (pager,) = bot.transports
        assert isinstance(pager, Pager) and pager.section is config.pager

        shown = await pager.types("/start")
        assert any(
            without_icons(translator("en")._("🌐 Please choose your language:")) in text
            for text in shown
        )
        await pager.types(pager.number_of("lang:en"))

        # Queued for the pager's person as any feature queues a message to someone else.
        await bot.db.outbox.enqueue(
            PLATFORM,
            PAGER,
            encode(Message(Markup("The market opens at nine."), to=Recipient(PLATFORM, PAGER))),
        )
        bot.worker.wake()
        await asyncio.wait_for(pager.arrived.wait(), timeout=30)
        ((chat, pages),) = pager.delivered
        assert chat == PAGER and "".join(pages) == "The market opens at nine."
        assert [len(page) for page in pages] == [24, 1]  # the section's width
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await bot.close()


def test_a_further_city_reads_its_own_pager_section(
    tmp_path: Path, pager_registered: type[registry.Transport]
):
    """A city file and its environment set the city's own [pager], as they set its own
    [sms]: never the main city's (its network would be another city's)."""
    path = write_cities(
        tmp_path,
        str(tmp_path / "main.sqlite3"),
        dortmund='[pager]\nnetwork = "dortmund.example"\n',
        unna='[pager]\nnetwork = "unna.example"\n',
    )
    env = {"NACHBARBOT_CITY_UNNA__PAGER__WIDTH": "30"}
    dortmund, unna = load_cities(load_config(path, env=env), env=env)
    assert dortmund.config.pager == PagerSection(network="dortmund.example")
    assert unna.config.pager == PagerSection(network="unna.example", width=30)
