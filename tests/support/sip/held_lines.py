"""The bot's lines behind its SIP edge with held callers (HeldCallers), as the tests of a
line's or the edge's end use them (tests/bot/transports/phone/sip/): a registrar of the
test's own (no contact left from another test), the phone connected for callers who press
no key and send no audio, and a wait for what a thread can see (SIPp's log, a process)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from bot.speech.turns import Turns
from bot.transports.phone.calls.answering_settings import CallSettings
from bot.transports.phone.sip.line_pool import Lines
from bot.transports.phone.transport import PhoneTransport
from bot.transports.phone.words.speech_files import Prompts
from handlers.dispatcher import Dispatcher
from locales import SUPPORTED_LANGUAGES
from tests.support.sip.fixtures import BOT_PASSWORD, BOT_USER, bot_account
from tests.support.sip.kamailio import KamailioServer
from tests.support.sip.sipp import HeldCallers
from tests.support.sip.tone_engine import ToneEngine

# Nobody is said goodbye for pressing no key while a test runs.
PATIENT = CallSettings(idle_seconds=3600)
# The longest wait for something that must come (a loaded machine; never waited out when
# things go right).
PATIENCE = 120.0


@contextmanager
def own_registrar() -> Iterator[KamailioServer]:
    server = KamailioServer(users={BOT_USER: BOT_PASSWORD})
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def held_phone(
    dispatcher: Dispatcher, registrar: KamailioServer, lines: int
) -> tuple[PhoneTransport, Lines]:
    """The phone with ``lines`` lines, connected and registered at ``registrar``; no RTP
    timeout (held callers send no audio). Its prompts (the busy notice too) are the tone
    engine's: said in a moment, not made by eSpeak at each start."""
    settings = bot_account(registrar, rtp_timeout_seconds=3600)
    phone = PhoneTransport(
        dispatcher.ports,
        settings,
        prompts=Prompts(ToneEngine(), Turns(1), rate=settings.clock_rate),
        voices=frozenset(SUPPORTED_LANGUAGES),
        lines=lines,
        in_call=PATIENT,
    )
    await phone.connect()
    stack = phone.stack
    assert isinstance(stack, Lines)
    return phone, stack


def wait_until(found: Callable[[], bool], what: str) -> None:
    """Until ``found()`` says yes (in a thread: ``asyncio.to_thread(wait_until, …)``)."""
    deadline = time.monotonic() + PATIENCE
    while not found():
        if time.monotonic() > deadline:
            raise AssertionError(f"never: {what}")
        time.sleep(0.05)


async def all_answered(phone: PhoneTransport, callers: HeldCallers, count: int) -> None:
    """Once ``phone`` is registered, ``callers`` started and every one of ``count`` answered."""
    await asyncio.wait_for(phone.registered.wait(), 60)
    callers.start()
    answered = await asyncio.to_thread(callers.wait_for, count)
    assert answered == {n: ["answered"] for n in range(1, count + 1)}, callers.stop().errors
