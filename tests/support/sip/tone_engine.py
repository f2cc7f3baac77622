"""``ToneEngine``: a speech engine (bot/speech/engine.py's port) that says anything as a
tone as long as its words, and notes what it was asked to say - for the phone tests'
prompts, so that the words said are known and no prompt is long. ``tone_prompts()``: a
phone line's prompts in its tones."""

from __future__ import annotations

import numpy as np

from bot.speech.engine import Audio
from bot.speech.turns import Turns
from bot.transports.phone.sip.call_control import StackSettings
from bot.transports.phone.words.speech_files import Prompts

# The tone's length for each letter of the text (seconds): 100 samples at 22050 Hz.
LETTER_SECONDS = 100 / 22050


class ToneEngine:
    """Says anything as a tone as long as its words (a speech engine's port); ``said``:
    each (language, text) it was asked for, in order. ``letter_seconds``: the tone's
    length for each letter (a test that listens to a prompt for a while gives it longer)."""

    name = "tone"

    def __init__(self, letter_seconds: float = LETTER_SECONDS) -> None:
        self.said: list[tuple[str, str]] = []
        self.letter_samples = round(letter_seconds * 22050)

    async def languages(self, wanted: tuple[str, ...]) -> frozenset[str]:
        return frozenset(wanted)

    async def speak(self, text: str, lang: str) -> Audio:
        self.said.append((lang, text))
        moment = np.arange(len(text) * self.letter_samples) / 22050
        return Audio((0.3 * np.sin(2 * np.pi * 440 * moment)).astype(np.float32), 22050)

    async def close(self) -> None:
        pass


def tone_prompts(rate: int = StackSettings.clock_rate) -> Prompts:
    """A phone line's prompts said by a ``ToneEngine``, at the call's clock ``rate``."""
    return Prompts(ToneEngine(), Turns(1), rate=rate)
