"""Browser tests in real Chromium (Playwright, async API), accessibility checks with axe-core,
screenshots, and a fake tile server.

One Chromium per test process (:func:`chromium`: Playwright's browser server, started on
first use), a fresh context (cookies, storage) per test. Every request to
anything but 127.0.0.1 is blocked (Chromium sends it to a proxy that is not there) and
recorded (``Browsing.foreign``, from the context's requests): the pages must not reach third
parties. Nothing is intercepted on its way (``route``): an intercepted request waits on a
round trip through Playwright, and interception turns Chromium's cache off, so each page
fetched every style and script again. The map's tiles come from :class:`TileServer`, which
the web's ``tile_url`` points at. Chromium is Debian's (``make test`` installs it); axe-core
comes from ``node_modules`` (``make`` runs ``npm ci``). Without either the tests fail, they do
not skip.

A Playwright connection belongs to the event loop that opened it, so each :func:`chromium`
connects anew (a Playwright driver of its own) to the test process's browser server, whose
Chromium outlives the loops: a test that opens it no longer waits for a Chromium to start
(0.4 s of CPU and 1-3 s of a busy machine's time less per use). Test modules that share a
connection between tests use the module's event loop throughout (``pytestmark =
pytest.mark.asyncio(loop_scope="module")``).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import functools
import json
import os
import re
import select
import signal
import struct
import subprocess
import tempfile
import threading
import time
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from playwright._impl._driver import compute_driver_executable, get_driver_env
from playwright.async_api import Browser, BrowserContext, Page, Request, async_playwright

from tests.support.processes import end_group

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Every address but 127.0.0.1's through a proxy that is not there: a page cannot reach a
    # third party (Chromium goes to 127.0.0.1 directly, bypassing any proxy).
    "--proxy-server=http://127.0.0.1:9",
]
PHONE = {"width": 390, "height": 844}
# An <audio> player loaded as a press of ▶ loads it (preload="none" loads nothing before):
# what it could make of the sound, its readiness and length, or its error code.
LOAD_AUDIO = """audio => new Promise((done) => {
  audio.addEventListener("canplaythrough",
    () => done({ready: audio.readyState, duration: audio.duration}), {once: true});
  audio.addEventListener("error", () => done({error: audio.error.code}), {once: true});
  audio.preload = "auto";
  audio.load();
})"""
DESK = {"width": 1366, "height": 900}
WIDTHS = (PHONE, DESK)
LOCAL_HOSTS = {"127.0.0.1"}
# Browser locales for the visitor's Accept-Language.
LOCALES = {"de": "de-DE", "en": "en-GB", "ar": "ar", "tr": "tr-TR", "uk": "uk-UA"}


class BrowserServer:
    """Playwright's browser server (its driver's ``launch-server``): Debian's Chromium with
    :data:`ARGS`, launched by Playwright as ``launch`` would (its own flags, a fresh profile),
    on a WebSocket at 127.0.0.1. One per test process (:func:`chromium`), started on first
    use and again if it ended; it ends with the test process (``atexit``, and SIGTERM from
    the kernel should the process be killed: the server then closes its Chromium)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.endpoint = ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and bool(self.endpoint)

    def start(self, timeout: float = 60.0) -> str:
        """Start the server and wait for its endpoint (``ws://127.0.0.1:…``)."""
        node, cli = compute_driver_executable()
        config = {
            "executablePath": str(CHROMIUM),
            "args": ARGS,
            "headless": True,
            "host": "127.0.0.1",
        }
        with tempfile.NamedTemporaryFile(
            "w", prefix="nachbarbot-chromium-", suffix=".json", delete=False
        ) as written:
            json.dump(config, written)
        try:
            self.process = subprocess.Popen(
                [node, cli, "launch-server", "--browser", "chromium", "--config", written.name],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                env=get_driver_env(),
                start_new_session=True,
                # Only a thread that lives as long as the process may ask for it: the signal
                # comes when the thread that started the server ends.
                preexec_fn=_end_with_parent
                if threading.current_thread() is threading.main_thread()
                else None,
            )
            self.endpoint = self._endpoint(timeout)
        finally:
            os.unlink(written.name)
        return self.endpoint

    def _endpoint(self, timeout: float) -> str:
        assert self.process is not None and self.process.stdout is not None
        said = b""
        deadline = time.monotonic() + timeout
        while b"\n" not in said:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Playwright's browser server did not start: {said!r}")
            ready, _, _ = select.select([self.process.stdout], [], [], 0.1)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 4096)
                if not chunk:
                    continue
                said += chunk
        line = said.decode().strip()
        if not line.startswith("ws://"):
            self.stop()
            raise RuntimeError(f"Playwright's browser server said {line!r}")
        return line

    def stop(self) -> None:
        process, self.process, self.endpoint = self.process, None, ""
        if process is not None:
            end_group(process, 10)
            if process.stdout is not None:
                process.stdout.close()


