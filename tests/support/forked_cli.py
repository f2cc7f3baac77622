"""Short ``python -m bot COMMAND ...`` runs (``db check``, ``places import``, ``roles``,
``doctor`` ...) forked from one process per test process that imported the bot once
(tests/support/forked_bot.py's "zygote", for the CLI): each start of a fresh interpreter
cost 0.6 s of CPU, almost all of it imports, and the tests start some 600.

Each command still runs in a process of its own, as ``python -m bot ARGS`` would: the
child changes to the caller's directory, clears ``os.environ`` and sets exactly the
caller's environment before anything of the command runs, reads its stdin from a file of
the caller's text (or /dev/null), writes stdout and stderr to files of their own, and
ends as the interpreter would: SystemExit's code, 1 with the traceback after an uncaught
exception, non-daemon threads joined and atexit functions run (logging flushed) first.
Its exit status - a signal's as a negative code - is what the zygote reaps.

Not forked (``tests.support.cli.run_bot`` starts a real interpreter): a command given a
prelude (it patches modules before the bot imports them), ``console``/``run``/``web``, an
environment that changes the interpreter itself (PYTHON*, LANG, LC_*), and every command
when NACHBARBOT_TEST_NO_FORK=1.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import locale
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from tests.support.forked_bot import PRELOADED, ForkingProcess, interpreter_settings

# The CLI's command modules besides forked_bot's (bot.cli.main imports most of them
# lazily, per command).
COMMANDS = (
    "bot.cli.backup_rotation",
    "bot.cli.backups",
    "bot.cli.bans",
    "bot.cli.checks",
    "bot.cli.cities",
    "bot.cli.city_list",
    "bot.cli.desk_link",
    "bot.cli.events",
    "bot.cli.migrate_to",
    "bot.cli.pg_backups",
    "bot.cli.places",
    "bot.cli.schema_versions",
    "bot.cli.upgrade_backup",
)

# Run by the zygote (``python -c``, the modules to import as its arguments). Each line it
# reads is a hex-encoded JSON request (argv, cwd, env, stdin/stdout/stderr files); it forks
# and answers "pid PID", and "exit PID CODE" for each child that ended.
ZYGOTE = r"""
import importlib, io, json, os, signal, sys
import handlers

handlers.features()
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except ImportError:
        pass

# Only the thread that forks lives on in a child: the zygote must have no other.
assert os.listdir("/proc/self/task") == [str(os.getpid())], "the zygote runs threads"
ANSWERS = os.dup(1)  # unbuffered writes of a few bytes: whole lines, even from the handler
# The zygote's own stdio objects: kept referenced, so that none closes fd 0-2 in a child.
REQUESTS, OWN = sys.stdin, (sys.stdout, sys.stderr)


def reaped(*_):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        os.write(ANSWERS, f"exit {pid} {os.waitstatus_to_exitcode(status)}\n".encode())


def stdio(fd, mode, buffering=-1):
    # As a fresh interpreter makes them; the encoding is the zygote's (same environment).
    like = (REQUESTS, *OWN)[fd]
    return open(fd, mode, buffering, encoding=like.encoding, errors=like.errors, closefd=False)


def run(request):
    os.chdir(request["cwd"])
    for fd, path, flags in ((0, request["stdin"], os.O_RDONLY),
                            (1, request["stdout"], os.O_WRONLY),
                            (2, request["stderr"], os.O_WRONLY)):
        opened = os.open(path, flags)
        os.dup2(opened, fd)
        os.close(opened)
    sys.stdin = sys.__stdin__ = stdio(0, "r")
    sys.stdout = sys.__stdout__ = stdio(1, "w")
    sys.stderr = sys.__stderr__ = stdio(2, "w", buffering=1)
    os.environ.clear()
    os.environ.update(request["env"])
    sys.path[0] = os.getcwd()  # as ``-m`` puts it
    import random

    random.seed()  # not the zygote's sequence in every child
    sys.argv = ["-m", *request["args"]]
    code = 0
    try:
        import runpy

        runpy.run_module("bot", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    # The interpreter's end: non-daemon threads, then atexit (logging's flush among them).
    try:
        import threading

        threading._shutdown()
    except BaseException:
        pass
    import atexit

    atexit._run_exitfuncs()
    return code


signal.signal(signal.SIGCHLD, reaped)
for line in REQUESTS:
    request = json.loads(bytes.fromhex(line.strip()).decode())
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        os.write(ANSWERS, f"pid {pid}\n".encode())
        continue
    # The child: the command's process from here on.
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    code = 1
    try:
        os.close(ANSWERS)
        code = run(request)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        os._exit(code & 0xFF)
"""


class CommandZygote(ForkingProcess):
    """The forking process of short commands (tests/support/forked_bot.py's
    ``ForkingProcess``), stopped by :meth:`close`."""

    def __init__(self) -> None:
        super().__init__(ZYGOTE, (*PRELOADED, *COMMANDS))

    def run(
        self,
        args: tuple[str, ...],
        *,
        input: str | None,
        timeout: float,
        cwd: Path,
        env: dict[str, str],
    ) -> subprocess.CompletedProcess[str]:
        """``python -m bot ARGS`` as ``subprocess.run(..., capture_output=True, text=True)``
        runs it: its exit code, stdout and stderr; TimeoutExpired (the child killed) after
        ``timeout`` seconds."""
        command = [sys.executable, "-m", "bot", *args]
        with tempfile.TemporaryDirectory(prefix="nachbarbot-cli-") as folder:
            files = {name: Path(folder) / name for name in ("stdin", "stdout", "stderr")}
            files["stdin"].write_text(input or "", encoding=locale.getpreferredencoding(False))
            files["stdout"].touch()
            files["stderr"].touch()
            request = {
                "args": list(args),
                "cwd": str(Path(cwd).resolve()),
                "env": env,
                **{name: str(path) for name, path in files.items()},
            }
            if input is None:
                request["stdin"] = os.devnull
            pid = self._fork(json.dumps(request).encode().hex(), timeout=60)
            with self._lock:
                ended = self._lock.wait_for(
                    lambda: pid in self._ended or not self.alive(), timeout=timeout
                )
                code = self._ended.pop(pid, None)
            if not ended or code is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                if ended:  # the zygote is gone: its child cannot be reported
                    raise AssertionError(f"the zygote ended ({self._process.poll()})")
                raise subprocess.TimeoutExpired(
                    command, timeout, _text(files["stdout"]), _text(files["stderr"])
                )
            return subprocess.CompletedProcess(
                command, code, _text(files["stdout"]), _text(files["stderr"])
            )

    def close(self) -> None:
        assert self._process.stdin is not None
        try:
            self._process.stdin.close()
            self._process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self._process.kill()
            self._process.wait()


def _text(path: Path) -> str:
    """What ``subprocess.run(text=True)`` makes of the bytes: the locale's encoding,
    universal newlines."""
    data = path.read_bytes().decode(locale.getpreferredencoding(False))
    return data.replace("\r\n", "\n").replace("\r", "\n")


_zygote: CommandZygote | None = None
_starting = threading.Lock()


def zygote_for(env: dict[str, str]) -> CommandZygote | None:
    """This test process's zygote - started on first use, again if it ended - if a command
    with ``env`` may fork from it (``CommandZygote.fits``); None if it needs an interpreter
    of its own."""
    global _zygote
    base = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
    if interpreter_settings(env) != interpreter_settings(base):
        return None
    with _starting:
        if _zygote is None or not _zygote.alive():
            _zygote = CommandZygote()
            atexit.register(_zygote.close)
        return _zygote if _zygote.fits(env) else None
