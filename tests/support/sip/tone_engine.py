"""``ToneEngine``: a speech engine (bot/speech/engine.py's port) that says anything as a
tone as long as its words, and notes what it was asked to say - for the phone tests'
prompts, so that the words said are known and no prompt is long."""

from __future__ import annotations

import numpy as np

from bot.speech.engine import Audio


class ToneEngine:
    """Says anything as a tone as long as its words (a speech engine's port); ``said``:
    each (language, text) it was asked for, in order."""

    name = "tone"

    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []

    async def languages(self, wanted: tuple[str, ...]) -> frozenset[str]:
        return frozenset(wanted)

    async def speak(self, text: str, lang: str) -> Audio:
        self.said.append((lang, text))
        moment = np.arange(len(text) * 100) / 22050
        return Audio((0.3 * np.sin(2 * np.pi * 440 * moment)).astype(np.float32), 22050)

    async def close(self) -> None:
        pass
