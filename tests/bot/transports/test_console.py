"""The console connector, as a real process fed through a pipe, and in-process."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from bot.transports.console import ConsoleTransport
from handlers.dispatcher import Dispatcher
from locales import translator
from tests.support.cli import run_bot
from tests.support.memory_transport import readable


def run_console(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_bot("console", *args, database=tmp_path / "console.sqlite3", input=script)


def test_piped_onboarding_shows_the_turkish_menu(tmp_path):
    # /start → [1] is the detected language (Turkish) → [1] agrees to the privacy notice.
    result = run_console(tmp_path, "/start\n1\n1\n", "--lang", "tr")
    assert result.returncode == 0, result.stderr
    tr = translator("tr")
    out = result.stdout
    assert "[1] ✅ Türkçe" in out
    for label in ("Find a place", "Ask for help", "Volunteer", "Events", "Settings"):
        assert tr._(label) in out, label
    assert tr._("Find a place") != "Find a place"
    assert "<b>" not in out  # markup is rendered, not shown


def test_console_exits_zero_at_end_of_input(tmp_path):
    result = run_console(tmp_path, "")
    assert result.returncode == 0
    assert result.stdout == ""


async def test_switching_people_and_sharing_a_location(dispatcher: Dispatcher):
    out = io.StringIO()
    console = ConsoleTransport(
        dispatcher, stdin=io.StringIO(), stdout=out, user="anna", language_hint="en"
    )
    for line in [
        "/start",
        "1",
        "1",
        ":as ben",
        "/start",
        ":loc 51.51,7.46",
        ":loc nonsense",
        ":as anna",
        ":media photo",
        ":media voice",
        ":loc 51.51,7.46",
        "99",
    ]:
        assert await console.handle_line(line)
    text = out.getvalue()
    assert "→ ben" in text
    assert ":as NAME" in text  # the malformed :loc got the usage hint
    # Anna is onboarded: a photo gets the "cannot use" hint, a voice message the offer to
    # ask for help with it, her location the places near it.
    assert text.count("🙈") == 1
    assert "🎤" in text and "Places near" in text
    assert not await console.handle_line(":quit")


async def test_messages_for_someone_else_are_prefixed(dispatcher: Dispatcher):
    from markupsafe import Markup

    from handlers.messages import Message, Recipient

    out = io.StringIO()
    console = ConsoleTransport(dispatcher, stdin=io.StringIO(), stdout=out, user="anna")
    console._render(
        Message(Markup("Hallo <b>Ben</b>\nzweite Zeile"), to=Recipient("console", "ben"))
    )
    assert out.getvalue().splitlines()[:2] == ["[ben] Hallo Ben", "[ben] zweite Zeile"]


def test_help_is_short_and_its_buttons_work_piped(tmp_path):
    # /start → Turkish → agree; /help; its first button (📍 places) asks where to look.
    result = run_console(tmp_path, "/start\n1\n1\n/help\n1\n", "--lang", "tr")
    assert result.returncode == 0, result.stderr
    tr = translator("tr")
    out = result.stdout
    title = tr._("ℹ️ <b>What I can do</b>").replace("<b>", "").replace("</b>", "")
    after_help = out[out.index(title) :]
    text = after_help[: after_help.index("[1]")]
    assert len([line for line in text.splitlines() if line.strip()]) <= 4
    assert "/delete" not in text
    assert f"[1] 📍 {tr._('Find a place')}" in after_help
    assert "44137" in after_help  # the place search's prompt
    assert ":loc LAT,LON" in after_help


async def test_help_buttons_in_the_console(dispatcher: Dispatcher):
    from tests.support.terminal import Terminal

    term = Terminal(dispatcher, dispatcher.db)
    await term.type(":as hanna", "/start")
    await term.press("lang:en")
    await term.press("consent:yes")
    shown = await term.type("/help")
    assert "What I can do" in shown and "/delete" not in shown
    shown = readable(await term.press("guide:all"))
    assert "/delete - Delete all your data" in shown
    await term.type("/help")
    shown = await term.press("menu:events")
    assert "This week" in shown
    await term.type("/help")
    shown = await term.press("guide:language")
    assert "Deutsch" in shown
