"""The demo as people use it: ``python -m bot console`` in a terminal (a pty, so the console
is interactive, with its prompt) and the desk it serves beside it on a port of its own.

A coordinator's action on the desk is printed in the console as it is delivered, with no
line typed after it (before, the console delivered only after the next typed line), and a
voice request sent from the console (``:media voice``) plays on the desk: 200 and a sound
a decoder reads (before, 502: the console served no files).

Nothing here waits for a time to pass: the test waits for what the console prints, up to a
generous hang limit.
"""

from __future__ import annotations

import asyncio
import io
import os
import pty
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import av
import pytest

from bot.transports.console import parse_line
from db import Database
from handlers.messages import Media
from tests.support.cli import ROOT
from tests.support.ports import free_port
from tests.support.web_site import browser_session, csrf_of

# How long a step may take before the test calls it hung (a busy 2-core machine).
HANG = 90.0


class Screen:
    """What the console process prints to its terminal, read as it comes."""

    def __init__(self, master: int) -> None:
        self._master = master
        self._text = ""
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._master, 4096)
            except OSError:  # the process ended: the terminal is gone
                chunk = b""
            with self._changed:
                if not chunk:
                    self._text += "\0"  # marks the end
                    self._changed.notify_all()
                    return
                self._text += chunk.decode("utf-8", "replace")
                self._changed.notify_all()

    @property
    def text(self) -> str:
        with self._changed:
            return self._text

    def _wait(self, needle: str, after: int) -> int:
        with self._changed:
            found = self._changed.wait_for(
                lambda: needle in self._text[after:] or "\0" in self._text, HANG
            )
            assert found and needle in self._text[after:], (
                f"not printed within {HANG} s: {needle!r}\n{self._text[-3000:]}"
            )
            return self._text.index(needle, after)

    async def wait_for(self, needle: str, after: int = 0) -> int:
        """Where ``needle`` is printed (at or after ``after``), once it is."""
        return await asyncio.to_thread(self._wait, needle, after)

    def type(self, line: str) -> None:
        os.write(self._master, (line + "\n").encode())


@contextmanager
def console(database: Path, port: int, **settings: str) -> Iterator[Screen]:
    """``python -m bot console`` as ``make demo`` starts it, in a terminal of its own;
    ``settings``: more environment (``NACHBARBOT_…``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
    env.update(
        NACHBARBOT_BOT__DATABASE=str(database),
        NACHBARBOT_WEB__PORT=str(port),
        TERM="dumb",
        **settings,
    )
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--user", "cora", "--lang", "en"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    try:
        yield Screen(master)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(30)
        os.close(master)


async def _voice_request(database: Path) -> tuple[int, str]:
    """Amira's help request asked by voice from the console, in review; a login link of
    the console's coordinator cora."""
    voice = parse_line(":media voice")
    assert isinstance(voice, Media)
    db = await Database.open(database)
    try:
        amira = await db.users.seen("console", "amira", "amira", "amira")
        await db.users.set_language(amira.id, "en")
        await db.users.record_consent(amira.id)
        request = await db.requests.create(
            amira.id,
            amira.id,
            category="shopping",
            stadtbezirk="Innenstadt-Nord",
            area_name="Nordmarkt",
            languages=("en",),
            voice_file_id=voice.file_id,
            voice_platform="console",
        )
        cora = await db.users.seen("console", "cora", "cora", "cora")
        await db.users.record_consent(cora.id)
        await db.users.grant_role(cora.id, "coordinator")
        token = await db.desk.issue_login(cora.id, datetime.now(UTC))
        return request.id, token
    finally:
        await db.close()


def _seconds_of(sound: bytes) -> float:
    """How long the decoded sound is."""
    with av.open(io.BytesIO(sound)) as container:
        samples = sum(frame.samples for frame in container.decode(audio=0))
        return samples / container.streams.audio[0].rate


@pytest.mark.asyncio
async def test_desk_actions_print_without_input_and_console_voices_play(tmp_path):
    database = tmp_path / "demo.sqlite3"
    request_id, token = await _voice_request(database)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with console(database, port) as screen:
        await screen.wait_for("cora> ")  # the web is served before the prompt
        async with browser_session() as desk:
            async with desk.post(f"{base}/desk/login/{token}") as login:
                assert login.status == 200

            # The console's voice message, on the desk.
            async with desk.get(f"{base}/desk/requests/{request_id}/voice") as sound:
                assert sound.status == 200, await sound.text()
                assert sound.headers["Content-Type"] == "audio/ogg"
                assert _seconds_of(await sound.read()) > 0.5

            async with desk.get(f"{base}/desk/queue") as queue:
                csrf = csrf_of(await queue.text())
            before = len(screen.text)
            async with desk.post(
                f"{base}/desk/queue/{request_id}/publish", data={"csrf": csrf}
            ) as published:
                assert published.status == 200
                assert f"done=publish&id={request_id}" in str(published.url)

        # Amira is told in the console, nothing typed since the prompt; then the prompt
        # is shown again for the line cora may be typing.
        told = await screen.wait_for("[amira] ", before)
        await screen.wait_for("cora> ", told)
        assert screen.text.count("cora> ") >= 2


@pytest.mark.asyncio
async def test_the_demo_says_that_translation_is_off_and_how_to_switch_it_on(tmp_path):
    # Without an engine the demo's people relay texts the other cannot read: its start
    # says so and names the page that tells how to switch it on (issue 79, point 7).
    with console(tmp_path / "off.sqlite3", free_port()) as screen:
        prompt = await screen.wait_for("cora> ")
        said = await screen.wait_for("docs/language-bridge.md")
        assert said < prompt
    # With an engine configured, nothing of the kind is said.
    with console(
        tmp_path / "on.sqlite3",
        free_port(),
        NACHBARBOT_TRANSLATION__ENGINE="libretranslate",
        NACHBARBOT_TRANSLATION__URL="http://127.0.0.1:9",
    ) as screen:
        await screen.wait_for("cora> ")
        assert "docs/language-bridge.md" not in screen.text


@pytest.mark.asyncio
async def test_the_demos_volunteer_poster_says_what_to_write_in_the_console(tmp_path):
    """The volunteer poster in the demo (issue 100, point 7): no chat app's link reaches the
    bot there, and its code and its words led to the poster itself - a visitor could do
    nothing with it. Now it says what to write in the console beside the web, and that
    opens the volunteer's registration there."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with console(tmp_path / "poster.sqlite3", port) as screen:
        prompt = await screen.wait_for("cora> ")
        async with (
            browser_session() as visitor,
            visitor.get(f"{base}/poster/volunteer/fa") as poster,
        ):
            assert poster.status == 200
            page = await poster.text()
        assert "/start volunteer_fa" in page, page
        # A newcomer types it: her language, text only, the privacy notice, then the
        # volunteer's page the poster promised.
        screen.type("/start volunteer_fa")
        await screen.wait_for("cora> ", prompt + 1)
        for answer in ("1", "3", "1"):
            at = len(screen.text)
            screen.type(answer)
            await screen.wait_for("cora> ", at)
        await screen.wait_for("Register as a volunteer", prompt)
