"""A city whose residents text through real Kannel (tests/bot/transports/sms/): the SMS
transport's own HTTP endpoint behind smsbox's get-url with the shared secret, its texts out
through smsbox's sendsms, fakesmsc as the phone network, the real dispatcher and outbox
worker; coordinators and volunteers on the memory transport (tests/support/help_story.py).

``make_city`` (a fixture) makes one; a :class:`Resident` texts and reads the answers. Each
step waits for events, never for a time."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace

import pytest

from bot.delivery import OutboxWorker
from bot.transports.sms.budget import Budget, Limits
from bot.transports.sms.transport import SmsTransport
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings
from locales import translator
from tests.support.channels import channels
from tests.support.flood_limits import UNFLOODED
from tests.support.help_story import GROUP
from tests.support.memory_transport import MemoryTransport
from tests.support.sms.fakesmsc import FakePhoneNetwork
from tests.support.sms.fakesmsc import Text as FakeText
from tests.support.sms.fixtures import KannelStarter
from tests.support.sms.gateways import CountingKannel, CountingSms

SECRET = "kannel-secret-45"
_CHOICE = re.compile(r"^(\d+) (.+)$")
# A button label's leading icon (a German text drops it, an Arabic one keeps it).
_ICON = re.compile(r"^\W+")


async def until(condition: Callable[[], bool]) -> None:
    """Wait for ``condition`` (a guard of a minute against a hang, never a measure)."""
    for _ in range(3000):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the awaited event did not happen")


@dataclass
class City:
    db: Database
    sms: CountingSms
    gateway: CountingKannel
    phones: FakePhoneNetwork
    story: MemoryTransport

    async def flush(self) -> None:
        """The outbox worker's round, then every text it handed to Kannel arrived."""
        await self.story.flush()
        await self.arrived()

    async def arrived(self) -> None:
        await until(
            lambda: all(
                len(self.phones.texts_to(number)) == sent
                for number, sent in self.gateway.sent.items()
            )
        )


@dataclass
class Resident:
    """A person with a simple phone: sends texts, reads the answers, types numbers."""

    city: City
    number: str
    new: list[FakeText] = field(default_factory=list)

    @property
    def texts(self) -> list[FakeText]:
        return self.city.phones.texts_to(self.number)

    async def say(self, text: str) -> list[FakeText]:
        before, handled = len(self.texts), self.city.sms.handled
        await asyncio.to_thread(self.city.phones.send, self.number, text)
        await until(lambda: self.city.sms.handled > handled)
        await self.city.arrived()
        self.new = self.texts[before:]
        return self.new

    async def say_in_parts(self, text: str, ref: int) -> list[FakeText]:
        """:meth:`say` as a concatenated text (fakesmsc.py ``send_parts``): Kannel joins
        the parts, the bot takes one text."""
        before, handled = len(self.texts), self.city.sms.handled
        await asyncio.to_thread(self.city.phones.send_parts, self.number, text, ref=ref)
        await until(lambda: self.city.sms.handled > handled)
        await self.city.arrived()
        self.new = self.texts[before:]
        return self.new

    async def say_and_deliver(self, text: str) -> list[FakeText]:
        """:meth:`say`, then the outbox worker's round: the answers and what the text queued
        for the number with its handling (a STOP's code: transport.py ``_queue``)."""
        before = len(self.texts)
        await self.say(text)
        await self.city.flush()
        self.new = self.texts[before:]
        return self.new

    async def choose(self, label: str) -> list[FakeText]:
        """Type the number of the newest choice labelled ``label`` (after its icon: with or
        without it, as a text drops icons), asking for the rest of a cut text ("More: send
        0") while it is not shown."""
        label = _ICON.sub("", label)
        for _ in range(3):
            for text in reversed(self.new):
                for line in text.text.splitlines():
                    found = _CHOICE.match(line)
                    shown = found.group(2) if found else ""
                    if found and (shown == label or shown.endswith(f" {label}")):
                        return await self.say(found.group(1))
            last = self.new[-1].text.splitlines()[-1] if self.new else ""
            if _CHOICE.match(last) or not re.search("[0٠۰]", last):
                break
            await self.say("0")
        raise AssertionError(f"no choice {label!r} in {[t.text for t in self.new]!r}")


