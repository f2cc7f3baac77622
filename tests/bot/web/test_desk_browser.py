"""The desk in real Chromium, against the real processes.

One ``python -m bot run`` serves Telegram (the fake Bot API server) and the web on a port of
its own; the console process (``python -m bot console``) on the same database prints a
coordinator's login link and, finding the port taken, says the web is served elsewhere. A
coordinator logs in with that link in Chromium and publishes; the volunteer's offer arrives
at the fake Telegram server. Of a desk and a chat decision at the same moment one wins, the
other is told who decided. Residents get 403 on every desk route, posts without the CSRF
token are refused on every form route, the queue works with the keyboard alone, axe finds
nothing serious, and nothing is fetched from anywhere but 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page

from db import Database
from locales import SUPPORTED_LANGUAGES, translator
from tests.support import browser
from tests.support.bot_process import launch_bot
from tests.support.cli import ROOT
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.helping_people import verified_volunteer
from tests.support.ogg_opus import silence
from tests.support.ports import free_port
from tests.support.web_site import browser_session

pytestmark = pytest.mark.asyncio(loop_scope="module")

GROUP = -1001
VERA, CORA, BERND, ROSA = 2001, 3001, 3002, 4001
VOICE = silence(2.0)
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/desk/login/[\w-]+)")


def already_decided_by(name: str, text: str) -> bool:
    """Whether ``text`` says "Already decided by <name>." in any of the languages (the
    group is answered in the backchannel's language, the desk in the visitor's)."""
    plain = text.replace("\u2068", "").replace("\u2069", "")
    # The name as the desk's history has it, with the user number after it.
    return any(
        translator(lang)._("Already decided by {name}.").split("{name}")[0] + name in plain
        for lang in SUPPORTED_LANGUAGES
    )


class World:
    """The bot process (Telegram + web), the fake Telegram server, the tile server and the
    database they share, with the people of the story."""

    def __init__(self, tmp: Path, fake: FakeTelegram, tiles: browser.TileServer) -> None:
        self.tmp = tmp
        self.fake = fake
        self.tiles = tiles
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.database = tmp / "bot.sqlite3"
        self.config = tmp / "bot.toml"
        self.config.write_text(
            f'[bot]\ndatabase = "{self.database}"\nlog_level = "WARNING"\n'
            f'[telegram]\napi_base_url = "{fake.url}"\npoll_timeout = 1\n'
            f'[help]\ntelegram_backchannel = "{GROUP}"\nnew_user_cooldown_minutes = 0\n',
            encoding="utf-8",
        )
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
        self.env |= {
            "NACHBARBOT_WEB__PORT": str(self.port),
            "NACHBARBOT_WEB__TILE_URL": tiles.template,
        }
        self.log = tmp / "bot.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.db: Database
        self.requesters = iter(range(1001, 1999))

    async def start(self) -> None:
        self.db = await Database.open(self.database)
        names = {VERA: "Vera", CORA: "Cora", BERND: "Bernd", ROSA: "Rosa"}
        self.fake.names.update(names)
        for uid, name in names.items():
            user = await self._person(uid, name)
            if uid in (CORA, BERND):
                await self.db.users.grant_role(user, "coordinator")
        vera = await self.db.users.find("telegram", str(VERA))
        await verified_volunteer(self.db, vera.id, languages=("de", "en"))
        mark = len(self.fake.calls)
        self.process = launch_bot(
            self.config, self.env | {"NACHBARBOT_TELEGRAM__TOKEN": TOKEN}, self.log
        )
        await self.fake.wait_for("getMe", after=mark)
        await browser.wait_until(self._serving, timeout=30)

    async def _serving(self) -> bool:
        assert self.process is not None and self.process.poll() is None, self.log_tail()
        try:
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"{self.base}/desk", allow_redirects=False) as response,
            ):
                return response.status == 403
        except aiohttp.ClientConnectionError:
            return False

    def log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]

    async def _person(self, uid: int, name: str, lang: str = "en") -> int:
        user = await self.db.users.seen("telegram", str(uid), str(uid), name)
        await self.db.users.set_language(user.id, lang)
        await self.db.users.record_consent(user.id)
        return user.id

    async def user_id(self, uid: int) -> int:
        user = await self.db.users.find("telegram", str(uid))
        assert user is not None
        return user.id

    async def request_in_review(
        self, text: str = "Bitte beim Einkauf helfen", voice: bytes = b""
    ) -> int:
        """A resident asks for help in the Telegram chat, step by step as in the app (with
        a voice message instead of a text when ``voice`` is given); returns the request's
        id once its review post reached the coordinators' group."""
        uid = next(self.requesters)
        self.fake.names[uid] = f"Resident {uid}"
        await self._person(uid, f"Resident {uid}", "de")
        fake = self.fake

        async def answered(send) -> None:
            mark = len(fake.calls)
            send()
            await fake.wait_for("sendMessage", after=mark, chat_id=uid)

        for data in ("hr:new", "hr:cat:shopping"):
            await answered(lambda d=data: fake.press(uid, d))
        if voice:
            await answered(lambda: fake.send_voice(uid, voice))
        else:
            await answered(lambda: fake.send_text(uid, f"{text} ({uid})"))
        await answered(
            lambda: fake.send_message(uid, location={"latitude": 51.523, "longitude": 7.456})
        )
        mark = len(fake.calls)
        for data in ("hr:when:asap", "hr:langs-done", "hr:send"):
            await answered(lambda d=data: fake.press(uid, d))
        post = await fake.wait_for(
            "sendMessage", lambda c: "mod:ok:" in str(c.params), after=mark, chat_id=GROUP
        )
        return int(post.button_data("✅").split(":")[2])

    async def group_post(self, request_id: int):
        return await self.fake.wait_for(
            "sendMessage",
            lambda c: f"mod:ok:{request_id}" in str(c.params),
            chat_id=GROUP,
            timeout=15,
        )

    async def state(self, request_id: int) -> str:
        request = await self.db.requests.get(request_id)
        assert request is not None
        return request.state

    async def telegram_link(self, uid: int) -> str:
        """A coordinator sends /desk to the bot in a private chat and gets the link."""
        mark = len(self.fake.calls)
        self.fake.send_text(uid, "/desk")
        answer = await self.fake.wait_for(
            "sendMessage", lambda c: "/desk/login/" in c.text, after=mark, chat_id=uid
        )
        found = LINK.search(answer.text)
        assert found, answer.text
        return found.group(1)

    async def console_run(self, script: str) -> tuple[str, str]:
        """``python -m bot console`` as the console's coordinator "cora", same database and
        web port; the bot process keeps serving Telegram meanwhile."""
        console = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "--config",
            str(self.config),
            "console",
            "--user",
            "cora",
            "--lang",
            "en",
            cwd=ROOT,
            env=self.env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(console.communicate(script.encode()), 120)
        assert console.returncode == 0, err.decode()
        return out.decode(), err.decode()

    async def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                await asyncio.to_thread(self.process.wait, 15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        await self.db.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def chrome() -> AsyncIterator[Browser]:
    async with browser.chromium() as launched:
        yield launched


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory) -> AsyncIterator[World]:
    fake = FakeTelegram()
    await fake.start()
    tiles = browser.TileServer()
    await tiles.start()
    world = World(tmp_path_factory.mktemp("browser"), fake, tiles)
    try:
        await world.start()
        yield world
    finally:
        await world.stop()
        await tiles.stop()
        await fake.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def tab(chrome: Browser) -> AsyncIterator[browser.Browsing]:
    """A fresh browser context (no cookies) in English."""
    async with browser.browsing(chrome, "en") as session:
        yield session


