"""The configured speech engine (``[speech]``), and the one embedded engine a process has.

eSpeak NG keeps one global state per process: every city of an installation shares the
one :class:`EspeakEngine` (its calls take turns on one thread), and so its turns
(bot/speech/turns.py): a chat's voice of any city goes before the web's of any city.
"""

from __future__ import annotations

import asyncio

from bot.speech import diacritiser
from bot.speech.config import SpeechSection
from bot.speech.espeak import EspeakEngine
from bot.speech.http_engine import HttpEngine
from bot.speech.speaker import Speaker
from bot.speech.turns import Turns

_ESPEAK: EspeakEngine | None = None
# The embedded engine's turns, for the event loop they were made in (a process has one).
_ESPEAK_TURNS: tuple[asyncio.AbstractEventLoop, Turns] | None = None


def embedded() -> EspeakEngine:
    global _ESPEAK
    if _ESPEAK is None:
        _ESPEAK = EspeakEngine()
    return _ESPEAK


def embedded_turns() -> Turns:
    """The turns of the embedded engine, shared by every speaker in this process."""
    global _ESPEAK_TURNS
    loop = asyncio.get_running_loop()
    if _ESPEAK_TURNS is None or _ESPEAK_TURNS[0] is not loop:
        _ESPEAK_TURNS = (loop, Turns(EspeakEngine.parallel))
    return _ESPEAK_TURNS[1]


def parse_voices(text: str) -> dict[str, str]:
    """``de=thorsten, ar=kareem`` as a mapping (checked by bot/config.py)."""
    pairs = (part.split("=", 1) for part in text.split(",") if "=" in part)
    return {lang.strip(): voice.strip() for lang, voice in pairs if voice.strip()}


def http_engine(section: SpeechSection) -> HttpEngine:
    """The speech server ``[speech]`` names (engine "http"), its voices as configured."""
    return HttpEngine(
        section.url,
        parse_voices(section.voices),
        model=section.model,
        api_key=section.api_key,
        timeout_seconds=section.timeout_seconds,
    )


async def speaker_from_config(section: SpeechSection, languages: tuple[str, ...]) -> Speaker | None:
    """The speaker of the configured engine, checked for ``languages``; None when off."""
    if section.engine == "espeak":
        speaker = Speaker(
            embedded(), timeout_seconds=section.timeout_seconds, turns=embedded_turns()
        )
    elif section.engine == "http":
        speaker = Speaker(http_engine(section), timeout_seconds=section.timeout_seconds)
    else:
        return None
    if "ar" in await speaker.check(languages):
        # The diacritiser's model loaded now, not while the first caller waits for a
        # relayed Arabic message (about a second, once).
        await asyncio.to_thread(diacritiser.load)
    return speaker
