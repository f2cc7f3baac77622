"""The port every speech engine implements, and what it hands back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from bot.speech.arabic import for_espeak, vocalised
from bot.speech.diacritiser import filled


@dataclass(frozen=True)
class Audio:
    """Mono samples (float32, -1 … 1) at ``rate`` per second."""

    samples: np.ndarray
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate if self.rate else 0.0


class SpeechError(Exception):
    """The engine could not say the text (down, refused, garbage, too slow)."""


class NoVoice(SpeechError):
    """The engine has no voice for the language."""


class Refused(SpeechError):
    """The engine answered, and not with speech: it will not say this (an unknown voice,
    a refused key), unlike one that is away or slow for now."""


class SpeechEngine(Protocol):
    name: str

    async def languages(self, wanted: tuple[str, ...]) -> frozenset[str]:
        """Which of ``wanted`` the engine really speaks (checked, not assumed); why each
        other one is not spoken may be said in an attribute ``why_not`` (language: why)."""

    async def speak(self, text: str, lang: str) -> Audio:
        """``text`` said in ``lang``; raise :class:`SpeechError`."""

    async def close(self) -> None:
        """Let go of what the engine holds."""


def written_for_the_voice(text: str, lang: str) -> str:
    """``text`` as an engine is given it: Arabic with the vowels of the bot's words written
    in, as eSpeak NG's Arabic (and the voices that use its phonemes, Piper's among them)
    says an unvocalised word it does not know as consonants only (bot/speech/arabic.py),
    and the words written at run time (a place's name, a relayed message) vocalised by a
    diacritiser (bot/speech/diacritiser.py). Some milliseconds a line: an engine calls it
    off the event loop."""
    return for_espeak(filled(vocalised(text))) if lang == "ar" else text
