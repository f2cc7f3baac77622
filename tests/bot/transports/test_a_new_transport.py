"""A transport is its declaration and its own module (issue 65, point 3; issue 82, point 4):
this test module is one, a pager that shows plain text and takes typed numbers, declared on
a class of its own and registered from here with no file of the product changed, and a
person walks /start -> language -> consent -> menu through it. Its medium is the texted
one, so the reader chain gives it every message's plain-text form - and nothing SMS
promises (no STOP, no "More: send 0": a pager understands neither)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.config import Config
from bot.transports import registry
from bot.transports.contract import Routed, take_update
from bot.transports.contract import Transport as Contract
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.media.texted_form import form_of, without_icons
from handlers.messages import ButtonPress, Choice, Command, Incoming, Sender, Text
from handlers.parsing import is_typed_number, typed
from handlers.settings import HandlerSettings
from locales import Medium, translator

PLATFORM = "pager"
PAGER = "pager-7"


class Pager(Contract):
    """What a newcomer writes: each answer's texted form shown as lines, a typed number
    pressing a choice of the newest text that listed some."""

    platform = PLATFORM

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.shown: list[str] = []
        self.choices: list[Choice] = []
        self._updates = 0

    async def send_answer(self, answer: Routed) -> None:
        form = getattr(answer.item, "texted", None) or form_of(answer.item, translator("de"))
        if form is None:
            return
        self.shown.append("\n".join(part for part in (form.body, form.lines) if part))
        if form.listed:
            self.choices = list(form.listed)

    async def deliver(self, chat_id: str, item: object, edit_message_id: str | None = None):
        return None

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


def service(config: Config, dispatcher: Dispatcher, db: Database) -> Pager:
    """What the declaration's module makes for a city (bot/transports/hooks.py)."""
    return Pager(dispatcher)


class Paging(registry.Transport):
    """The pager's declaration: its platform, what it offers, and (its module being this
    one) the ``service`` above."""

    platform = PLATFORM
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
    pager = pager_registered.service(Config(), dispatcher, db)
    assert isinstance(pager, Pager)

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