def _end_with_parent() -> None:
    """In the browser server's process before it runs: SIGTERM when the test process ends,
    however it ends (the server closes its Chromium then)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


_server = BrowserServer()
_starting = threading.Lock()
_OWNER = os.getpid()


@atexit.register
def _stop_server() -> None:
    if os.getpid() == _OWNER:  # not in a child forked from the test process
        _server.stop()


def shared_endpoint() -> str:
    """The test process's browser server's endpoint, the server started if it is not running."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: the browser tests need it "
            "(make test installs Debian's chromium package)",
            pytrace=False,
        )
    with _starting:
        if not _server.alive():
            _server.stop()
            _server.start()
        return _server.endpoint


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium through Playwright: the test process's one (:class:`BrowserServer`),
    connected to anew; what the caller opens in it (:func:`browsing`: a fresh context, its
    own cookies, storage and cache) is closed with the connection."""
    endpoint = shared_endpoint()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.connect(endpoint, timeout=60_000)
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class Browsing:
    """One browser context: its page, and every request it tried outside 127.0.0.1."""

    context: BrowserContext
    page: Page
    foreign: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)

    def _saw(self, request: Request) -> None:
        url = request.url
        host = urlsplit(url).hostname or ""
        if url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            self.requested.append(url)
        else:
            self.foreign.append(url)


@asynccontextmanager
async def browsing(
    browser: Browser,
    lang: str = "en",
    viewport: dict[str, int] = DESK,
    *,
    axe: bool = False,
    scripts: bool = True,
) -> AsyncIterator[Browsing]:
    """A fresh context (no cookies) whose Accept-Language is ``lang``. ``axe``: axe-core
    comes with every page the context opens (for a test that checks many pages: sent to
    Chromium once, instead of with each :func:`axe_violations`). ``scripts=False``: the
    pages' own scripts are neither fetched nor run (``page.evaluate`` still works)."""
    context = await browser.new_context(
        java_script_enabled=scripts,
        locale=LOCALES.get(lang, lang),
        viewport=viewport,  # type: ignore[arg-type]
        timezone_id="Europe/Berlin",
        service_workers="block",
    )
    context.set_default_timeout(10_000)
    if axe:
        await context.add_init_script(script=axe_source())
    page = await context.new_page()
    session = Browsing(context, page)
    context.on("request", session._saw)
    try:
        yield session
    finally:
        await context.close()


# -- accessibility --------------------------------------------------------------------------


async def desk_log_in(page: Page, link: str) -> None:
    """Open a coordinator's login ``link`` (from /desk in the chat) and press "Log in": the
    desk's queue is open after it."""
    await page.goto(link)
    async with page.expect_navigation(url="**/desk/queue"):
        await page.get_by_role("button", name="Log in").click()


@functools.cache
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing at {AXE}: run make (npm ci installs it)", pytrace=False)
    return AXE.read_text(encoding="utf-8")


async def axe_violations(page: Page) -> list[dict]:
    """axe-core's violations on the page as it is now.

    The pages' Content-Security-Policy allows only our own scripts, so axe cannot come in as
    a ``<script>`` element (``add_script_tag``); evaluated through the DevTools protocol it
    is not subject to the policy and the page's own policy stays in force (so is a
    context's init script, ``browsing(axe=True)``: then it is there already)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(axe_source() + "\n;true")
    result = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return list(result)


def readable(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']}: {violation['id']} - {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary']}")
    return "\n".join(lines)


# axe-core's impacts that fail a page (issue 31: "moderate" or above).
FAILING_IMPACTS = ("moderate", "serious", "critical")


async def assert_accessible(page: Page, name: str) -> None:
    """No axe-core violation of impact moderate, serious or critical on the page."""
    bad = [v for v in await axe_violations(page) if v["impact"] in FAILING_IMPACTS]
    assert not bad, f"{name}: accessibility violations\n{readable(bad)}"


async def focus_is_visible(page: Page) -> bool:
    """The focused element shows it: :focus-visible matches and draws an outline or a
    shadow."""
    return bool(
        await page.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el || el === document.body || !el.matches(':focus-visible')) return false;
                const style = getComputedStyle(el);
                const outline = style.outlineStyle !== 'none'
                    && parseFloat(style.outlineWidth) > 0;
                return outline || (style.boxShadow && style.boxShadow !== 'none');
            }"""
        )
    )


