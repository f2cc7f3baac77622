"""The SIP edge started again after a crash keeps the calls in progress (edge_memory.py:
the dialog module's ``db_text`` database in the edge's folder, written as Kamailio shuts
down and read at its start).

One line behind the edge holds 2 callers (SIPp through Kamailio, held until the bot hangs
up). A worker process of the edge's Kamailio crashes (SIGSEGV: its main process shuts the
edge down); the bot starts the edge again. The edge still counts the line's 2 calls, and
the bot's hang-up of one of them reaches its caller through the new edge (a BYE, answered):
before, the new edge knew no call, answered the line's BYE 481, and the caller heard
silence until their phone gave up (and the line's places counted 0 while 2 were taken).

Nothing is timed: the test waits for SIPp's log, the new edge's answer and the line's calls."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.transports.phone.sip import edge_memory
from bot.transports.phone.sip.call_control import StackSettings
from bot.transports.phone.sip.edge import options_answered
from bot.transports.phone.sip.line_pool import Lines
from handlers.dispatcher import Dispatcher
from tests.support.sip.fixtures import BOT_USER
from tests.support.sip.held_lines import all_answered, held_phone, own_registrar, wait_until
from tests.support.sip.kamailio import HOST, KamailioServer
from tests.support.sip.sipp import HeldCallers

CALLERS = 2
# Kamailio's own definitions of the tables (the Debian package's schema).
KAMAILIO_SCHEMA = Path("/usr/share/kamailio/dbtext/kamailio")


@pytest.fixture
def registrar() -> Iterator[KamailioServer]:
    with own_registrar() as server:
        yield server


def _a_worker_of(pid: int) -> int:
    """One of the edge's Kamailio worker processes (its main process's children)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert children
    return int(children[0])


@pytest.fixture
async def held(
    registrar: KamailioServer, dispatcher: Dispatcher
) -> AsyncIterator[tuple[Lines, HeldCallers]]:
    """One line of the registered phone holding ``CALLERS`` callers, answered."""
    phone, lines = await held_phone(dispatcher, registrar, 1)
    line = lines._lines[0]
    callers = HeldCallers(registrar.domain, BOT_USER, "+49231555", CALLERS)
    try:
        await all_answered(phone, callers, CALLERS)
        await asyncio.to_thread(wait_until, lambda: len(line.calls) == CALLERS, "the line's calls")
        yield lines, callers
    finally:
        callers.stop()
        await phone.stop()


async def _hang_up_one(lines: Lines, callers: HeldCallers) -> None:
    """The bot hangs up one of the line's calls: until its caller and the edge know."""
    edge = lines.edge
    assert edge is not None
    lines.hang_up(min(lines._lines[0].calls))
    await asyncio.to_thread(wait_until, lambda: len(callers.ended()) == 1, "the caller's end")
    # The edge's count follows once its worker took the caller's 200 (another process).
    await asyncio.to_thread(
        wait_until, lambda: edge.control.calls_of("0") == CALLERS - 1, "the edge's count"
    )


async def test_the_edge_started_again_after_a_crash_keeps_the_calls_in_progress(
    held: tuple[Lines, HeldCallers],
):
    lines, callers = held
    edge = lines.edge
    assert edge is not None
    dead = edge.process
    assert dead is not None
    os.kill(_a_worker_of(dead.pid), signal.SIGSEGV)
    await asyncio.to_thread(
        wait_until,
        lambda: edge.process not in (None, dead) and options_answered(HOST, lines.port),
        "the edge runs again",
    )
    assert await asyncio.to_thread(edge.control.calls_of, "0") == CALLERS
    # The bot hangs up one call: its BYE passes the new edge and reaches the caller.
    await _hang_up_one(lines, callers)


async def test_a_line_told_dead_late_keeps_the_calls_of_its_new_process(
    held: tuple[Lines, HeldCallers],
):
    """A line that died while the edge was starting again is told to the new edge late
    (_retell: it ends the calls the edge kept of the dead process). The line's process
    started again meanwhile and answered callers - as the INVITEs sent again while the
    edge was down arrive the moment it runs: those calls are the new process's, and the
    edge must not end them (before, every answered call of the line was ended)."""
    lines, callers = held
    assert lines.edge is not None
    edge, line = lines.edge, lines._lines[0]
    line.unsaid = True  # its predecessor died while the edge could not be told
    await lines._retell()
    dialogs = await asyncio.to_thread(edge.control.call, "dlg.profile_list", "line", "0")
    assert [dialog["state"] for dialog in dialogs] == [4] * CALLERS
    # The bot hangs up one call: the other stays, at the line and at the edge.
    await _hang_up_one(lines, callers)
    assert len(line.calls) == CALLERS - 1
    assert len(callers.ended()) == 1