def publish_button(page: Page, request_id: int):
    return page.locator(f"#request-{request_id} form[action$='/{request_id}/publish'] button")


async def test_console_link_logs_in_and_the_desk_publishes_to_telegram(world, tab):
    request_id = await world.request_in_review()
    out, err = await world.console_run("/start\n1\n3\n1\n/desk\n")
    # The web is the bot process's: the console says so and its link leads there.
    assert "served by another process" in err
    link = LINK.search(out)
    assert link and link.group(1).startswith(f"{world.base}/desk/login/"), out

    page = tab.page
    await browser.desk_log_in(page, link.group(1))
    # The card's heading names the request once: no second "🆕 Request #N" line under it.
    card = await page.locator(f"#request-{request_id}").inner_text()
    assert card.count(f"#{request_id}") == 1, card
    await publish_button(page, request_id).click()
    await page.wait_for_url(lambda url: f"done=publish&id={request_id}" in url)
    notice = page.get_by_role("status")
    assert f"#{request_id}" in await notice.inner_text()
    assert await world.state(request_id) == "open"

    # The volunteer's offer reaches Telegram; the group's post shows who decided.
    offer = await world.fake.wait_for(
        "sendMessage", lambda c: f"mt:acc:{request_id}" in str(c.params), chat_id=VERA
    )
    assert "Einkauf" in offer.text
    await world.fake.wait_for("editMessageText", lambda c: "cora" in c.text.lower(), chat_id=GROUP)
    actions = [entry["action"] for entry in await world.db.requests.history(request_id)]
    assert "desk.publish" in actions
    # The link was spent by the login.
    async with browser_session() as other, other.post(link.group(1)) as response:
        assert response.status == 403
    assert not tab.foreign


