"""The phone line without its SIP stack, for what keys do in a call through the real
dispatcher and database: ``keypad_phone(dispatcher)`` gives the line, the call of
``CALLER`` in it, and the ``PlayedStack`` that notes what would be played; ``looping``
runs the call's loop and presses its keys, ``taken`` reads what they meant; ``hearing``
notes the words of every prompt said from then on, and ``known_caller`` makes the caller
one who chose a language and agreed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from bot.city_service import composed
from bot.speech.script import Part
from bot.speech.turns import Turns
from bot.transports.phone.calls.answered_call import converse
from bot.transports.phone.calls.verbs import CallRunner
from bot.transports.phone.sip.call_control import CallEvent
from bot.transports.phone.sip.stack import StackSettings
from bot.transports.phone.transport import Call, PhoneTransport
from bot.transports.phone.words.speech_files import Prompts
from db import Database
from handlers.dispatcher import Dispatcher
from handlers.messages import Command
from locales import SUPPORTED_LANGUAGES
from tests.support.sip.tone_engine import ToneEngine

# The caller in the call of ``keypad_phone`` (call id 7).
CALLER = "+492311234567"


class PlayedStack:
    """What the transport asks the SIP stack to play, per call."""

    def __init__(self) -> None:
        self.played: list[list[Path]] = []

    def say(self, call_id: int, prompts: list[Path]) -> None:
        self.played.append(list(prompts))

    def hush(self, call_id: int) -> None:
        pass

    def hang_up(self, call_id: int) -> None:
        self.played.append([])


@contextlib.asynccontextmanager
async def looping(
    phone: PhoneTransport, call: Call, stack: PlayedStack, *, audio_on: bool = True
) -> AsyncIterator[Callable[[str], None]]:
    """``call`` run by its loop (answered_call.py) on a runner of ``stack``'s, as a call
    that came is - its audio on, or (``audio_on`` False) not yet, until the test tells it;
    what it gives presses keys in the call (fed to the runner as the SIP stack feeds
    them). The call's updates are not taken (but after an audio on told): its ``keys``
    hold them."""
    runner = call.runner = CallRunner(stack, call.call_id)  # type: ignore[arg-type]
    loop = asyncio.create_task(converse(runner, call, phone, answered=audio_on))

    def press(keys: str) -> None:
        for key in keys:
            phone._on_event(CallEvent("key", call.call_id, key))

    try:
        yield press
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop


async def taken(call: Call, count: int) -> list[object]:
    """The first ``count`` things the caller's keys meant (the call's updates to take),
    once there (bounded by a generous wait: a busy machine is slow, never wrong)."""
    for _ in range(2000):
        if call.keys.qsize() >= count:
            break
        await asyncio.sleep(0.01)
    return [call.keys.get_nowait() for _ in range(min(count, call.keys.qsize()))]


def keypad_phone(dispatcher: Dispatcher) -> tuple[PhoneTransport, Call, PlayedStack]:
    """The phone line (the tone engine's prompts, the phone platform heard) with a
    ``PlayedStack`` for its SIP stack, and ``CALLER``'s call 7 in it; the test closes its
    prompts (``phone.prompts.close()``)."""
    prompts = Prompts(ToneEngine(), Turns(1), rate=8000)
    phone = PhoneTransport(
        dispatcher.ports, StackSettings(), prompts=prompts, voices=frozenset(SUPPORTED_LANGUAGES)
    )
    # Wired as a city wires it: the features get its check calls and bridged calls.
    dispatcher.settings = composed(dispatcher.settings, [phone])
    stack = PlayedStack()
    phone.stack = phone.voice.stack = stack  # type: ignore[assignment]
    call = Call(7, CALLER)  # a call that is up (its loop, ``looping``, knows its audio on)
    phone._calls[7] = call
    phone._by_chat.renamed(call)
    return phone, call, stack


def hearing(phone: PhoneTransport) -> list[tuple[Part, ...]]:
    """The words of each prompt ``phone`` makes from now on, in order (a list that grows)."""
    assert phone.prompts is not None
    said: list[tuple[Part, ...]] = []
    made = phone.prompts.file

    async def noting(words: tuple[Part, ...], *, lasting: bool = False) -> Path:
        said.append(words)
        return await made(words, lasting=lasting)

    phone.prompts.file = noting  # type: ignore[method-assign]
    return said


async def known_caller(
    phone: PhoneTransport, call: Call, db: Database, lang: str, *, easy: bool = False
) -> None:
    """``CALLER`` in ``call`` as one who chose ``lang`` (and easy language, or not) and
    agreed to the notice."""
    await phone.meant(call, Command("start"))
    user = await db.users.find("phone", CALLER)
    assert user is not None
    await db.users.set_language(user.id, lang)
    await db.users.set_easy_language(user.id, easy)
    await db.users.record_consent(user.id)
