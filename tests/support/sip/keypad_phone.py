"""The phone line without its SIP stack, for what keys do in a call through the real
dispatcher and database: ``keypad_phone(dispatcher)`` gives the line, the call of
``CALLER`` in it, and the ``PlayedStack`` that notes what would be played; ``hearing``
notes the words of every prompt said from then on, and ``known_caller`` makes the caller
one who chose a language and agreed."""

from __future__ import annotations

from pathlib import Path

from bot.city_service import composed
from bot.speech.script import Part
from bot.speech.turns import Turns
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


def keypad_phone(dispatcher: Dispatcher) -> tuple[PhoneTransport, Call, PlayedStack]:
    """The phone line (the tone engine's prompts, the phone platform heard) with a
    ``PlayedStack`` for its SIP stack, and ``CALLER``'s call 7 in it; the test closes its
    prompts (``phone.prompts.close()``)."""
    prompts = Prompts(ToneEngine(), Turns(1), rate=8000)
    phone = PhoneTransport(
        dispatcher, StackSettings(), prompts=prompts, voices=frozenset(SUPPORTED_LANGUAGES)
    )
    # Wired as a city wires it: the features get its check calls and bridged calls.
    dispatcher.settings = composed(dispatcher.settings, [phone])
    stack = PlayedStack()
    phone.stack = phone.voice.stack = stack  # type: ignore[assignment]
    call = Call(7, CALLER)
    call.audio.on = True  # a call that is up (a test of keys before it sets it off)
    phone._calls[7] = call
    phone._by_chat.renamed(call)
    return phone, call, stack


def hearing(phone: PhoneTransport) -> list[tuple[Part, ...]]:
    """The words of each prompt ``phone`` makes from now on, in order (a list that grows)."""
    assert phone.prompts is not None
    said: list[tuple[Part, ...]] = []
    made = phone.prompts.file

    async def noting(words: tuple[Part, ...]) -> Path:
        said.append(words)
        return await made(words)

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
