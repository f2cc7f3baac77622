"""Run ``python -m bot …`` as a real process, isolated from the caller's NACHBARBOT_* settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.bot_process import ROOT


def run_bot(
    *args: str,
    database: Path | str | None = None,
    input: str | None = None,
    timeout: float = 120,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    prelude: str = "",
    fresh: bool = False,
    refused_at_start: bool = False,
) -> subprocess.CompletedProcess[str]:
    """``env`` adds to (or overrides) the caller's environment; ``prelude``: Python run in
    the bot's process before it starts (e.g. a fixed clock), which then runs as ``-m bot``.

    A short command is forked from a process that imported the bot once
    (tests/support/forked_cli.py) - the same process of its own, without the 0.6 s of
    imports. ``fresh``, a prelude, NACHBARBOT_TEST_NO_FORK=1, _FRESH_COMMANDS and an
    environment that changes the interpreter itself (an installed copy on PYTHONPATH,
    another locale: ``CommandZygote.fits``) start a new interpreter, as before.
    ``refused_at_start``: a ``console``/``run``/``web`` the test expects to refuse before it
    starts anything (a damaged database) is forked as the short commands are - a hang still
    shows: the child joins its non-daemon threads before it ends, as an interpreter does."""
    settings = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
    if database is not None:
        settings["NACHBARBOT_BOT__DATABASE"] = str(database)
    settings.update(env or {})
    if not (fresh or prelude or _needs_fresh(args, refused_at_start)):
        from tests.support.forked_cli import zygote_for

        forking = zygote_for(settings)
        if forking is not None:
            return forking.run(args, input=input, timeout=timeout, cwd=cwd, env=settings)
    command = ["-m", "bot", *args]
    if prelude:
        start = "import runpy; runpy.run_module('bot', run_name='__main__', alter_sys=True)"
        command = ["-c", f"{prelude}\n{start}", *args]
    return subprocess.run(
        [sys.executable, *command],
        input=input,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=settings,
        timeout=timeout,
    )


# Commands that keep a real interpreter: the console demo and the long-running ones.
_FRESH_COMMANDS = {"console", "run", "web"}


def run_deploy_script(
    name: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``sh deploy/NAME`` from the repository, with exactly ``env``, its output captured."""
    return subprocess.run(
        ["sh", str(ROOT / "deploy" / name)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _needs_fresh(args: tuple[str, ...], refused_at_start: bool = False) -> bool:
    """A new interpreter when asked (NACHBARBOT_TEST_NO_FORK=1) and for _FRESH_COMMANDS
    (unless ``refused_at_start``)."""
    if os.environ.get("NACHBARBOT_TEST_NO_FORK") == "1":
        return True
    return not refused_at_start and bool(_FRESH_COMMANDS & set(args))


def matrix_config(folder: Path, database: Path, homeserver: str, user_id: str) -> Path:
    """A configuration file for one Matrix account on ``database``, as an operator writes
    it: the secrets come from the environment, the key file is the default (beside the
    database)."""
    config = folder / "operator.toml"
    config.write_text(
        f'[bot]\ndatabase = "{database}"\n'
        f'[matrix]\nhomeserver = "{homeserver}"\nuser_id = "{user_id}"\n',
        encoding="utf-8",
    )
    return config


async def stop_bot(process: subprocess.Popen[bytes], grace: float = 15) -> None:
    """SIGTERM, as a process manager stops it; killed if it has not ended within ``grace``."""
    import asyncio

    process.terminate()
    try:
        await asyncio.to_thread(process.wait, grace)
    except subprocess.TimeoutExpired:
        process.kill()


async def wait_in_log(
    process: subprocess.Popen[bytes], log: Path, needle: str, *, before: int = 0, within: float = 60
) -> None:
    """Until ``log`` holds ``needle`` more than ``before`` times; fails if the process ends."""
    import asyncio

    def text() -> str:
        return log.read_text(errors="replace") if log.exists() else ""

    for _ in range(int(within * 10)):
        if text().count(needle) > before:
            return
        assert process.poll() is None, text()[-3000:]
        await asyncio.sleep(0.1)
    raise AssertionError(f"not in the log within {within} s: {needle}\n" + text()[-3000:])
