"""One number on the phone line and by SMS is one person who chooses the channel
(db/people_by_number.py, handlers/numbers/reach.py), through the real transports: the phone
line registered at Kamailio with baresip as the resident's phone, and text messages through
Kannel with fakesmsc as the phone network (tests/support/sip/, tests/support/sms/), one
dispatcher and database.

The resident calls, chooses German and agrees by keypress; then texts from the same number
and is answered in German, past the privacy notice. Their request's first notice
(published) comes as a call-back - the channel they used first. By SMS they choose texts
in the settings: who comes (the helper's name) comes as a text. They call again and choose
calls by keypress: the helper's next message comes as a call-back. The coordinators and the
volunteer are on the memory chat. Each step waits for what the bot does (answers said,
texts handed over, calls settled), never for a time."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.city_service import composed
from bot.delivery import OutboxWorker
from bot.transports.numbered_choices import numbered
from bot.transports.phone.calls import check_calls
from bot.transports.phone.calls.outbox_calls import CallBackSettings
from bot.transports.phone.calls.when_to_call_again import Policy
from bot.transports.phone.transport import PhoneTransport
from bot.transports.sms.budget import Budget
from db import Database
from handlers import build_router
from handlers.context import Backstage
from handlers.dispatcher import Dispatcher
from handlers.helping import lifecycle
from handlers.messages import Message, Outgoing
from handlers.numbers.phone_pin import LATER, SKIP
from handlers.settings import HandlerSettings
from tests.support.channels import channels
from tests.support.help_story import GROUP, grant_role_to, register_volunteer
from tests.support.memory_transport import MemoryTransport
from tests.support.sip.baresip import BaresipCaller
from tests.support.sip.fixtures import (
    BOT_USER,
    PhoneFactory,
    bot_account,
    kamailio,
    phones,
)
from tests.support.sip.kamailio import HOST, KamailioServer
from tests.support.sms.codes import code_in
from tests.support.sms.fakesmsc import FakePhoneNetwork
from tests.support.sms.fixtures import KannelStarter, start_kannel
from tests.support.sms.gateways import CountingKannel, CountingSms

__all__ = ["kamailio", "phones", "start_kannel"]

RESIDENT = "+492315550123"
SECRET = "kannel-secret-one-number"
# The handset stays on the line while its (silent) WAV lasts: longer than the test.
ON_THE_LINE_SECONDS = 900
# How long the handset waits for a call's events: a guard against a hang, never a measure
# (the bot says a sentence before it hangs up; baresip's own 20 s ran out under load 30).
HANG = 120


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for ``condition`` (a guard of two minutes against a hang, never a measure)."""
    for _ in range(6000):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never: {what}")