async def tab_to(page: Page, selector: str, *, limit: int = 120) -> int:
    """Press Tab until the element ``selector`` has the focus; how many presses it took."""
    target = page.locator(selector)
    await target.wait_for(state="visible")
    for presses in range(1, limit + 1):
        await page.keyboard.press("Tab")
        if await target.evaluate("el => el === document.activeElement"):
            return presses
    raise AssertionError(f"{selector} never got the focus in {limit} presses of Tab")


# -- screenshots --------------------------------------------------------------------------


async def screenshots(
    page: Page, name: str, lang: str, sizes: tuple[dict[str, int], ...] = WIDTHS
) -> list[Path]:
    """``var/screenshots/<name>-<width>-<lang>.png`` at phone and desk width (whole page);
    the page is left at the last of ``sizes``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    written = []
    for size in sizes:
        await page.set_viewport_size(size)  # type: ignore[arg-type]
        await page.wait_for_load_state("networkidle")
        path = SCREENSHOTS / f"{name}-{size['width']}-{lang}.png"
        await page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000, path
        written.append(path)
    return written


# -- map tiles ----------------------------------------------------------------------------


def _png(width: int = 256, height: int = 256, rgb: tuple[int, int, int] = (232, 236, 226)) -> bytes:
    """A plain 256×256 PNG: a tile the map can show offline."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


class TileServer:
    """``GET /{z}/{x}/{y}.png`` on 127.0.0.1: the same small tile for every address."""

    def __init__(self) -> None:
        self.tile = _png()
        self.served = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _get(self, request: web.Request) -> web.Response:
        self.served += 1
        return web.Response(body=self.tile, content_type="image/png")

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/{z:\\d+}/{x:\\d+}/{y:\\d+}.png", self._get)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    @property
    def template(self) -> str:
        """The ``web.tile_url`` that points at this server."""
        return self.url + "/{z}/{x}/{y}.png"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


# -- the web's routes ---------------------------------------------------------------------


def routes() -> list[tuple[str, str, list[str]]]:
    """Every (method, path pattern, parameter names) the web application serves."""
    from bot.config import Config
    from bot.web.server import build_app
    from bot.web.site import Site
    from handlers.settings import HandlerSettings

    app = build_app(Site(None, Config(), HandlerSettings()))  # type: ignore[arg-type]
    found = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        pattern = info.get("path") or info.get("formatter") or info.get("prefix") or ""
        names = []
        if "pattern" in info:
            names = list(info["pattern"].groupindex)
        found.append((route.method, str(pattern), names))
    return found


def served(method: str, pattern: str) -> bool:
    """Whether the web application has this route (e.g. ``GET /place/{id}``)."""
    return any(m == method and p == pattern for m, p, _ in routes())


def fill(pattern: str, values: dict[str, str], default: str = "1") -> str:
    """A route pattern with its ``{name}`` / ``{name:regex}`` parameters filled in."""
    out, rest = "", pattern
    while "{" in rest:
        before, _, after = rest.partition("{")
        spec, _, rest = after.partition("}")
        name, _, regex = spec.partition(":")
        # A value the route's own pattern accepts, so the request reaches its handler.
        candidates = [values.get(name, default), default, "x", "requests"]
        out += before + next(
            (c for c in candidates if not regex or re.fullmatch(regex, c)), candidates[0]
        )
    return out + rest


async def wait_until(check, *, timeout: float = 10.0, every: float = 0.05):
    """Poll ``check()`` (sync or async) until it returns something true."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(every)


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)


# Where characters of the first match of a pattern in an element's text are on the screen:
# ``offsets`` count from the match's start, negative ones from its end.
_STARTS_AT = r"""([id, pattern, offsets]) => {
  const element = document.getElementById(id);
  if (!element) return null;
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const found = new RegExp(pattern).exec(node.data);
    if (!found) continue;
    return offsets.map(offset => {
      const at = found.index + (offset < 0 ? found[0].length + offset : offset);
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + 1);
      const box = range.getBoundingClientRect();
      return {left: box.left, top: box.top};
    });
  }
  return null;
}"""


async def starts_at(
    page: Page, element_id: str, pattern: str, offsets: list[int]
) -> list[dict[str, float]]:
    """Where on the screen (``left``, ``top``) characters of ``pattern``'s first match (a
    JavaScript regular expression) in element ``element_id``'s text are: where the parts of a
    value start, as a reader sees them (a right-to-left sentence may lay them out in another
    order, a line may break inside it)."""
    found = await page.evaluate(_STARTS_AT, [element_id, pattern, offsets])
    assert found is not None, await page.inner_text(f"#{element_id}")
    return found
