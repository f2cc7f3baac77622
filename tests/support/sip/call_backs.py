"""The bot calling a phone resident back in the phone tests: the line that calls back
through Kamailio with a test's clock (``call_back_line``), what it tells its stack to play
(``Saying``), the phone hanging up (``hang_up``), one round of the outbox worker
(``outbox_round``), and a platform's voice messages (``TelegramFiles``). The resident is
``RESIDENT``, the coordinators' backchannel ``BACKCHANNEL``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np

from bot.city_service import composed
from bot.delivery import OutboxWorker
from bot.speech.engine import Audio
from bot.speech.opus import ogg_opus
from bot.transports.phone.calls.answering_settings import CallSettings
from bot.transports.phone.calls.outbox_calls import LISTEN_SECONDS, CallBackSettings
from bot.transports.phone.calls.when_to_call_again import Policy
from bot.transports.phone.transport import PhoneTransport
from bot.transports.phone.words.speech_files import Prompts
from handlers.dispatcher import Dispatcher
from locales import SUPPORTED_LANGUAGES
from tests.support.clock import Clock
from tests.support.sip.audio import segments
from tests.support.sip.baresip import BaresipCaller
from tests.support.sip.fixtures import bot_account
from tests.support.sip.kamailio import KamailioServer

# The phone resident the bot calls back.
RESIDENT = "+492319876543"
# The coordinators' backchannel of ``call_back_line``.
BACKCHANNEL = ("telegram", "-1001")
# How long the answering phone's (silent) WAV lasts: baresip ends the call when it runs
# out, and the phone should stay on the line until the test hangs up.
ON_THE_LINE_SECONDS = 600


async def call_back_line(
    dispatcher: Dispatcher,
    kamailio: KamailioServer,
    domain: str,
    clock: Clock,
    *,
    attempts: int = 2,
    ring_seconds: float = 20,
    in_call: CallSettings | None = None,
    prompts: Prompts | None = None,
    listen_seconds: float = LISTEN_SECONDS,
) -> PhoneTransport:
    """The phone line registered at Kamailio (its outbound proxy too), calling back at
    ``sip:<number>@domain`` (the answering phone's address) by ``clock``: ``attempts`` tries
    half an hour apart, each ringing ``ring_seconds``; the phone platform is heard, the
    coordinators' backchannel is ``BACKCHANNEL``. ``prompts``: the speech of its prompts
    (None: the configured engine, eSpeak NG); ``listen_seconds``: how long it waits for a key
    after a question."""
    dispatcher.settings = replace(
        dispatcher.settings,
        backchannels=frozenset({BACKCHANNEL}),
    )
    settings = bot_account(kamailio, outbound_proxy=kamailio.registrar_uri)
    calling_back = CallBackSettings(
        domain=domain,
        ring_seconds=ring_seconds,
        listen_seconds=listen_seconds,
        policy=Policy(attempts=attempts, pause=timedelta(minutes=30)),
    )
    bot = PhoneTransport(
        dispatcher.ports,
        settings,
        calling_back=calling_back,
        clock=clock,
        in_call=in_call,
        prompts=prompts,
        voices=frozenset() if prompts is None else frozenset(SUPPORTED_LANGUAGES),
    )
    # Wired as a city wires it: the features get its check calls and bridged calls.
    dispatcher.settings = composed(dispatcher.settings, [bot])
    await bot.connect()
    await asyncio.wait_for(bot.registered.wait(), 20)
    return bot


class Saying:
    """What the bot tells its stack to play in the call, as it tells it (``stack.say``
    wrapped; ``keep`` sees each list of prompts first): ``next()`` waits for the next, and
    fails when the call-back ends first."""

    def __init__(
        self, bot: PhoneTransport, keep: Callable[[list[Path]], None] = lambda prompts: None
    ) -> None:
        self.bot = bot
        self.said: list[list[Path]] = []
        self._told: asyncio.Queue[list[Path]] = asyncio.Queue()
        saying = bot.stack.say

        def say(call_id: int, prompts: list[Path]) -> None:
            keep(prompts)
            self.said.append(prompts)
            self._told.put_nowait(prompts)
            saying(call_id, prompts)

        bot.stack.say = say  # type: ignore[method-assign]

    async def next(self) -> list[Path]:
        told = asyncio.ensure_future(self._told.get())
        over = asyncio.ensure_future(self.bot.calling.settled())
        # The timeout guards against a hung test; it is no bound on the bot's speed.
        await asyncio.wait({told, over}, timeout=120, return_when=asyncio.FIRST_COMPLETED)
        over.cancel()
        if not told.done():
            told.cancel()
            raise AssertionError(f"the call ended first: {self.bot.calling.outcomes}")
        return told.result()


async def hang_up(phone: BaresipCaller) -> None:
    """Hang up, and check that the phone heard the bot speak in the call."""
    closed = len(phone.events)
    await asyncio.to_thread(phone.hangup)
    await asyncio.to_thread(phone.wait_for, "CALL_CLOSED", after=closed)
    assert segments(await asyncio.to_thread(phone.heard)), "the phone heard nothing"


async def outbox_round(worker: OutboxWorker, bot: PhoneTransport, clock: Clock) -> None:
    """One pass of the worker, the call it started to its end, and the time moved on past
    the worker's next look at the items."""
    await worker.run_once()
    await bot.calling.settled()
    clock.pass_(seconds=10)


class TelegramFiles:
    """Telegram's side of a relayed voice message: its OGG/Opus (a tone of ``seconds``)
    by file id; ``fetched``: the file ids asked for."""

    platform = "telegram"

    def __init__(self, seconds: float) -> None:
        moment = np.arange(int(seconds * 24000)) / 24000
        tone = (0.4 * np.sin(2 * np.pi * 300 * moment)).astype(np.float32)
        self.voice = ogg_opus(Audio(tone, 24000))
        self.fetched: list[str] = []

    async def fetch_media(self, file_id: str) -> tuple[bytes, str]:
        self.fetched.append(file_id)
        return self.voice, "audio/ogg"