async def test_the_desk_decides_first_and_the_chat_loses_cleanly(world, tab):
    request_id = await world.request_in_review()
    post = await world.group_post(request_id)
    await browser.desk_log_in(tab.page, await world.telegram_link(CORA))
    await publish_button(tab.page, request_id).click()
    await tab.page.wait_for_url(lambda url: "done=publish" in url)
    assert await world.state(request_id) == "open"
    offers = f"mt:acc:{request_id}"
    await world.fake.wait_for("sendMessage", lambda c: offers in str(c.params), chat_id=VERA)

    # Bernd, a moment later, with the command in the group and with the post's button.
    fake = world.fake
    mark = len(fake.calls)
    fake.send_text(BERND, f"/reject {request_id} scope", chat_type="supergroup", chat_id=GROUP)
    await fake.wait_for(
        "sendMessage", lambda c: already_decided_by("Cora", c.text), after=mark, chat_id=GROUP
    )
    mark = len(fake.calls)
    fake.press(BERND, f"mod:ok:{request_id}", post)
    toast = await fake.wait_for("answerCallbackQuery", after=mark)
    assert already_decided_by("Cora", toast.params.get("text", ""))
    await fake.settle()
    request = await world.db.requests.get(request_id)
    assert request.state == "open" and request.decided_by == await world.user_id(CORA)
    assert (
        len([c for c in fake.calls_to("sendMessage", chat_id=VERA) if offers in str(c.params)]) == 1
    )
    assert not tab.foreign


async def test_the_chat_decides_first_and_the_desk_shows_who(world, tab):
    request_id = await world.request_in_review()
    post = await world.group_post(request_id)
    page = tab.page
    await browser.desk_log_in(page, await world.telegram_link(CORA))
    button = publish_button(page, request_id)
    await button.wait_for()
    # The queue is open in the browser while Bernd presses ✅ in the group.
    mark = len(world.fake.calls)
    world.fake.press(BERND, f"mod:ok:{request_id}", post)
    await world.fake.wait_for("editMessageText", after=mark, chat_id=GROUP)
    assert await world.state(request_id) == "open"
    async with page.expect_response(lambda r: r.url.endswith(f"/{request_id}/publish")) as sent:
        await button.click()
    response = await sent.value
    assert response.status == 409
    # A refusal is announced as one (role alert), not as a step done.
    notice = await page.locator("#desk-notice[role=alert]").inner_text()
    assert already_decided_by("Bernd", notice)
    request = await world.db.requests.get(request_id)
    assert request.decided_by == await world.user_id(BERND)
    actions = [entry["action"] for entry in await world.db.requests.history(request_id)]
    assert "desk.publish" not in actions
    assert not tab.foreign


FETCH = """async (src) => {
  const answer = await fetch(src);
  return [answer.status, answer.headers.get("content-type"),
          Array.from(new Uint8Array(await answer.arrayBuffer()))];
}"""


