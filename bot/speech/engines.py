"""The configured speech engine (``[speech]``), and the one embedded engine a process has.

eSpeak NG keeps one global state per process: every city of an installation shares the
one :class:`EspeakEngine` (its calls take turns on one thread).
"""

from __future__ import annotations

from bot.config import SpeechSection
from bot.speech.espeak import EspeakEngine
from bot.speech.http_engine import HttpEngine
from bot.speech.speaker import Speaker

_ESPEAK: EspeakEngine | None = None


def embedded() -> EspeakEngine:
    global _ESPEAK
    if _ESPEAK is None:
        _ESPEAK = EspeakEngine()
    return _ESPEAK


def parse_voices(text: str) -> dict[str, str]:
    """``de=thorsten, ar=kareem`` as a mapping (checked by bot/config.py)."""
    pairs = (part.split("=", 1) for part in text.split(",") if "=" in part)
    return {lang.strip(): voice.strip() for lang, voice in pairs if voice.strip()}


async def speaker_from_config(section: SpeechSection, languages: tuple[str, ...]) -> Speaker | None:
    """The speaker of the configured engine, checked for ``languages``; None when off."""
    if section.engine == "espeak":
        speaker = Speaker(embedded(), timeout_seconds=section.timeout_seconds)
    elif section.engine == "http":
        engine = HttpEngine(
            section.url,
            parse_voices(section.voices),
            model=section.model,
            api_key=section.api_key,
            timeout_seconds=section.timeout_seconds,
        )
        speaker = Speaker(engine, timeout_seconds=section.timeout_seconds)
    else:
        return None
    await speaker.check(languages)
    return speaker
