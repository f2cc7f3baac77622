"""Requests too long to serve: answered with the site's own page, never aiohttp's text.

aiohttp refuses a request line or a header over its limits (8190 bytes each by default)
before any handler or middleware runs, with a plain "400 Bad Request" that quotes the
client's bytes, untranslated, and logs them with a traceback (a cookie's first 100 bytes:
a desk session). So the server reads up to ``READ`` bytes a line (``handler_args``), and
the pages' middleware answers what is over ``LONGEST`` - an address (414) or a header (431)
- with the error page in the visitor's language (``refused``). Beyond ``READ`` the request
cannot be read at all, not even its Accept-Language: :class:`Protocol` answers with the
error page in the default language and logs only the status.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMethod
from aiohttp.web_request import BaseRequest

from bot.web.pages import render

log = logging.getLogger(__name__)

# What a page takes: an address or one header line. The links of our own pages stay far
# below (pages.kept_query); a longer one is typed, pasted or forged.
LONGEST = 8 * 1024
# What the server reads before giving up on a request. 128 header lines (aiohttp's
# max_headers) of it are 4 MB at most, below an upload's 5 MB.
READ = 32 * 1024
LIMITS: dict[str, Any] = {"max_line_size": READ, "max_field_size": READ}


def refused(request: web.Request) -> int:
    """414 for an address over ``LONGEST``, 431 for a header over it, else 0."""
    if len(request.raw_path) > LONGEST:
        return 414
    if any(len(name) + len(value) > LONGEST for name, value in request.raw_headers):
        return 431
    return 0


class Protocol(web.RequestHandler):
    """aiohttp's connection handler, answering a request it could not read with our page."""

    __slots__ = ()

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        # Not the client's bytes nor a traceback: they hold addresses and cookies. What is
        # not HTTP at all (a scanner's TLS, say) is noise, as aiohttp itself judges it.
        level = logging.DEBUG if isinstance(exc, BadHttpMethod) else logging.WARNING
        log.log(level, "web: a request could not be handled (%d, %s)", status, type(exc).__name__)
        if request.writer.output_size > 0:
            raise ConnectionError("an answer had begun")
        response = render(cast(web.Request, request), "error.html", status=status, code=status)
        response.headers["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.force_close()
        return response


class Server(web.Server):
    """aiohttp's server making :class:`Protocol` for each connection."""

    def __call__(self) -> web.RequestHandler:
        return Protocol(self, loop=self._loop, **self._kwargs)


class Runner(web.AppRunner):
    """An AppRunner whose server is :class:`Server`."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # The application's own server, its handler and factory as aiohttp made them; only
        # the connections' class differs.
        server.__class__ = Server
        return server