@pytest.fixture
async def make_city(
    db: Database, start_kannel: KannelStarter
) -> AsyncIterator[Callable[..., object]]:
    made: list[SmsTransport] = []

    async def make(
        limits: Limits | None = None,
        speech_languages: frozenset[str] = frozenset(),
        running: tuple[str, ...] = ("sms",),
        transport: type[CountingSms] = CountingSms,
        **kannel_options: object,
    ) -> City:
        settings = HandlerSettings(
            city="Dortmund",
            inactive_account_days=365,
            max_text_length=500,
            backchannels=frozenset({("memory", GROUP)}),
            new_user_cooldown_minutes=0,  # the texters are new accounts: no cooldown
            speech_languages=speech_languages,
            # What the transports can do, as a city running SMS (``running``: and perhaps
            # the phone line) has it (the channel label coordinators read, a STOP, the codes).
            channels=channels(*running),
            **UNFLOODED,
        )
        dispatcher = Dispatcher(db, build_router(), settings)
        budget = Budget(db, 10_000, settings.backchannels, limits=limits or Limits())
        # The transport's site first, on a port it holds; then Kannel, whose get-url calls it.
        unset = CountingKannel("http://127.0.0.1:9", "", "", "", SECRET)
        sms = transport(dispatcher.ports, db, unset, budget)
        # What it places for the features (the hour's code texts), as a city is wired.
        dispatcher.settings = replace(settings, **sms.ports())
        await sms.connect()
        made.append(sms)
        kannel, phones = await asyncio.to_thread(
            start_kannel, f"http://127.0.0.1:{sms.port}/sms", secret=SECRET, **kannel_options
        )
        gateway = CountingKannel(
            kannel.sendsms_url.removesuffix("/cgi-bin/sendsms"),
            kannel.username,
            kannel.password,
            kannel.bot_number,
            SECRET,
        )
        sms.gateway = gateway
        story = MemoryTransport(dispatcher)
        story.worker = OutboxWorker(db, [story, sms], chain=dispatcher.chain)
        return City(db, sms, gateway, phones, story)

    try:
        yield make
    finally:
        for sms in made:
            await sms.stop()


async def until_description(
    resident: Resident, lang: str = "de", *, from_menu: bool = False
) -> None:
    """A new request by text, in ``lang``, up to its description (shopping chosen).
    ``from_menu``: the resident already has the main menu (right after agreeing), else
    "/menu" brings it."""
    t = translator(lang)
    if not from_menu:
        await resident.say("/menu")
    await resident.choose(t._("Ask for help"))
    await resident.choose(t._("Ask for help"))
    await resident.choose(t._("Shopping and errands"))


async def request_until_languages(
    resident: Resident, description: str, lang: str = "de", *, from_menu: bool = False
) -> None:
    """A new request by text, in ``lang``, up to its languages (the step after "when");
    ``from_menu`` as :func:`until_description`."""
    t = translator(lang)
    await until_description(resident, lang, from_menu=from_menu)
    await resident.say(description)
    await resident.say("44147")
    await resident.choose(t._("⚡ As soon as possible"))


async def write_request(
    resident: Resident, description: str, lang: str = "de", *, from_menu: bool = False
) -> str:
    """A new request by text, in ``lang``, up to "Send": the texts that answer it (what is
    sent waits for the number's code, handlers/helping/requests_flow.py: the code's text,
    then the request it sends). ``from_menu``: as
    :func:`request_until_languages`."""
    t = translator(lang)
    await request_until_languages(resident, description, lang, from_menu=from_menu)
    if any(t._("Done") in text.text for text in resident.new):
        await resident.choose(t._("Done"))
    else:
        await resident.choose(t._("Only my language"))
    # The text with the code, then the request as the code would send it.
    asked, quoted = await resident.choose(t._("Send"))
    return f"{asked.text}\n{quoted.text}"


async def onboarded(city: City, number: str) -> tuple[Resident, int]:
    """A person onboarded by text from ``number`` (German, the notice agreed): the resident
    and their person's id."""
    resident = Resident(city, number)
    await resident.say("Hallo")
    await resident.choose("Deutsch")
    await resident.choose(translator("de")._("I agree"))
    user = await city.db.users.find("sms", number)
    assert user is not None
    return resident, user.id