class Handset:
    """The resident's phone: calls the bot, presses the digit of a choice the bot said, hangs
    up; answers the bot's calls. What the bot said in a call is what it handed its transport
    (``send_answer`` wrapped); what it said in a call-back, what it told its stack to play."""

    def __init__(self, phone: BaresipCaller, bot: PhoneTransport, kamailio: KamailioServer):
        self.phone = phone
        self.bot = bot
        self.kamailio = kamailio
        self.said: list[Outgoing] = []
        # How many times the bot played something in each call, counted for a call-back
        # from when the bot made it (pjsua2 gives a call id again once its call ended).
        self.played: Counter[int] = Counter()
        self.calling_back: int | None = None
        answer = bot.send_answer

        async def send_answer(routed):  # type: ignore[no-untyped-def]
            self.said.append(routed.item)
            await answer(routed)

        bot.send_answer = send_answer  # type: ignore[method-assign]
        play = bot.stack.say

        def say(call_id: int, prompts: list[Path]) -> None:
            self.played[call_id] += 1
            play(call_id, prompts)

        bot.stack.say = say  # type: ignore[method-assign]
        make_call = bot.stack.make_call

        async def making(*args, **options):  # type: ignore[no-untyped-def]
            call_id = await make_call(*args, **options)
            self.played[call_id] = 0
            self.calling_back = call_id
            return call_id

        bot.stack.make_call = making  # type: ignore[method-assign]

    async def call(self) -> None:
        self.said.clear()
        await asyncio.to_thread(self.phone.dial, self.kamailio.uri(BOT_USER))
        await asyncio.to_thread(self.phone.wait_for, "CALL_ESTABLISHED", timeout=HANG)

    def _offering(self, data: str) -> int | None:
        """The digit of the choice ``data`` in the newest message said, if it offers it."""
        said = [item for item in self.said if isinstance(item, Message)]
        if not said:
            return None
        choices = [choice for _, choice in numbered(said[-1].buttons)]
        return choices.index(data) + 1 if data in choices else None

    async def choose(self, data: str) -> None:
        await until(lambda: self._offering(data) is not None, f"{data} offered in the call")
        digit = self._offering(data)
        assert digit is not None and digit <= 9
        await asyncio.to_thread(self.phone.press, str(digit))

    async def hang_up(self) -> None:
        closed = len(self.phone.events)
        await asyncio.to_thread(self.phone.hangup)
        await asyncio.to_thread(self.phone.wait_for, "CALL_CLOSED", after=closed, timeout=HANG)

    async def it_is_me(self) -> None:
        """A call the bot made asks first who is there (handlers/numbers/caller_check.py): "1"."""
        await until(
            lambda: self.calling_back is not None and self.played[self.calling_back] >= 1,
            "the call-back asked who is there",
        )
        await asyncio.to_thread(self.phone.press, "1")

    async def checked(self, *, first: bool = False) -> None:
        """What was chosen waits for her PIN or a call-back (a call from a number is not
        its person until checked): "#", the bot hangs up and calls; "1", "2" to the PIN's
        offer - or, the number's ``first`` check, "I agree" to the notice whoever answers
        hears first -, and the checked call begins with what only shows her own things, as
        the settings (handlers/numbers/caller_check.py ``carried``)."""
        await until(
            lambda: any(
                isinstance(item, Message) and SKIP in [data for _, data in numbered(item.buttons)]
                for item in self.said
            ),
            "the PIN or the call-back asked",
        )
        closed = len(self.phone.events)
        self.calling_back = None
        await asyncio.to_thread(self.phone.press, "#")
        await asyncio.to_thread(self.phone.wait_for, "CALL_CLOSED", after=closed, timeout=HANG)
        self.said.clear()
        await asyncio.to_thread(self.phone.wait_for, "CALL_ESTABLISHED", after=closed, timeout=HANG)
        await self.it_is_me()
        if first:
            await self.choose("consent:yes")
            return
        # The checked call offers a PIN first (handlers/numbers/phone_pin.py): "2" goes on.
        await until(
            lambda: any(
                isinstance(item, Message) and LATER in [data for _, data in numbered(item.buttons)]
                for item in self.said
            ),
            "the PIN offered",
        )
        await asyncio.to_thread(self.phone.press, "2")

    async def hear_call_back(self, worker: OutboxWorker) -> None:
        """The outbox worker's round calls the resident; "1" to the question who is there,
        then the messages and the question after them played in that call, the handset
        hangs up (the question is the third thing played in it)."""
        self.calling_back = None
        await worker.run_once()
        await self.it_is_me()
        await until(
            lambda: self.calling_back is not None and self.played[self.calling_back] >= 3,
            "the call-back said its messages",
        )
        await self.hang_up()
        await self.bot.calling.settled()
        await worker.run_once()  # the items heard are marked sent


class Texter:
    """The same number's texts through Kannel: sends one, reads the answers, types the
    number of a choice (labels as the bot wrote them, in German)."""

    def __init__(self, sms: CountingSms, network: FakePhoneNetwork, sent: Callable[[], int]):
        self.sms = sms
        self.network = network
        self.sent = sent
        self.new: list[str] = []

    @property
    def texts(self) -> list[str]:
        return [text.text for text in self.network.texts_to(RESIDENT)]

    async def arrived(self) -> None:
        await until(lambda: len(self.texts) == self.sent(), "the texts reached the phone")

    async def say(self, text: str) -> list[str]:
        before = len(self.texts)
        handled = self.sms.handled
        await asyncio.to_thread(self.network.send, RESIDENT, text)
        await until(lambda: self.sms.handled > handled, "the text was handled")
        await self.arrived()
        self.new = self.texts[before:]
        return self.new

    async def choose(self, label: str) -> list[str]:
        for text in reversed(self.new):
            for line in text.splitlines():
                number, _, shown = line.partition(" ")
                if number.isdigit() and shown.endswith(label):
                    return await self.say(number)
        raise AssertionError(f"no choice {label!r} in {self.new!r}")


