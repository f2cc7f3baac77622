"""A fake of DeepL's HTTP API v2 on 127.0.0.1, as the ``deepl`` client library calls it.

``POST /v2/translate`` (JSON or form: ``text`` (one or more), ``source_lang``,
``target_lang``, ``enable_beta_languages``), ``GET|POST /v2/languages`` (``type=source`` or
``target``, in the query or the body), ``GET|POST /v2/usage``. The key comes in the header
``Authorization: DeepL-Auth-Key KEY``; a wrong or missing one is a 403. Like DeepL: English
and Portuguese targets need their variant ("EN-GB", "PT-PT"), Persian ("FA") is a beta
language (a 400 without ``enable_beta_languages``, and not listed by ``/v2/languages``), the
quota is a 456, errors are ``{"message": ...}``. Modes and the translation: see
``tests/support/fake_translator.py``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.support.fake_translator import Call, FakeTranslator, guess_language

SOURCES = {
    "DE": "German",
    "EN": "English",
    "AR": "Arabic",
    "TR": "Turkish",
    "UK": "Ukrainian",
    "RU": "Russian",
    "RO": "Romanian",
    "BG": "Bulgarian",
    "PL": "Polish",
    "PT": "Portuguese",
}
TARGETS = {
    **{code: name for code, name in SOURCES.items() if code not in ("EN", "PT")},
    "EN-GB": "English (British)",
    "EN-US": "English (American)",
    "PT-PT": "Portuguese (European)",
    "PT-BR": "Portuguese (Brazilian)",
}
BETA = {"FA": "Persian"}


class FakeDeepL(FakeTranslator):
    def __init__(self, api_key: str | None = "fake-key:fx", character_limit: int = 500_000):
        super().__init__(api_key)
        self.character_limit = character_limit
        self.character_count = 0
        # "quota" mode answers 456 (the billing period's characters are used up) or 429
        # (too many requests at once).
        self.quota_status = 456

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v2/translate", self._translate)
        app.router.add_route("*", "/v2/languages", self._languages)
        app.router.add_route("*", "/v2/usage", self._usage)

    async def _translate(self, request: web.Request) -> web.StreamResponse:
        fields = await _fields(request)
        refusal = await self._refusal(request)
        if refusal is not None:
            return refusal
        texts = fields.get("text")
        texts = [texts] if isinstance(texts, str) else texts
        target = str(fields.get("target_lang") or "").upper()
        source = str(fields.get("source_lang") or "").upper() or None
        beta = fields.get("enable_beta_languages") in (True, "1", "true")
        if not texts or not all(isinstance(text, str) for text in texts):
            return _error(400, "Parameter 'text' not specified.")
        if not target:
            return _error(400, "Value for 'target_lang' not specified.")
        if target in ("EN", "PT"):
            return _error(400, f"Value for 'target_lang' {target} is deprecated.")
        if target not in TARGETS and not (beta and target in BETA):
            return _error(400, "Value for 'target_lang' not supported.")
        if source is not None and source not in SOURCES and not (beta and source in BETA):
            return _error(400, "Value for 'source_lang' not supported.")
        bot_target = target.split("-")[0].lower()
        translations = []
        for text in texts:
            self.calls.append(Call(text, source, target))
            self.character_count += len(text)
            translations.append(
                {
                    "detected_source_language": source or guess_language(text).upper(),
                    "text": self.translation(text, bot_target),
                    "billed_characters": len(text),
                }
            )
        if self.mode == "malformed":
            # Every other time not JSON at all, else JSON without translations.
            if len(self.calls) % 2:
                return web.Response(text="<html>Bad gateway</html>", content_type="text/html")
            return web.json_response({"translations": []})
        return web.json_response({"translations": translations})

    async def _languages(self, request: web.Request) -> web.StreamResponse:
        fields = await _fields(request)
        refusal = await self._refusal(request, limited=False)
        if refusal is not None:
            return refusal
        if self.mode == "malformed":
            return web.Response(text="<html>It works!</html>", content_type="text/html")
        kind = fields.get("type") or "source"
        languages = TARGETS if kind == "target" else SOURCES
        return web.json_response(
            [
                {"language": code, "name": name, "supports_formality": code in ("DE", "RU", "PL")}
                for code, name in languages.items()
            ]
        )

    async def _usage(self, request: web.Request) -> web.StreamResponse:
        refusal = await self._refusal(request, limited=False)
        if refusal is not None:
            return refusal
        return web.json_response(
            {"character_count": self.character_count, "character_limit": self.character_limit}
        )

    async def _refusal(self, request: web.Request, limited: bool = True) -> web.Response | None:
        await self.arrive()
        key = request.headers.get("Authorization")
        if self.api_key is not None and key != f"DeepL-Auth-Key {self.api_key}":
            return _error(403, "Authorization failure, check your authentication key.")
        if self.mode == "5xx":
            return _error(500, "Internal server error")
        if limited and self.mode == "quota":
            if self.quota_status == 429:
                return _error(429, "Too many requests")
            return _error(456, "Quota Exceeded")
        if limited and self.mode == "4xx":
            return _error(400, "Bad request. Reason: Text too long.")
        return None


async def _fields(request: web.Request) -> dict[str, Any]:
    """The request's parameters: query, then a JSON or form body (the library sends
    ``GET /v2/languages`` with a form body)."""
    fields: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            fields.update(body)
    elif request.can_read_body:
        form = await request.post()
        for key in set(form.keys()):
            values = form.getall(key)
            fields[key] = values if key == "text" else values[-1]
    return fields


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)