async def test_a_voice_request_is_heard_on_the_desk_before_publishing(world, chrome):
    request_id = await world.request_in_review(voice=VOICE)
    gone = await world.request_in_review(voice=silence(1.0))
    request = await world.db.requests.get(gone)
    assert request is not None and request.voice_platform == "telegram"
    del world.fake.files[request.voice_file_id]  # Telegram no longer has it
    async with browser.browsing(chrome, "en", browser.PHONE) as session:
        page = session.page
        await browser.desk_log_in(page, await world.telegram_link(CORA))
        card = page.locator(f"#request-{request_id}")
        assert "🎤" in await card.locator(".post").inner_text()
        player = card.locator("audio")
        assert await player.get_attribute("preload") == "none"
        assert await player.get_attribute("aria-label") == f"Voice message of request #{request_id}"
        assert await player.evaluate("audio => audio.controls")
        # Next to the marker, before the decision: the player comes before ✅ Publish.
        assert await card.evaluate(
            "card => card.querySelector('audio').compareDocumentPosition("
            "card.querySelector('form[action$=\"/publish\"]')) & Node.DOCUMENT_POSITION_FOLLOWING"
        )
        loaded = await player.evaluate(browser.LOAD_AUDIO)
        assert loaded.get("ready", 0) >= 3, loaded  # HAVE_FUTURE_DATA: it plays
        assert 1.5 < loaded["duration"] < 2.5, loaded
        status, kind, body = await page.evaluate(FETCH, await player.get_attribute("src"))
        assert (status, kind, bytes(body)) == (200, "audio/ogg", VOICE)
        assert await page.locator(f"#voice-failed-{request_id}").is_hidden()

        # The file Telegram lost: the player fails and the note says what to do.
        failed = await page.locator(f"#request-{gone} audio").evaluate(browser.LOAD_AUDIO)
        assert "error" in failed, failed
        note = page.locator(f"#voice-failed-{gone}")
        await note.wait_for(state="visible")
        assert "could not be fetched" in await note.inner_text()
        await browser.assert_accessible(page, "desk queue with voice messages (phone)")
        await browser.screenshots(page, "desk-queue-voice", "en")

        # Heard, then published.
        await publish_button(page, request_id).click()
        await page.wait_for_url(lambda url: f"done=publish&id={request_id}" in url)
        assert await world.state(request_id) == "open"
        # The request's page plays it too.
        await page.goto(f"{world.base}/desk/requests/{request_id}")
        loaded = await page.locator(f"#voice-{request_id} audio").evaluate(browser.LOAD_AUDIO)
        assert loaded.get("ready", 0) >= 3, loaded
        assert not session.foreign
    # Fetched from Telegram whenever played, never kept: the later requests asked again.
    assert len(world.fake.calls_to("download")) >= 3


def desk_routes() -> list[tuple[str, str, list[str]]]:
    found = [r for r in browser.routes() if r[1].startswith("/desk") and r[0] != "HEAD"]
    assert ("GET", "/desk/queue", []) in found
    return found


async def test_without_the_role_every_desk_route_is_403(world):
    request_id = await world.request_in_review()
    rosa = await world.user_id(ROSA)
    # A session for a resident: say a coordinator whose role was taken away since.
    session_id, _ = await world.db.desk.open_session(rosa, datetime.now(UTC))
    urls = [
        (method, world.base + browser.fill(pattern, {"id": str(request_id), "table": "x"}))
        for method, pattern, _names in desk_routes()
    ]
    assert len(urls) >= 6
    for cookies in ({"nb_desk": session_id}, {}):
        async with browser_session(cookies=cookies) as http:
            for method, url in urls:
                async with http.request(method, url, allow_redirects=False) as response:
                    assert response.status == 403, (method, url, cookies, response.status)
    assert await world.state(request_id) == "review"


async def test_posts_without_the_csrf_token_are_refused(world):
    request_id = await world.request_in_review()
    cora = await world.user_id(CORA)
    session_id, _ = await world.db.desk.open_session(cora, datetime.now(UTC))
    posts = [
        world.base + browser.fill(pattern, {"id": str(request_id), "table": "x"})
        for method, pattern, _ in desk_routes()
        if method == "POST" and not pattern.startswith("/desk/login/")
    ]
    assert f"{world.base}/desk/queue/{request_id}/publish" in posts
    before = len(await world.db.requests.history(request_id))
    async with browser_session(cookies={"nb_desk": session_id}) as http:
        for url in posts:
            for form in ({}, {"csrf": "x" * 43}):
                async with http.post(
                    url, data=form | {"reason": "scope", "text": "Hallo"}, allow_redirects=False
                ) as response:
                    assert response.status == 403, (url, form, response.status)
        # The session still works: refused forms changed nothing, logout included.
        async with http.get(f"{world.base}/desk/queue") as page:
            assert page.status == 200
    assert await world.state(request_id) == "review"
    assert len(await world.db.requests.history(request_id)) == before


