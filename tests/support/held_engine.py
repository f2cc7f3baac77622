"""A speech engine that says each text only when the test lets it: the order in which the
one engine is given its texts, and what waits meanwhile, are then seen by what happened,
never by timing. The real engines are tested in tests/bot/speech/test_engines.py."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np

from bot.speech.engine import Audio

# A hang detector: on a working system every wait here ends at once; a wait this long
# means something that should have happened did not.
HANG = 60.0
# The speaker's time-out for a held engine: never before the hang detector.
NEVER = 10 * HANG


class HeldEngine:
    name = "held"
    parallel = 1

    def __init__(self, *, held: bool = True) -> None:
        self.held = held
        # Each text the engine was asked to say, in order, with what lets it finish, and
        # the language of the voice asked for.
        self.calls: list[tuple[str, asyncio.Event]] = []
        self.voices: list[str] = []

    async def languages(self, wanted: tuple[str, ...]) -> frozenset[str]:
        return frozenset(wanted)

    async def speak(self, text: str, lang: str) -> Audio:
        go = asyncio.Event()
        self.calls.append((text, go))
        self.voices.append(lang)
        if self.held:
            await go.wait()
        # A tenth of a second of near silence, different per text (so its audio is too).
        samples = np.full(2400, (len(text) % 97) / 1000, dtype=np.float32)
        return Audio(samples, 24_000)

    async def close(self) -> None:
        return None

    @property
    def said(self) -> list[str]:
        return [text for text, _ in self.calls]

    def release(self, index: int) -> None:
        self.calls[index][1].set()

    def release_all(self) -> None:
        self.held = False
        for _, go in self.calls:
            go.set()

    async def until(self, happened: Callable[[], bool]) -> None:
        """Wait until ``happened()``, or fail as a hang."""

        async def waiting() -> None:
            while not happened():
                await asyncio.sleep(0.01)

        await asyncio.wait_for(waiting(), HANG)
