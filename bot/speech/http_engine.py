"""An operator's speech server with better voices (self-hosted Piper or Kokoro servers and
others speak this form): ``POST {url}/v1/audio/speech`` with JSON ``model``, ``input``,
``voice`` and ``response_format``, and the key as a Bearer token. The audio is asked for
as WAV and encoded here like every engine's (bot/speech/opus.py). The voice of each
language is the configuration's (``[speech] voices``); a language without one is not
spoken by this engine.
"""

from __future__ import annotations

import io

import httpx
import numpy as np
import soundfile

from bot.speech.engine import Audio, NoVoice, SpeechError


class HttpEngine:
    name = "http"

    def __init__(
        self,
        url: str,
        voices: dict[str, str],
        *,
        model: str = "",
        api_key: str | None = None,
        timeout_seconds: float = 10.0,
    ) -> None:
        self.voices = voices
        self.model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(
            base_url=url.rstrip("/"), headers=headers, timeout=timeout_seconds
        )

    async def languages(self, wanted: tuple[str, ...]) -> frozenset[str]:
        return frozenset(lang for lang in wanted if self.voices.get(lang))

    async def speak(self, text: str, lang: str) -> Audio:
        voice = self.voices.get(lang)
        if not voice:
            raise NoVoice(lang)
        body = {"model": self.model, "input": text, "voice": voice, "response_format": "wav"}
        try:
            response = await self._client.post("/v1/audio/speech", json=body)
        except httpx.TimeoutException:
            raise SpeechError("the speech server took too long") from None
        except httpx.HTTPError as exc:
            raise SpeechError(
                f"the speech server is not reachable ({type(exc).__name__})"
            ) from None
        if response.status_code != 200:
            raise SpeechError(f"the speech server answered {response.status_code}")
        try:
            samples, rate = soundfile.read(io.BytesIO(response.content), dtype="float32")
        except (RuntimeError, soundfile.LibsndfileError):
            raise SpeechError("the speech server sent no audio it could read") from None
        if samples.ndim > 1:
            samples = samples.mean(axis=1)
        return Audio(np.asarray(samples, dtype=np.float32), int(rate))

    async def close(self) -> None:
        await self._client.aclose()
