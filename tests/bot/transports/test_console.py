"""The console connector, as a real process fed through a pipe, and in-process."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from bot.transports.console import ConsoleTransport
from db.users import ReadAloud
from handlers.dispatcher import Dispatcher
from locales import translator
from tests.support.cli import run_bot
from tests.support.memory_transport import readable


def run_console(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_bot("console", *args, database=tmp_path / "console.sqlite3", input=script)


def test_piped_onboarding_shows_the_turkish_menu(tmp_path):
    # /start → [1] is the detected language (Turkish) → [3] no read aloud (a voice speaks
    # Turkish) → [1] agrees to the privacy notice.
    result = run_console(tmp_path, "/start\n1\n3\n1\n", "--lang", "tr")
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
        dispatcher.ports, stdin=io.StringIO(), stdout=out, user="anna", language_hint="en"
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
    console = ConsoleTransport(dispatcher.ports, stdin=io.StringIO(), stdout=out, user="anna")
    console._render(
        Message(Markup("Hallo <b>Ben</b>\nzweite Zeile"), to=Recipient("console", "ben"))
    )
    assert out.getvalue().splitlines()[:2] == ["[ben] Hallo Ben", "[ben] zweite Zeile"]


def test_a_refused_typed_answer_points_to_the_numbered_choices(tmp_path):
    # Found in a black-box pass: typing where a form step offers choices answered "Please
    # use the buttons above" - the console shows numbered choices, not buttons. The hint
    # now fits every chat: the choices above, buttons or numbers.
    # /start, the language offered, no reading aloud, agree; Ask for help, Ask for help.
    result = run_console(tmp_path, "/start\n1\n3\n1\n2\n1\nblah blah\n", "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert "👆 Please pick one of the choices above." in result.stdout, result.stdout
    assert "buttons" not in result.stdout


def test_a_blank_user_is_refused_and_nothing_is_made(tmp_path):
    # Found in a black-box pass: `console --user ''` made an account named "" that no
    # ":as" and no desk page could address. It is refused (exit 2) before the database
    # is even opened.
    for name in ("", "   "):
        result = run_bot(
            "console",
            "--user",
            name,
            database=tmp_path / "console.sqlite3",
            input="/start\n",
            refused_at_start=True,
        )
        assert result.returncode == 2, (result.stdout, result.stderr)
        assert "--user" in result.stderr and "name is empty" in result.stderr, result.stderr
        assert result.stdout == "" and not (tmp_path / "console.sqlite3").exists()


def test_a_blank_coordinator_is_refused_and_nothing_is_made(tmp_path):
    # Found in a black-box pass: `console --coordinator "  "` made a coordinator's account
    # named with spaces. It is refused (exit 2) before the database is opened; "" still
    # means that nobody plays the coordinator.
    for name in ("  ", "\t"):
        result = run_bot(
            "console",
            "--coordinator",
            name,
            database=tmp_path / "console.sqlite3",
            input="/start\n",
            refused_at_start=True,
        )
        assert result.returncode == 2, (result.stdout, result.stderr)
        assert "--coordinator" in result.stderr and "only spaces" in result.stderr
        assert result.stdout == "" and not (tmp_path / "console.sqlite3").exists()
    nobody = run_console(tmp_path, "", "--coordinator", "")
    assert nobody.returncode == 0, nobody.stderr


def test_help_is_short_and_its_buttons_work_piped(tmp_path):
    # /start → Turkish → no read aloud → agree; /help; its first button (📍 places) asks
    # where to look.
    result = run_console(tmp_path, "/start\n1\n3\n1\n/help\n1\n", "--lang", "tr")
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


def _listening_terminal(dispatcher: Dispatcher, *languages: str):
    """A console person (Amira, her phone in Arabic) and a recording speaker for
    ``languages``; the web's map is configured, so some messages carry its link."""
    from dataclasses import replace

    from bot.delivery import OutboxWorker
    from tests.support.fake_speaker import FakeSpeaker
    from tests.support.terminal import Terminal

    speaker = FakeSpeaker(frozenset(languages))
    dispatcher.settings = replace(
        dispatcher.settings,
        speech_languages=speaker.languages,
        web_url="https://karte.example.org",
    )
    term = Terminal(dispatcher, dispatcher.db)
    term.console.worker = OutboxWorker(dispatcher.db, [term.console], speaker=speaker)
    return term, speaker


async def _typed_labels(term) -> list[str]:
    """The labels a typed 1, 2, … presses now: the newest message's numbered buttons."""
    console = term.console
    memory = console.choices.memory
    newest = await memory.newest_sent(console.group or console.user)
    if newest is None or not newest[1]:
        return []
    return [
        label for label, _data in await memory.buttons_of(newest[0], console.group or console.user)
    ]


async def test_a_listener_onboards_by_the_numbers_she_heard(dispatcher: Dispatcher):
    """Amira cannot read. She picks Arabic, hears the read-aloud offer ("second button:
    only when I tap") and types ٢: that is the offer's second button, not the privacy
    notice's "No, thanks". The notice comes after it, said aloud; she hears "first button:
    I agree" and types 1. Whatever was said last names the buttons a typed number presses."""
    term, speaker = _listening_terminal(dispatcher, "ar")
    ar = translator("ar")
    await term.type("/start")
    shown = await term.type("1")  # ✅ العربية, first as her phone's language
    assert ar._("I agree") not in shown  # the notice waits for the offer's answer
    [offer] = speaker.said
    assert offer.labels == await _typed_labels(term)
    assert offer.labels[1] == "👆 " + ar._("Only when I tap 🔊")

    shown = await term.type("٢")
    assert ar._("Yes, delete everything") not in shown
    person = await dispatcher.db.users.find("console", "amira")
    assert person is not None and person.read_aloud == ReadAloud.ON_TAP
    # Someone who hears the bot is offered easy language next, said aloud too.
    easy = speaker.said[-1]
    assert easy.labels == await _typed_labels(term)
    assert easy.labels[1] == "📝 " + ar._("No, as usual")
    shown = await term.type("2")
    assert ar._("Yes, delete everything") not in shown
    notice = speaker.said[-1]
    assert notice.labels == await _typed_labels(term)
    assert notice.labels[0] == "✅ " + ar._("I agree")

    shown = await term.type("1")
    person = await dispatcher.db.users.find("console", "amira")
    assert person is not None and person.consent_at is not None
    assert ar._("Find a place") in shown


async def test_what_is_said_names_the_buttons_a_number_presses(dispatcher: Dispatcher):
    """Read everything aloud: each message's speech names its numbered buttons in the
    console's order; a link (the map), which has no number here, is not counted."""
    term, speaker = _listening_terminal(dispatcher, "en")
    db = dispatcher.db
    rami = await db.users.seen("console", "rami", "rami", "Rami")
    await db.users.set_language(rami.id, "en")
    await db.users.record_consent(rami.id)
    await db.users.set_read_aloud(rami.id, ReadAloud.EVERY)
    await term.type(":as rami")
    for line in ("/menu", "1"):  # the main menu; 📍 Find a place: "where?" with the map
        before = len(speaker.said)
        await term.type(line)
        said = speaker.said[before:]
        assert said and said[-1].labels == await _typed_labels(term), line
