"""The phone line through the real ``python -m bot run`` process, with the configuration's
defaults: its lines (5 processes, 4 calls each, and one that says all lines are busy) behind
its SIP edge (a Kamailio of its own) register at Kamailio, and 8 SIPp callers
at once - more than one PJSIP takes - each choose German and agree; when the bot stops,
its line processes and its edge end with it, and when it is killed they end by themselves."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from db import Database
from tests.support.bot_process import launch_bot
from tests.support.cli import wait_in_log
from tests.support.sip.calls import callers
from tests.support.sip.kamailio import HOST, KamailioServer
from tests.support.sip.sipp import Step, callers_at_once

USER, PASSWORD = "nachbarbot", "phone-secret"
CALLS = 8
LINES = 5  # the configuration's default
PREFIX = "+49231777"


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def _descendants(pid: int) -> set[int]:
    """The processes below ``pid``: its lines, its edge and the edge's workers."""
    found = _children(pid)
    for child in list(found):
        found |= _children(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _config(tmp: Path, kamailio: KamailioServer) -> Path:
    config = tmp / "phone.toml"
    config.write_text(
        f'[bot]\ndatabase = "{tmp / "bot.sqlite3"}"\nlog_level = "INFO"\n'
        f"[phone]\nenabled = true\n"
        f'registrar = "{kamailio.registrar_uri}"\nuser = "{USER}"\n'
        f'bind = "{HOST}"\nport = 0\nrtp_port = 0\nrecordings = "{tmp / "recordings"}"\n',
        encoding="utf-8",
    )
    return config


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
    env["NACHBARBOT_PHONE__PASSWORD"] = PASSWORD
    # A process that is stopped with SIGABRT writes where each of its threads was (the bot's
    # lines inherit it): what _registered shows when the lines never register.
    env["PYTHONFAULTHANDLER"] = "1"
    return env


async def _registered(process, log: Path) -> None:  # type: ignore[no-untyped-def]
    """Until the bot says all its lines registered; if it never does, the bot and its lines
    are stopped with SIGABRT first, so that the failure shows where each one was (two
    clean-clone runs saw a bot whose lines never registered, the log silent after a line's
    start)."""
    try:
        await wait_in_log(process, log, "phone: registered", within=90)
    except AssertionError:
        for pid in [*_children(process.pid), process.pid]:
            os.kill(pid, signal.SIGABRT)
        await asyncio.sleep(2)
        raise AssertionError(
            "no 'phone: registered' within 90 s; where the bot and its lines were:\n"
            + log.read_text(errors="replace")[-20000:]
        ) from None


async def _agreed(database: Path) -> int:
    db = await Database.open(database, migrate=False)
    try:
        # Each call's own (a stand-in until its number is checked, caller_check.py).
        return await callers(db, agreed=True)
    finally:
        await db.close()


async def _children_are(pid: int, count: int) -> None:
    """Until ``pid`` has ``count`` children (one that ended by itself is started again)."""
    for _ in range(300):
        if len(_children(pid)) == count:
            return
        await asyncio.sleep(0.1)
    assert len(_children(pid)) == count


async def test_the_bot_process_takes_more_calls_at_once_than_one_pjsip(tmp_path: Path):
    kamailio = KamailioServer(users={USER: PASSWORD})
    kamailio.start()
    log = tmp_path / "bot.log"
    process = launch_bot(_config(tmp_path, kamailio), _env(), log)
    try:
        # Told once every line is registered (line_pool.py).
        await _registered(process, log)
        # The line that says all lines are busy, the SIP edge (Kamailio's main process) and
        # the media relay (rtpengine) - which, ended by a taken port, is started again.
        await _children_are(process.pid, LINES + 3)
        lines = _descendants(process.pid)
        result = await asyncio.to_thread(
            callers_at_once,
            kamailio.domain,
            USER,
            PREFIX,
            CALLS,
            # The language, "Get help" (it keeps something: its notice first), "I agree" -
            # pressed 3 s after the answer: the media relay passes a call's audio once the
            # answer has gone through it, and eight answers at once on a busy machine took
            # longer than 1.5 s (one caller's keys were lost in a clean-clone CI).
            [Step(3000, "121")],
            after_ms=1500,
        )
        assert result.returncode == 0, result.errors
        assert (result.count("SuccessfulCall"), result.count("FailedCall")) == (CALLS, 0)
        agreed = 0
        for _ in range(600):  # until the bot has taken every caller's keys
            agreed = await _agreed(tmp_path / "bot.sqlite3")
            if agreed == CALLS:
                break
            await asyncio.sleep(0.1)
        assert agreed == CALLS
        text = log.read_text(errors="replace")
        assert PREFIX not in text and PASSWORD not in text  # numbers and secrets: never
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 60) == 0
        assert not [pid for pid in lines if _alive(pid)]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        kamailio.stop()


async def test_the_lines_end_when_the_bot_is_killed(tmp_path: Path):
    kamailio = KamailioServer(users={USER: PASSWORD})
    kamailio.start()
    log = tmp_path / "bot.log"
    process = launch_bot(_config(tmp_path, kamailio), _env(), log)
    lines: set[int] = set()
    try:
        await _registered(process, log)
        # The line that says all lines are busy, the SIP edge (Kamailio's main process) and
        # the media relay (rtpengine) - which, ended by a taken port, is started again.
        await _children_are(process.pid, LINES + 3)
        lines = _descendants(process.pid)
        process.kill()
        process.wait()
        # Each line reads the end of its pipe and stops; the edge is told by the kernel.
        for _ in range(600):
            if not [pid for pid in lines if _alive(pid)]:
                break
            await asyncio.sleep(0.1)
        assert not [pid for pid in lines if _alive(pid)]
    finally:
        for pid in lines:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
        kamailio.stop()