@pytest.fixture
async def made(
    db: Database, kamailio: KamailioServer, phones: PhoneFactory, start_kannel: KannelStarter
) -> AsyncIterator[tuple[Dispatcher, Handset, Texter, MemoryTransport, OutboxWorker]]:
    settings = HandlerSettings(
        city="Dortmund",
        max_text_length=500,
        backchannels=frozenset({("memory", GROUP)}),
        channels=channels("phone", "sms"),
    )
    dispatcher = Dispatcher(db, build_router(), settings)
    phone = await asyncio.to_thread(phones, RESIDENT, answer=True, pad_seconds=ON_THE_LINE_SECONDS)
    bot = PhoneTransport(
        dispatcher.ports,
        bot_account(kamailio, outbound_proxy=kamailio.registrar_uri),
        calling_back=CallBackSettings(
            domain=f"{HOST}:{phone.sip_port}", ring_seconds=20, policy=Policy(quiet=None)
        ),
    )
    # Wired as a city wires it: the features get its check calls and bridged calls.
    dispatcher.settings = composed(dispatcher.settings, [bot])
    sms = CountingSms(
        dispatcher.ports,
        db,
        CountingKannel("http://127.0.0.1:9", "", "", "", SECRET),
        Budget(db, 10_000, settings.backchannels),
    )
    await sms.connect()
    try:
        kannel, network = await asyncio.to_thread(
            start_kannel, f"http://127.0.0.1:{sms.port}/sms", secret=SECRET
        )
        gateway = CountingKannel(
            kannel.sendsms_url.removesuffix("/cgi-bin/sendsms"),
            kannel.username,
            kannel.password,
            kannel.bot_number,
            SECRET,
        )
        sms.gateway = gateway
        await bot.connect()
        try:
            await asyncio.wait_for(bot.registered.wait(), 20)
            story = MemoryTransport(dispatcher)
            worker = OutboxWorker(db, [story, sms, bot], chain=dispatcher.chain)
            yield (
                dispatcher,
                Handset(phone, bot, kamailio),
                Texter(sms, network, lambda: gateway.sent.total()),
                story,
                worker,
            )
        finally:
            await bot.stop()
    finally:
        await sms.stop()


async def _outbox_to_resident(db: Database) -> list[tuple[str, str | None]]:
    """(platform, sent at) of every outbox item for the resident, oldest first."""
    rows = await db.fetch_all(
        "SELECT platform, sent_at FROM outbox WHERE chat_id = ? ORDER BY id", (RESIDENT,)
    )
    return [(row[0], row[1]) for row in rows]


