"""python-telegram-bot's requests (answers, outbox items, button answers) over aiohttp.

python-telegram-bot sends through httpx by default. In the handler mix's profile
(bench/profiles/README.md, fifth pass) httpx's machinery - the anyio backend, the auth and
redirect flows, the response streams - cost about 1.3 ms of CPU per request more than the
same request through aiohttp's client, which the bot already has (its web server): with
1.75 requests per update that was a third of what an update cost. The library lets an
application choose its request class (``ApplicationBuilder.request``); this is one for
the Bot API's calls. Long polling (``getUpdates``) keeps the library's own httpx request:
its time-outs are part of how polling waits.

What the library expects of a request, kept: the same parameters (as JSON, see
``do_request``) or multipart upload, the User-Agent, the time-outs (connect, read, write,
pool), proxies from the environment (``HTTPS_PROXY``, as httpx reads them), and failures as
python-telegram-bot's errors - :class:`~telegram.error.TimedOut` and
:class:`~telegram.error.NetworkError` - whose
text says whether the request may have reached Telegram (``telegram._maybe_sent``: a
connection that was never made, or a connect time-out, cannot have sent anything).
"""

from __future__ import annotations

import json
import logging
import urllib.parse
import urllib.request
from functools import lru_cache
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

# The library's defaults for its httpx request (telegram.request.HTTPXRequest), in seconds.
READ_TIMEOUT = 5.0
WRITE_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
MEDIA_WRITE_TIMEOUT = 20.0
# As ApplicationBuilder gives its request for everything but getUpdates.
POOL_SIZE = 256
JSON = "application/json"
NOT_SENT = "Connect timeout: the request was not sent to Telegram"


class AiohttpRequest(BaseRequest):
    """A :class:`~telegram.request.BaseRequest` on one ``aiohttp.ClientSession``."""

    def __init__(self, pool_size: int = POOL_SIZE) -> None:
        self._pool_size = pool_size
        self._initialized = False
        self._session: aiohttp.ClientSession | None = None
        self._headers = {"User-Agent": self.USER_AGENT}
        self._json_headers = {**self._headers, "Content-Type": JSON}

    @property
    def read_timeout(self) -> float:
        return READ_TIMEOUT

    async def initialize(self) -> None:
        # The session is made by the first request (_opened), not here: python-telegram-bot
        # counts its requests initialised - and shuts them down - only once their
        # initialize() calls, gathered, have returned, and a start cancelled in between
        # (another city's start failing) left a session nobody closed.
        self._initialized = True

    def _opened(self) -> aiohttp.ClientSession:
        if not self._initialized:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        if self._session is None or self._session.closed:
            # Not trust_env: aiohttp would then look up the proxy and ~/.netrc in a thread
            # for every request (a thread hop per send); _proxy reads the proxy once.
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size)
            )
        return self._session

    async def shutdown(self) -> None:
        self._initialized = False
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._opened()
        files = request_data.multipart_data if request_data is not None else None
        fields = request_data.json_parameters if request_data is not None else None
        timeout = _timeout(
            _given(read_timeout, READ_TIMEOUT),
            _given(write_timeout, MEDIA_WRITE_TIMEOUT if files else WRITE_TIMEOUT),
            _given(connect_timeout, CONNECT_TIMEOUT),
            _given(pool_timeout, POOL_TIMEOUT),
        )
        body: Any = None
        headers = self._headers
        if files:
            body = _multipart(fields or {}, files)
        elif fields:
            # As JSON, which the Bot API takes beside a form (python-telegram-bot's own
            # ``json_payload``: each parameter as its JSON-encoded string, which the Bot API
            # server reads as it reads a form's). A form quoted every byte outside ASCII in
            # Python - most bytes of an answer in Arabic, Ukrainian or Turkish: about 5 % of
            # the handler mix's time (issue 104, bench/profiles/README.md); json.dumps is C.
            body, headers = json.dumps(fields, ensure_ascii=False).encode(), self._json_headers
        try:
            async with session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=timeout,
                proxy=_proxy(*urllib.parse.urlsplit(url)[:2]),
            ) as response:
                payload = await response.read()
        except aiohttp.ConnectionTimeoutError as err:
            raise TimedOut(NOT_SENT) from err
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            # The class name says what happened (telegram._maybe_sent reads it): a
            # connector error never reached Telegram, a lost connection may have.
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
        # A line per request at DEBUG, as httpx wrote one (the token is scrubbed from it).
        log.debug('HTTP Request: %s %s "HTTP/1.1 %s"', method, _where(url), response.status)
        return response.status, payload


@lru_cache(maxsize=8)
def _proxy(scheme: str, netloc: str) -> str | None:
    """The proxy the environment names for ``scheme`` (``HTTPS_PROXY`` ...) unless ``NO_PROXY``
    exempts the host: what httpx read from the environment. Read once per host (the
    environment is the process's start-up configuration)."""
    proxies = urllib.request.getproxies_environment()
    host = netloc.rpartition("@")[2]
    # httpx also took ALL_PROXY, and an address without a scheme as http://.
    proxy = proxies.get(scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(host):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def _where(url: str) -> str:
    """``url`` for the log, without a download's file path: a handle on what someone sent."""
    head, file, _path = url.partition("/file/bot")
    return f"{head}{file}…" if file else url


def _given(value: Any, default: float) -> float | None:
    """A time-out the call gave (None: no limit), or the default."""
    return default if isinstance(value, type(BaseRequest.DEFAULT_NONE)) else value


def _timeout(
    read: float | None, write: float | None, connect: float | None, pool: float | None
) -> aiohttp.ClientTimeout:
    """aiohttp bounds the wait for a connection (from the pool, then made) and each read;
    it has no write time-out of its own, so the whole exchange is bounded by the sum."""
    parts = (read, write, connect, pool)
    return aiohttp.ClientTimeout(
        total=None if None in parts else sum(p for p in parts if p is not None),
        connect=None if connect is None or pool is None else connect + pool,
        sock_connect=connect,
        sock_read=read,
    )


def _multipart(fields: dict[str, str], files: dict[str, Any]) -> aiohttp.FormData:
    """An upload as httpx sends it: the parameters as fields, each file a part of its own."""
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form
