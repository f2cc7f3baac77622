"""A small speech server on 127.0.0.1 that speaks the widespread request form of
``POST /v1/audio/speech`` (JSON ``model``, ``input``, ``voice``, ``response_format``, a
Bearer key), as self-hosted Piper or Kokoro servers do: it refuses a wrong key (401) and
an unknown voice (400), answers WAV whose length grows with the input, and can be made to
never answer (``hanging``) for the time-out tests."""

from __future__ import annotations

import asyncio
import io

import numpy as np
import soundfile
from aiohttp import web

from tests.support.ports import free_port

RATE = 16_000


class FakeSpeechServer:
    def __init__(self, key: str = "secret-key", voices: frozenset[str] = frozenset({"thorsten"})):
        self.key = key
        self.voices = voices
        self.requests: list[dict] = []
        self.hanging = False
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _speech(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.key}":
            return web.json_response({"error": "unauthorized"}, status=401)
        body = await request.json()
        self.requests.append(body)
        if set(body) != {"model", "input", "voice", "response_format"}:
            return web.json_response({"error": "bad request"}, status=400)
        if body["voice"] not in self.voices or body["response_format"] != "wav":
            return web.json_response({"error": "unknown voice or format"}, status=400)
        if self.hanging:
            await self._release.wait()  # until the test is done with it
        seconds = 0.05 * len(body["input"])
        tone = 0.2 * np.sin(np.arange(int(RATE * seconds)) * 2 * np.pi * 220 / RATE)
        out = io.BytesIO()
        soundfile.write(out, tone.astype(np.float32), RATE, format="WAV")
        return web.Response(body=out.getvalue(), content_type="audio/wav")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/audio/speech", self._speech)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def release(self) -> None:
        """Answer the requests held by ``hanging`` (and no longer hold new ones)."""
        self.hanging = False
        self._release.set()

    async def stop(self) -> None:
        self.release()
        if self._runner is not None:
            await self._runner.cleanup()
