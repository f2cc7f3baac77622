"""The aiohttp application and its lifetime (``python -m bot web``, or inside ``run``).

Every response gets security headers here; errors are answered with a translated page
and never with a traceback; each feature adds its routes through ``FEATURES``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from bot.web import assets, too_long
from bot.web.desk import routes as desk_routes
from bot.web.pages import STATIC, render
from bot.web.public import easy_page, miniapp, posters, privacy_page
from bot.web.public import places as public_places
from bot.web.site import SITE, Site

log = logging.getLogger(__name__)


# Each feature's ``add_routes(app)``.
FEATURES: tuple[Callable[[web.Application], None], ...] = (
    desk_routes.add_routes,
    public_places.add_routes,
    posters.add_routes,
    miniapp.add_routes,
    easy_page.add_routes,
    privacy_page.add_routes,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _policy(site: Site, path: str) -> str:
    tiles = _origin(site.config.web.tile_url)
    # The map opens inside Telegram as a Mini App (an iframe on Telegram's web clients);
    # nothing else may be framed.
    framing = "https://web.telegram.org" if not path.startswith("/desk") else "'none'"
    return "; ".join(
        (
            "default-src 'self'",
            f"img-src 'self' data: {tiles}".strip(),
            "script-src 'self'",
            "style-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {framing}",
        )
    )


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    site = request.app[SITE]
    response: web.StreamResponse
    try:
        if status := too_long.refused(request):
            response = render(request, "error.html", status=status, code=status)
        else:
            response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = render(
            request,
            "error.html",
            status=exc.status,
            code=exc.status,
            detail=exc.text if exc.status in (400, 413) else "",
        )
    except Exception:
        log.exception("web: %s %s failed", request.method, request.rel_url.path)
        response = render(request, "error.html", status=500, code=500, detail="")
    response.headers.setdefault("Content-Security-Policy", _policy(site, request.path))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # The desk's addresses carry secrets (a login link) or say whom a page is about: its
    # pages name only the origin, also to the bot itself (a proxy's access log keeps the
    # Referer). Not "no-referrer": a form would then come with "Origin: null", which the
    # desk's origin check refuses.
    response.headers.setdefault(
        "Referrer-Policy", "strict-origin" if request.path.startswith("/desk") else "same-origin"
    )
    if request.path.startswith("/desk"):
        response.headers["Cache-Control"] = "no-store"
    return response


def build_app(site: Site) -> web.Application:
    # Uploads (place and event imports) are the largest bodies: 5 MB is far above a city's
    # CSV of places and far below what would hurt the process.
    app = web.Application(middlewares=[_headers], client_max_size=5 * 1024 * 1024)
    app[SITE] = site
    app.router.add_get("/vendor/{name:.+}", assets.vendor)
    app.router.add_static("/static/", STATIC)
    for add_routes in FEATURES:
        add_routes(app)
    return app


class WebServer:
    """Serves ``build_app`` on ``web.listen``:``web.port`` until stopped."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def app(self) -> web.Application | None:
        """The application being served (None before ``start``)."""
        return self._runner.app if self._runner is not None else None

    async def start(self, host: str, port: int) -> None:
        missing = assets.missing()
        if missing:
            log.warning("web: %d script/style files missing - run make (npm ci)", len(missing))
        # aiohttp reads longer lines than it would, so that the middleware can answer them
        # in the visitor's language (too_long.py).
        self._runner = too_long.Runner(build_app(self.site), access_log=None, **too_long.LIMITS)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        try:
            await site.start()
        except OSError:
            # The port held by another program, an address not this machine's: nothing
            # left behind for the caller to stop.
            await self._runner.cleanup()
            self._runner = None
            raise
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port
        log.info("web: serving on %s:%d", host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
