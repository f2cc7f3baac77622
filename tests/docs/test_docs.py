"""The README and docs/ tell the truth: every link leads to a file that exists, every
``python -m bot`` command they show names subcommands and options the real parser has,
every ``make`` command names a target (and variables) of the Makefile, the few other
commands are each checked by a named test, and the console example runs as shown."""

from __future__ import annotations

import argparse
import re
import shlex

import pytest

from bot.cli.main import _parser
from tests.support.cli import ROOT, run_bot

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"```(sh|bash|shell)\n(.*?)```", re.S)
_INLINE = re.compile(r"`((?:\.venv/bin/)?python -m bot [^`]+|nachbarbot [^`]+|make [^`]+)`")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_BOT = re.compile(r"^(?:\.venv/bin/)?python -m bot\b|^nachbarbot\b")
LOCAL_TRY = "tests/docs/test_local_try.py"
# Commands of other programs the docs show, each with the test that checks what it relies
# on: (the command's start, the test file, a string that test must contain).
OTHER_COMMANDS = [
    (
        "docker compose -f deploy/compose.yaml --profile translation",
        "tests/system/test_deploy_files.py",
        '["translation"]',
    ),
    ("printf ", "tests/docs/test_docs.py", "test_the_piped_console_example_runs"),
    # docs/phone.md and docs/sms.md, "Try it on this computer": the shipped files, run.
    ("kamailio -DD -E -Y /tmp -f deploy/try/phone/kamailio.cfg", LOCAL_TRY, "ShippedKamailio"),
    ("baresip -f deploy/try/phone/baresip", LOCAL_TRY, "_shipped_baresip"),
    ("/usr/sbin/bearerbox deploy/try/sms/kannel.conf", LOCAL_TRY, "ShippedKannel"),
    ("/usr/sbin/smsbox deploy/try/sms/kannel.conf", LOCAL_TRY, "ShippedKannel"),
    (
        "/usr/lib/kannel/test/fakesmsc -H 127.0.0.1 -r 13015 -i 0 -v 0",
        LOCAL_TRY,
        "FakePhoneNetwork",
    ),
    # docs/operations.md: the nightly SQLite backup's unit, whose files the test runs.
    (
        "install -m 0755 deploy/nachbarbot-backup.sh /usr/local/bin/nachbarbot-backup",
        "tests/system/test_upgrade_backup.py",
        "install -m 0755 deploy/nachbarbot-backup.sh {script}",
    ),
    (
        "cp deploy/nachbarbot-backup.service deploy/nachbarbot-backup.timer /etc/systemd/system/",
        "tests/system/test_upgrade_backup.py",
        '(DEPLOY / "nachbarbot-backup.timer")',
    ),
    (
        "systemctl enable --now nachbarbot-backup.timer",
        "tests/system/test_upgrade_backup.py",
        '"OnCalendar=" in timer and "Persistent=true" in timer',
    ),
    # docs/sms.md: the Android app's webhook registered as its API takes it.
    (
        'curl -X POST -u USER:PASSWORD -H "Content-Type: application/json" -d \'{"url"',
        "tests/bot/transports/sms/test_through_android.py",
        '"event": "sms:received"}',
    ),
]