def test_the_tables_are_kamailios_own_and_kept_over_a_restart(tmp_path: Path):
    database = edge_memory.prepare(tmp_path)
    if KAMAILIO_SCHEMA.is_dir():  # the installed Kamailio's definitions, where shipped
        for name in ("dialog", "dialog_vars"):
            assert (database / name).read_text() == (KAMAILIO_SCHEMA / name).read_text()
        versions = (KAMAILIO_SCHEMA / "version").read_text().splitlines()
        for row in edge_memory.VERSION.splitlines()[1:]:
            assert row in versions
    # A row a shut-down edge wrote is kept when the edge is started again.
    kept = edge_memory.DIALOG + "1:2:3:a call\n"
    (database / "dialog").write_text(kept)
    edge_memory.prepare(tmp_path)
    assert (database / "dialog").read_text() == kept
    assert (database / "dialog").stat().st_mode & 0o077 == 0


@pytest.mark.usefixtures("quick_restarts")
async def test_an_edge_that_cannot_read_the_calls_it_kept_starts_again_without_them():
    """A table Kamailio cannot parse stops its start ("failed to initialize the DB
    support"): the bot starts the edge again without the calls it kept, not never."""
    lines = Lines(StackSettings(bind=HOST), lambda event: None, 1)
    await lines.start()
    try:
        edge = lines.edge
        assert edge is not None and edge.process is not None
        dead = edge.process
        table = edge.folder / edge_memory.FOLDER / "dialog"
        table.write_text(edge_memory.DIALOG + "not a row of the table\n")
        os.kill(dead.pid, signal.SIGKILL)  # killed: nothing is written over the table
        await asyncio.to_thread(
            wait_until,
            lambda: edge.process not in (None, dead) and options_answered(HOST, lines.port),
            "the edge runs again",
        )
        assert table.read_text() == edge_memory.DIALOG
    finally:
        await lines.stop()


# A bot of its own (another process): a folder for its edge, held while it runs, with the
# answered calls its edge wrote; it runs until its stdin ends (or it is killed).
_A_BOT = """
import sys, tempfile
from pathlib import Path
from bot.transports.phone.sip.line_pool import FOLDER_PREFIX, own_folder
folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX, dir=sys.argv[1]))
own_folder(folder)
(folder / "dialogs").mkdir()
(folder / "dialogs" / "dialog").write_text("a caller's call\\n")
print(folder, flush=True)
sys.stdin.read()
"""


def _a_bot(parent: Path) -> tuple[subprocess.Popen[str], Path]:
    bot = subprocess.Popen(
        [sys.executable, "-c", _A_BOT, str(parent)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert bot.stdout is not None
    return bot, Path(bot.stdout.readline().strip())


async def test_the_calls_a_killed_bots_edge_kept_are_removed_at_the_next_start(
    monkeypatch: pytest.MonkeyPatch,
):
    """A bot killed (SIGKILL, out of memory) never removes its folder, and its edge, ended
    by the bot's end, writes the answered calls there (the callers' numbers): the next bot
    removes such folders at its start - not another running bot's (two cities on one
    machine). Before, they stayed in the temporary folder for good."""
    parent = Path(tempfile.mkdtemp(prefix="nb-"))  # short: the control socket's path
    monkeypatch.setattr(tempfile, "tempdir", str(parent))
    killed, killed_folder = _a_bot(parent)
    running, running_folder = _a_bot(parent)
    killed.kill()
    killed.wait()
    lines = Lines(StackSettings(bind=HOST), lambda event: None, 1)
    try:
        await lines.start()
        assert not killed_folder.exists()
        assert (running_folder / "dialogs" / "dialog").exists()
    finally:
        await lines.stop()
        running.kill()
        running.wait()
        shutil.rmtree(parent, ignore_errors=True)