async def test_log_in_and_publish_with_the_keyboard_alone(world, tab):
    request_id = await world.request_in_review()
    page = tab.page
    await page.goto(await world.telegram_link(CORA))
    await browser.tab_to(page, "form button[type=submit]")
    assert await browser.focus_is_visible(page)
    async with page.expect_navigation(url="**/desk/queue"):
        await page.keyboard.press("Enter")
    # The skip link comes first and is seen when focused.
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.classList.contains('skip')")
    assert await browser.focus_is_visible(page)
    await browser.tab_to(page, f"#request-{request_id} form[action$='/publish'] button")
    assert await browser.focus_is_visible(page)
    async with page.expect_navigation(url=lambda url: "done=publish" in url):
        await page.keyboard.press("Space")
    assert f"#{request_id}" in await page.get_by_role("status").inner_text()
    assert await world.state(request_id) == "open"
    # A <details> opens with the keyboard too: the reject form of another request.
    other = await world.request_in_review()
    await page.reload()
    await browser.tab_to(page, f"#request-{other} details:first-of-type summary")
    await page.keyboard.press("Enter")
    assert await page.locator(f"#request-{other} details").first.evaluate("el => el.open")
    assert not tab.foreign


async def test_queue_accessible_in_german_and_arabic_with_screenshots(world, chrome):
    await world.request_in_review("Einkauf am Nordmarkt, bitte bis Freitag")
    for lang in ("de", "ar"):
        async with browser.browsing(chrome, lang) as session:
            page = session.page
            await log_in_by_role(page, await world.telegram_link(CORA), lang)
            assert await page.get_attribute("html", "lang") == lang
            assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
            await browser.assert_accessible(page, f"desk queue ({lang})")
            # With a reject form open as well: its fieldset and labels.
            await page.locator("article.card details summary").first.click()
            await browser.assert_accessible(page, f"desk queue, reject form open ({lang})")
            shots = await browser.screenshots(page, "desk-queue", lang)
            assert [p.name for p in shots] == [
                f"desk-queue-390-{lang}.png",
                f"desk-queue-1366-{lang}.png",
            ]
            assert not session.foreign


async def log_in_by_role(page: Page, link: str, lang: str) -> None:
    """Log in whatever the page's language: the login form's only button."""
    await page.goto(link)
    async with page.expect_navigation(url="**/desk/queue"):
        await page.locator("form[action^='/desk/login/'] button").click()


async def test_pages_fetch_nothing_from_third_parties(world, tab):
    page = tab.page
    await browser.desk_log_in(page, await world.telegram_link(CORA))
    for path in ("/desk", "/desk/queue", "/desk/login/not-a-token", "/no-such-page"):
        await page.goto(world.base + path)
        await page.wait_for_load_state("networkidle")
    assert any("/static/site.css" in url for url in tab.requested)
    assert not tab.foreign, tab.foreign
    # The policy that keeps it so: scripts and styles only from the bot itself.
    response = await page.goto(world.base + "/desk/queue")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy


async def test_the_login_link_leaves_in_no_referer(world, tab):
    """The login page's styles and the login itself must not carry the link as Referer
    (a proxy's access log would keep it); the login still passes the origin check."""
    page = tab.page
    link = await world.telegram_link(CORA)
    token = link.rsplit("/", 1)[1]
    referers: list[str] = []
    page.on("request", lambda request: referers.append(request.headers.get("referer", "")))
    await browser.desk_log_in(page, link)
    await page.wait_for_load_state("networkidle")
    assert len(referers) >= 3  # the page, its styles, the login, the queue and its styles
    assert not [referer for referer in referers if token in referer]
    assert world.base + "/" in referers  # the origin alone, for the desk's own check
