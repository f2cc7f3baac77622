"""``ToneEngine``: a speech engine (bot/speech/engine.py's port) that says anything as a
tone as long as its words, and notes what it was asked to say - for the phone tests'
prompts, so that the words said are known and no prompt is long."""

from __future__ import annotations

import numpy as np

from bot.speech.engine import Audio

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
