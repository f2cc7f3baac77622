"""An operator's speech server with better voices (self-hosted Piper or Kokoro servers and
others speak this form): ``POST {url}/v1/audio/speech`` with JSON ``model``, ``input``,
``voice`` and ``response_format``, and the key as a Bearer token. The audio is asked for
as WAV and encoded here like every engine's (bot/speech/opus.py). The voice of each
language is the configuration's (``[speech] voices``); a language without one is not
spoken by this engine.
"""

from __future__ import annotations

import asyncio
import io

import httpx
import numpy as np
import soundfile

from bot.speech.engine import Audio, NoVoice, Refused, SpeechError, written_for_the_voice


class HttpEngine:
    name = "http"
    # Speeches asked for at once (bot/speech/turns.py): a server has threads of its own.
    parallel = 4

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
        # Set by :meth:`languages`: why a configured voice is not spoken.
        self.why_not: dict[str, str] = {}
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(
            base_url=url.rstrip("/"), headers=headers, timeout=timeout_seconds
        )

    async def languages(self, wanted: tuple[str, ...]) -> frozenset[str]:
        """The languages whose configured voice the server speaks: each is asked for a
        short word, all at once. A voice the server refuses (unknown, or the key refused)
        is left out, with the reason in ``why_not``. While the server cannot be reached
        the configured voices are kept: each message then goes as text alone until it is
        back, and ``doctor`` names the outage."""
        configured = [lang for lang in wanted if self.voices.get(lang)]
        answers = await asyncio.gather(*(self._refused(lang) for lang in configured))
        self.why_not = {lang: why for lang, why in zip(configured, answers, strict=True) if why}
        return frozenset(lang for lang in configured if lang not in self.why_not)

    async def _refused(self, lang: str) -> str | None:
        try:
            await self.speak("1", lang)
        except Refused as exc:
            return str(exc)
        except SpeechError:
            return None  # away or slow for now: not a judgement on the voice
        return None

    async def speak(self, text: str, lang: str) -> Audio:
        voice = self.voices.get(lang)
        if not voice:
            raise NoVoice(lang)
        body = {
            "model": self.model,
            # Off the event loop: a relayed message's Arabic goes through a model.
            "input": await asyncio.to_thread(written_for_the_voice, text, lang),
            "voice": voice,
            "response_format": "wav",
        }
        try:
            response = await self._client.post("/v1/audio/speech", json=body)
        except httpx.TimeoutException:
            raise SpeechError("the speech server took too long") from None
        except httpx.HTTPError as exc:
            raise SpeechError(
                f"the speech server is not reachable ({type(exc).__name__})"
            ) from None
        if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
            raise Refused(f"the speech server answered {response.status_code}")
        if response.status_code != 200:
            raise SpeechError(f"the speech server answered {response.status_code}")
        try:
            samples, rate = soundfile.read(io.BytesIO(response.content), dtype="float32")
        except (RuntimeError, soundfile.LibsndfileError):
            raise Refused("the speech server sent no audio it could read") from None
        if samples.ndim > 1:
            samples = samples.mean(axis=1)
        return Audio(np.asarray(samples, dtype=np.float32), int(rate))

    async def close(self) -> None:
        await self._client.aclose()