async def test_called_first_then_texts_one_person_whose_notices_follow_the_chosen_channel(
    made: tuple[Dispatcher, Handset, Texter, MemoryTransport, OutboxWorker],
    db: Database,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    # Her two calls are each checked by a call-back, minutes apart: the half hour a number
    # waits between two check calls is check_calls.py's own tests' (test_check_calls.py).
    monkeypatch.setattr(check_calls, "GAP", timedelta(0))
    dispatcher, handset, texter, story, worker = made

    # A call: German by keypress, the settings - checked by a call-back, whose privacy
    # notice is agreed to.
    await handset.call()
    await handset.choose("lang:de")
    # Every call from a number is checked first: the settings ask her PIN or "#"; "#", the
    # call-back, "1", the notice (whoever answers has not heard it), her own "I agree".
    await handset.choose("menu:settings")
    await handset.checked(first=True)
    await handset.choose("menu:main")  # the settings were said: agreed
    await handset.hang_up()
    resident = await db.users.find("phone", RESIDENT)
    assert resident is not None and resident.language == "de" and resident.consent_at

    # A text from the same number: the same person, answered in German at once - and in
    # the easy texts a person starts with on the phone (their setting, not the channel's).
    answer = "\n".join(await texter.say("Hallo"))
    assert resident.easy_language
    assert "Sollen Nachbarn Ihnen dabei helfen?" in answer
    assert "Sprache" not in answer and "Datenschutz" not in answer
    assert await db.users.find("sms", RESIDENT) == await db.users.get(resident.id)
    # From here on the usual texts, as the person may choose in the settings (the labels
    # below are the usual ones).
    await db.users.set_easy_language(resident.id, False)

    # Their request is published: the notice comes as a call, the channel used first.
    await story.onboard("cora", "de")
    cora = await grant_role_to(db, "cora", "coordinator")
    vera = await register_volunteer(story, db, "vera")
    await db.volunteers.verify(vera, vera)
    scene = Backstage(db, dispatcher.settings)
    async with db.transaction():
        request = await lifecycle.submit(
            scene,
            resident,
            {
                "category": "shopping",
                "description": "Einkauf am Nordmarkt",
                "stadtbezirk": "Innenstadt-Nord",
                "lat": 51.523,
                "lon": 7.456,
                "languages": ("de",),
            },
        )
        await lifecycle.publish(scene, await db.users.get(cora), request.id)
    texted = len(texter.texts)
    await handset.hear_call_back(worker)
    # the call-back that checked her first call, this one
    assert handset.bot.calling.outcomes == [(RESIDENT, "heard")] * 2
    assert [platform for platform, sent in await _outbox_to_resident(db) if sent] == ["phone"]
    assert len(texter.texts) == texted

    # By SMS: the menu (the last answer's easy "Menü"), Einstellungen, "Schicken Sie mir
    # SMS". Who comes comes as a text.
    await texter.choose("Menü")
    await texter.choose("Einstellungen")
    assert "Nachrichten für Sie kommen als Anruf" in "\n".join(texter.new)
    # A text's sender can be forged: the change waits for the code texted to the number.
    asked = "\n".join(await texter.choose("Schicken Sie mir SMS"))
    (code,) = [code_in(asked)]
    chosen = "\n".join(await texter.say(code))
    assert "Ab jetzt schicke ich Ihnen Nachrichten als SMS" in chosen
    async with db.transaction():
        await lifecycle.accept(scene, await db.users.get(vera), request.id)
    await worker.run_once()
    await texter.arrived()
    assert "Vera" in "\n".join(texter.texts[texted:])
    assert handset.bot.calling.outcomes == [(RESIDENT, "heard")] * 2  # no call

    # A call again: the languages, as any caller's (a caller ID proves nothing, and tells
    # nothing of her); the settings wait for her PIN or a call-back to the number - "#" -,
    # which begins with her settings; then "Rufen Sie mich an" by keypress. Vera's next
    # message comes as a call.
    await handset.call()
    await handset.choose("lang:de")
    await handset.choose("menu:settings")
    await handset.checked()
    await handset.choose("reach:phone")
    await until(
        lambda: any(
            "Ab jetzt rufe ich Sie an" in str(getattr(i, "text", "")) for i in handset.said
        ),
        "the choice answered",
    )
    await handset.hang_up()
    texted = len(texter.texts)
    await story.text("vera", "Ich komme um 10 Uhr.")
    await handset.hear_call_back(worker)
    # the two call-backs that checked her calls, the two with messages
    assert handset.bot.calling.outcomes == [(RESIDENT, "heard")] * 4
    assert len(texter.texts) == texted
    platforms = [platform for platform, sent in await _outbox_to_resident(db) if sent]
    assert platforms[0] == "phone" and platforms[-1] == "phone" and "sms" in platforms
    assert (
        len(await db.fetch_all("SELECT id FROM users WHERE platform_user_id = ?", (RESIDENT,))) == 1
    )
    # The number is in no log line.
    assert RESIDENT not in caplog.text and RESIDENT[1:] not in caplog.text
