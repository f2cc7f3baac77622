"""The port every translation engine implements, and how an engine fails.

An engine is a thin client of one service's HTTP API: it sends one (already masked) text and
returns the translation, or raises :class:`EngineError`. Everything around it (masking,
cache, budget, timeout, what the reader sees when it fails) is the service's job
(``bot/translation/service.py``), so a new engine is only its API calls.
"""

from __future__ import annotations

from typing import Protocol


class EngineError(Exception):
    """The engine could not translate: ``kind`` says why, for the counters and ``doctor``:
    "down" (not reachable, 5xx, timeout), "refused" (4xx: bad request, text too long),
    "key" (the API key is missing or wrong), "quota" (the service's own limit is used up),
    "garbage" (an answer that is not a translation). The message never quotes the text."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


class Engine(Protocol):
    # A short name for logs, metrics and doctor: "libretranslate", "deepl".
    name: str

    async def translate(self, text: str, source: str, target: str) -> str:
        """``text`` from ``source`` into ``target`` (ISO 639-1 codes as the bot uses them:
        "de", "ar", "fa" ...; ``source`` "" lets the engine detect it). Raises EngineError."""
        ...

    async def languages(self) -> set[str]:
        """The target languages the engine offers, as the bot's codes. Raises EngineError
        (this is also how ``doctor`` finds out that the service is reachable and the key is
        valid)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