def _commands() -> list[tuple[str, str]]:
    """(page, command) for every command line in a shell block and every inline command."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for block in _BLOCK.finditer(text):
            for line in block.group(2).splitlines():
                line = line.split("  #")[0].strip()
                if line and not line.startswith("#"):
                    found.append((page.name, line))
        found += [(page.name, " ".join(m.group(1).split())) for m in _INLINE.finditer(text)]
    return found


COMMANDS = _commands()


def _without_brackets(text: str) -> str:
    while True:
        shorter = re.sub(r"\[[^\[\]]*\]", " ", text)
        if shorter == text:
            return text
        text = shorter


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings}


def check_bot_command(command: str) -> None:
    """The subcommands exist, and every option the line shows (optional ones in brackets
    too) is one that the subcommand or the top level takes."""
    top = _parser()
    words = _BOT.sub("", command).strip()
    shown_options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", words))
    parts = shlex.split(_without_brackets(words).replace("…", ""))
    parser = top
    for position, word in enumerate(parts):
        if word in ("--config", "--city") and parser is top:
            continue
        if position > 0 and parts[position - 1] in ("--config", "--city"):
            continue
        if word == "--version" and parser is top:  # an option of its own, no subcommand
            break
        choices = _subparsers(parser)
        if not choices:
            break
        alternatives = word.split("|")
        assert all(a in choices for a in alternatives), f"{command!r}: no subcommand {word!r}"
        parser = choices[alternatives[0]]
    unknown = shown_options - _options(parser) - _options(top)
    assert not unknown, f"{command!r}: options the parser does not take: {sorted(unknown)}"


def _make_targets() -> tuple[set[str], set[str]]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][\w.-]*)\s*:(?!=)", text, re.M))
    variables = set(re.findall(r"^([A-Z_]+)\s*[?:]?=", text, re.M))
    return targets, variables


def check_make_command(command: str) -> None:
    targets, variables = _make_targets()
    words = shlex.split(command)[1:]
    assert words and words[0] in targets, f"{command!r}: no such make target"
    for word in words[1:]:
        name = word.split("=")[0]
        assert "=" in word and name in variables, f"{command!r}: {word!r} is no Makefile variable"


def check_other_command(command: str) -> None:
    for start, test, needle in OTHER_COMMANDS:
        if command.startswith(start):
            assert needle in (ROOT / test).read_text(encoding="utf-8"), (command, test)
            return
    raise AssertionError(f"{command!r} is neither run nor checked by any test: add it here")


def check(command: str) -> None:
    for segment in command.split(" | "):
        segment = re.sub(r"^(?:[A-Z_]+=\S+ )+", "", segment.strip())
        if _BOT.match(segment):
            check_bot_command(segment)
        elif segment.startswith("make "):
            check_make_command(segment)
        else:
            check_other_command(command)
            return


def test_the_docs_show_commands():
    assert len(COMMANDS) > 40
    assert {page for page, _ in COMMANDS} >= {"README.md", "operations.md", "console.md"}


@pytest.mark.parametrize(("page", "command"), COMMANDS, ids=[f"{p}: {c}" for p, c in COMMANDS])
def test_every_command_in_the_docs_is_real(page, command):
    check(command)


@pytest.mark.parametrize(
    "command",
    [
        "python -m bot places near QUERY [--radius N]",
        "python -m bot plaices import FILE",
        "nachbarbot db migrate --force",
        "make demo LANG=ar",
        "make deploy",
        "curl http://127.0.0.1:8765/",
    ],
)
def test_the_check_catches_commands_that_are_not(command):
    with pytest.raises(AssertionError):
        check(command)


def test_every_link_leads_somewhere():
    broken = []
    for page in PAGES:
        for target in _LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue
            if not (page.parent / target.split("#")[0]).exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, broken


def test_the_readme_is_a_front_door():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 150, len(lines)


def test_the_piped_console_example_runs(tmp_path):
    """docs/console.md's example, through the real process: the greeting in the language
    of the hint, the language chosen by its number, the privacy notice agreed to."""
    text = (ROOT / "docs/console.md").read_text(encoding="utf-8")
    [example] = [line for line in text.splitlines() if line.startswith("printf ")]
    typed, command = example.split(" | ")
    lines = shlex.split(typed)[1].encode().decode("unicode_escape")
    args = _BOT.sub("", command).split()
    result = run_bot(*args, database=tmp_path / "bot.sqlite3", input=lines)
    assert result.returncode == 0, result.stderr
    shown = result.stdout
    # Greeted in Ukrainian, as the --lang hint asks, Ukrainian first in the picker ("1").
    assert "👋 Вітаю!" in shown and "[1] ✅ Українська" in shown, shown
    # Read aloud was offered (and said aloud) before the notice, and "3" declined it; then
    # "1" agreed to the privacy notice, the newest message with buttons: the main menu.
    assert "🔊" in shown, shown
    assert "✅ Дякуємо, ви погодилися" in shown and "🏠" in shown, shown


def test_the_help_page_explains_every_number_a_city_can_set():
    """Every setting of ``[help]`` is named on docs/help.md (issue 63: "docs/help.md
    explains every number a city can set"), as ``help.name``, ``[help] name`` or ``name``
    in code."""
    from dataclasses import fields

    from bot.config import HelpSection

    page = (ROOT / "docs" / "help.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(?:help\.|\[help\] )?([a-z_]+)(?: = [^`]*)?`", page))
    missing = [field.name for field in fields(HelpSection) if field.name not in named]
    assert not missing, missing
