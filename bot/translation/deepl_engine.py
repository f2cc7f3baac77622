"""The DeepL engine, through DeepL's own client library (``deepl``).

The library is synchronous (requests), so each call runs in a worker thread, each thread with
its own ``deepl.Translator`` (a requests session is not meant to be shared between threads).
The library retries 429s, 5xx and network errors with back-off up to five times by default;
here it tries once, and the whole call is bounded by the timeout as well (requests' timeout
is per socket operation, not per call).

Codes: DeepL wants a variant for English and Portuguese targets ("EN-GB", "PT-PT") and the
base code for sources; Persian ("FA") is one of DeepL's beta languages, translated only when
the request says ``enable_beta_languages`` and not listed by ``/v2/languages``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import TypeVar

import deepl
import deepl.http_client

from bot.translation.engine import EngineError

# Module settings of the library, for every Translator in the process: this is its only one.
deepl.http_client.max_network_retries = 0
# At debug level the library logs request and response bodies, i.e. the texts.
logging.getLogger("deepl").setLevel(logging.INFO)

_TARGETS = {"en": "EN-GB", "pt": "PT-PT", "zh": "ZH-HANS"}
# Sent with enable_beta_languages; DeepL's /v2/languages does not name them.
_BETA = {"fa"}

T = TypeVar("T")


class DeepL:
    name = "deepl"

    def __init__(self, api_key: str, server_url: str | None = None, timeout: float = 5.0) -> None:
        self._api_key = api_key
        self._server_url = server_url or None
        self._timeout = timeout
        self._local = threading.local()
        self._translators: list[deepl.Translator] = []
        self._lock = threading.Lock()
        # The library waits max(its back-off deadline, this) per attempt.
        deepl.http_client.min_connection_timeout = timeout

    async def translate(self, text: str, source: str, target: str) -> str:
        if not text.strip():
            raise EngineError("refused", "empty text")
        beta = bool({source, target} & _BETA)

        def call(translator: deepl.Translator) -> object:
            return translator.translate_text(
                text,
                source_lang=source.upper() or None,
                target_lang=_TARGETS.get(target, target.upper()),
                extra_body_parameters={"enable_beta_languages": True} if beta else None,
            )

        result = await self._run(call)
        translated = getattr(result, "text", None)
        if not isinstance(translated, str) or not translated.strip():
            raise EngineError("garbage", "no text in the answer")
        return translated

    async def languages(self) -> set[str]:
        found = await self._run(lambda translator: translator.get_target_languages())
        codes = {language.code.split("-")[0].lower() for language in found}
        if not codes:
            raise EngineError("garbage", "no target languages")
        return codes | _BETA

    async def close(self) -> None:
        with self._lock:
            translators, self._translators = self._translators, []
        for translator in translators:
            translator.close()

    def _translator(self) -> deepl.Translator:
        translator: deepl.Translator | None = getattr(self._local, "translator", None)
        if translator is None:
            translator = deepl.Translator(
                self._api_key, server_url=self._server_url, send_platform_info=False
            )
            self._local.translator = translator
            with self._lock:
                self._translators.append(translator)
        return translator

    async def _run(self, call: Callable[[deepl.Translator], T]) -> T:
        if not self._api_key:
            raise EngineError("key", "no API key")
        try:
            async with asyncio.timeout(self._timeout):
                return await asyncio.to_thread(lambda: call(self._translator()))
        except TimeoutError as error:
            raise EngineError("down", "timed out") from error
        except deepl.AuthorizationException as error:
            raise EngineError("key", _status(error)) from error
        except (deepl.QuotaExceededException, deepl.TooManyRequestsException) as error:
            raise EngineError("quota", _status(error)) from error
        except deepl.ConnectionException as error:
            raise EngineError("down", "not reachable") from error
        except deepl.DeepLException as error:
            status = error.http_status_code or 0
            kind = "down" if status >= 500 else "refused"
            raise EngineError(kind, _status(error)) from error
        except (IndexError, KeyError, TypeError, ValueError, AttributeError) as error:
            # The library reads the answer without checking it: an empty or odd 200 ends
            # here (e.g. no "translations", no "billed_characters").
            raise EngineError("garbage", type(error).__name__) from error


def _status(error: deepl.DeepLException) -> str:
    # The exception's own message can carry the answer's body: only the status is kept.
    code = error.http_status_code
    return f"HTTP {code}" if code else type(error).__name__
