"""A homeserver that lies about keys: a proxy on 127.0.0.1 between the bot and the real
Synapse that passes every request on, may rewrite the answers to ``/keys/query``
(``rewrite``), and records what the bot uploads for cross-signing (``uploads``: path and
body of each ``/keys/signatures/upload`` and ``/keys/device_signing/upload``).

It plays the malicious or compromised homeserver of a security review: the bot must sign
nothing but its own device whatever this proxy says.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from tests.support.ports import free_port

KeysRewrite = Callable[[dict[str, Any]], dict[str, Any]]
# Headers that describe one hop's transfer, not the message: aiohttp sets its own.
_HOP = {"host", "content-length", "transfer-encoding", "content-encoding", "connection"}
UPLOADS = ("/keys/signatures/upload", "/keys/device_signing/upload")


class KeysProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.rewrite: KeysRewrite | None = None
        self.uploads: list[tuple[str, dict[str, Any]]] = []
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        # No total time-out: long-polled syncs wait as long as the bot asked.
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None), auto_decompress=False
        )
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._pass_on)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _pass_on(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        body = await request.read()
        if request.method == "POST" and request.path.endswith(UPLOADS):
            self.uploads.append((request.path, json.loads(body or b"{}")))
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        async with self._session.request(
            request.method,
            self.upstream + request.path_qs,
            headers=headers,
            data=body,
            allow_redirects=False,
        ) as answer:
            data = await answer.read()
            if (
                request.path.endswith("/keys/query")
                and answer.status == 200
                and self.rewrite is not None
            ):
                data = json.dumps(self.rewrite(json.loads(data))).encode()
            return web.Response(
                status=answer.status,
                body=data,
                headers={k: v for k, v in answer.headers.items() if k.lower() not in _HOP},
            )

    def signed_devices(self) -> list[dict[str, Any]]:
        """Every device object the bot uploaded a signature for."""
        return [
            device
            for path, body in self.uploads
            if path.endswith("/keys/signatures/upload")
            for devices in body.values()
            if isinstance(devices, dict)
            for device in devices.values()
            if isinstance(device, dict) and "device_id" in device
        ]
