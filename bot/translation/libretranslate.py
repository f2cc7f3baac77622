"""The LibreTranslate engine: a self-hosted LibreTranslate server over its HTTP API.

``POST /translate`` with JSON ``{"q", "source", "target", "format": "text", "api_key"}``
answers ``{"translatedText": ...}``; ``GET /languages`` lists ``{"code", "name",
"targets"}``. Errors are JSON ``{"error": ...}``: 400 (bad request, text too long, and also a
missing API key: "Visit ... to get an API key"), 403 (an invalid key, or the client banned for
too many limit violations), 429 (the server's rate limit), 500. One attempt per call: retrying
is the caller's decision, and a slow server must not hold a delivery for several timeouts.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from bot.translation.engine import EngineError

# The bot's codes where LibreTranslate's differ (none of the ten languages do: Argos models
# use ISO 639-1 for de, en, ar, tr, uk, ru, ro, bg, pl and fa alike).
_TO_ENGINE: dict[str, str] = {}
_FROM_ENGINE = {engine: bot for bot, engine in _TO_ENGINE.items()}


class LibreTranslate:
    name = "libretranslate"

    def __init__(self, url: str, api_key: str | None = None, timeout: float = 5.0) -> None:
        self._api_key = api_key or None
        self._timeout = timeout
        self._client = httpx.AsyncClient(base_url=url.rstrip("/"), timeout=timeout)

    async def translate(self, text: str, source: str, target: str) -> str:
        payload: dict[str, Any] = {
            "q": text,
            "source": _TO_ENGINE.get(source, source) or "auto",
            "target": _TO_ENGINE.get(target, target),
            "format": "text",
        }
        if self._api_key:
            payload["api_key"] = self._api_key
        body = await self._call("POST", "/translate", json=payload)
        translated = body.get("translatedText") if isinstance(body, dict) else None
        if not isinstance(translated, str) or not translated.strip():
            raise EngineError("garbage", "no translatedText in the answer")
        return translated

    async def languages(self) -> set[str]:
        body = await self._call("GET", "/languages")
        if not isinstance(body, list):
            raise EngineError("garbage", "/languages is not a list")
        codes: set[str] = set()
        for entry in body:
            if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
                raise EngineError("garbage", "/languages entry without a code")
            targets = entry.get("targets")
            # Servers before 1.3 list no targets: every language is then also a target.
            found = targets if isinstance(targets, list) else [entry["code"]]
            codes.update(code for code in found if isinstance(code, str))
        return {_FROM_ENGINE.get(code, code.lower()) for code in codes}

    async def close(self) -> None:
        await self._client.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            # httpx's timeout is per read; this bounds the whole exchange.
            async with asyncio.timeout(self._timeout):
                response = await self._client.request(method, path, **kwargs)
        except (TimeoutError, httpx.TimeoutException) as error:
            raise EngineError("down", "timed out") from error
        except httpx.HTTPError as error:
            raise EngineError("down", type(error).__name__) from error
        if response.status_code != 200:
            raise _error(response)
        try:
            return response.json()
        except ValueError as error:
            raise EngineError("garbage", "the answer is not JSON") from error


def _error(response: httpx.Response) -> EngineError:
    status = response.status_code
    if status >= 500:
        # A 500's message can quote what the model choked on: not kept.
        return EngineError("down", f"HTTP {status}")
    message = _server_message(response)
    detail = f"HTTP {status}: {message}" if message else f"HTTP {status}"
    if status == 429:
        return EngineError("quota", detail)
    if status == 403:
        # Also the ban LibreTranslate gives after repeated rate-limit violations.
        kind = "quota" if "too many" in message.lower() else "key"
        return EngineError(kind, detail)
    if status == 400 and "api key" in message.lower():
        return EngineError("key", detail)
    return EngineError("refused", detail)


def _server_message(response: httpx.Response) -> str:
    """The ``error`` of a 4xx answer (fixed texts: limits, key, unsupported language)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    message = body.get("error") if isinstance(body, dict) else None
    return message[:200] if isinstance(message, str) else ""
