"""A fake LibreTranslate server on 127.0.0.1, speaking its documented HTTP API.

``POST /translate`` and ``POST /detect`` (JSON or form fields ``q``, ``source``, ``target``,
``format``, ``api_key``), ``GET /languages``. Like LibreTranslate with API keys switched on:
no key is a 400 ("Visit ... to get an API key"), a wrong one a 403 ("Invalid API key");
``/languages`` needs none. Errors are ``{"error": ...}``; the rate limit is a 429 "Slowdown:
...". Modes and the translation: see ``tests/support/fake_translator.py``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.support.fake_translator import LANGUAGES, Call, FakeTranslator, guess_language

NAMES = {
    "de": "German",
    "en": "English",
    "ar": "Arabic",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ru": "Russian",
    "ro": "Romanian",
    "bg": "Bulgarian",
    "pl": "Polish",
    "fa": "Persian",
}


class FakeLibreTranslate(FakeTranslator):
    def routes(self, app: web.Application) -> None:
        app.router.add_post("/translate", self._translate)
        app.router.add_post("/detect", self._detect)
        app.router.add_get("/languages", self._languages)

    async def _translate(self, request: web.Request) -> web.StreamResponse:
        fields = await _fields(request)
        refusal = await self._refusal(fields)
        if refusal is not None:
            return refusal
        text, source, target = fields.get("q"), fields.get("source"), fields.get("target")
        for name, value in (("q", text), ("source", source), ("target", target)):
            if not isinstance(value, str) or not value:
                return _error(400, f"Invalid request: missing {name} parameter")
        assert isinstance(text, str) and isinstance(source, str) and isinstance(target, str)
        for code in (source if source != "auto" else "de", target):
            if code not in LANGUAGES:
                return _error(400, f"{code} is not supported")
        self.calls.append(Call(text, source, target))
        if self.mode == "malformed":
            # Every other time not JSON at all (a proxy's error page), else JSON without
            # the translation.
            if len(self.calls) % 2:
                return web.Response(text="<html>Bad gateway</html>", content_type="text/html")
            return web.json_response({"translated": text})
        answer: dict[str, Any] = {"translatedText": self.translation(text, target)}
        if source == "auto":
            answer["detectedLanguage"] = {"confidence": 90.0, "language": guess_language(text)}
        return web.json_response(answer)

    async def _detect(self, request: web.Request) -> web.StreamResponse:
        fields = await _fields(request)
        refusal = await self._refusal(fields)
        if refusal is not None:
            return refusal
        text = fields.get("q")
        if not isinstance(text, str) or not text:
            return _error(400, "Invalid request: missing q parameter")
        return web.json_response([{"confidence": 90.0, "language": guess_language(text)}])

    async def _languages(self, request: web.Request) -> web.StreamResponse:
        await self.arrive()
        if self.mode == "5xx":
            return _error(500, "Internal server error")
        if self.mode == "malformed":
            return web.Response(text="<html>It works!</html>", content_type="text/html")
        return web.json_response(
            [
                {"code": code, "name": NAMES[code], "targets": [t for t in LANGUAGES if t != code]}
                for code in LANGUAGES
            ]
        )

    async def _refusal(self, fields: dict[str, Any]) -> web.StreamResponse | None:
        """Key check, then the modes that answer without translating."""
        await self.arrive()
        if self.api_key is not None:
            given = fields.get("api_key")
            if not given:
                return _error(400, "Visit https://portal.libretranslate.com to get an API key")
            if given != self.api_key:
                return _error(403, "Invalid API key")
        if self.mode == "5xx":
            return _error(500, "Cannot translate text: model crashed")
        if self.mode == "quota":
            return _error(429, "Slowdown: 1 per 1 minute")
        if self.mode == "4xx":
            return _error(400, "Invalid request: request (5001) exceeds text limit (5000)")
        return None


async def _fields(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        body = await request.json()
        return body if isinstance(body, dict) else {}
    return dict(await request.post())


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
