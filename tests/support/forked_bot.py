"""``python -m bot run`` started many times in one test, each start without importing the
bot again: a small process (the "zygote") imports the bot's modules once, then forks a
child for each start, which runs ``bot.__main__`` as ``python -m bot --config CONFIG run``
would, with the given environment and its output appended to the log.

Each child is a real process of its own - killed with SIGKILL, stopped with SIGTERM, its
database and sockets its own - only its interpreter does not import the same modules
anew: in tests/system/test_crash.py that was two thirds of each of the twenty restarts'
CPU time. The zygote holds no database, socket, thread or event loop when it forks.

``Zygote.launch`` has ``tests.support.bot_process.launch_bot``'s signature; what it returns
acts as the ``subprocess.Popen`` it would return (``pid``, ``poll``, ``wait``, ``send_signal``,
``terminate``, ``kill``, ``returncode``) for the ``BotProcess`` of
tests/support/crash_story.py. ``launch_forked`` is the same for the tests that start the
process once or twice: one zygote per test process, shared by them.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.support.bot_process import ROOT, launch_bot
from tests.support.processes import signal_group

# What ``run`` imports, in the zygote: the commands, the city's services, the Telegram
# transport and its HTTP clients, and the features (handlers.features(), and the modules
# their ``register`` imports). A module left out is imported by each child, as before;
# one that is gone is skipped. Not the Arabic diacritiser: its ONNX runtime starts threads
# when imported, and only the thread that forks lives on in a child.
PRELOADED = (
    "bot.cli.main",
    "bot.city_service",
    "bot.app",
    "bot.cluster",
    "bot.delivery",
    "bot.speech.engines",
    "bot.transports.registry",
    "bot.transports.telegram",
    "bot.transports.telegram_http",
    "bot.transports.telegram_polling",
    "handlers.places.anywhere",
    "handlers.helping.certificates",
    "handlers.helping.data_rights",
    "handlers.helping.letters",
    "handlers.helping.moderation",
    "handlers.helping.moved_on",
    "handlers.helping.offers",
    "handlers.helping.relay.chat",
    "handlers.helping.volunteers",
    "handlers.events.chat",
    "handlers.events.editing",
    "httpx",
    "httpcore",
    "apscheduler.triggers.cron",
)
# The Matrix transport's modules (matrix-nio and its crypto with them), for a zygote
# whose bots run on Matrix.
MATRIX = ("bot.transports.matrix.transport", "bot.transports.matrix.render")

# Run by the zygote (``python -c``, PRELOADED given as its arguments): imports them, then
# forks on each line it reads: CONFIG, LOG and the environment as NUL-separated KEY=VALUE
# pairs, each hex-encoded. It answers "pid PID" for each start and "exit PID STATUS" for
# each child that ended.
ZYGOTE = r"""
import importlib, os, signal, sys
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


def reaped(*_):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        os.write(ANSWERS, f"exit {pid} {os.waitstatus_to_exitcode(status)}\n".encode())


signal.signal(signal.SIGCHLD, reaped)
for line in sys.stdin:
    config, log, env = (bytes.fromhex(part).decode() for part in line.split())
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        os.write(ANSWERS, f"pid {pid}\n".encode())
        continue
    # The child: the bot's process from here on.
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    code = 1
    try:
        os.close(ANSWERS)
        null = os.open(os.devnull, os.O_RDONLY)
        logged = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(null, 0)
        os.dup2(logged, 1)
        os.dup2(logged, 2)
        os.close(null)
        os.close(logged)
        os.environ.clear()
        os.environ.update(pair.split("=", 1) for pair in env.split("\0") if pair)
        sys.argv = ["bot", "--config", config, "run"]
        import runpy

        runpy.run_module("bot", run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
"""


def interpreter_settings(env: dict[str, str]) -> dict[str, str]:
    """The settings an interpreter reads once, at its start: Python's own (PYTHON*: its
    path, encoding, hash seed ...) and the locale's (LANG, LC_*, which choose stdio's
    encoding). A child forked from a zygote started with others would not be the process a
    fresh interpreter is."""
    return {
        key: value
        for key, value in env.items()
        if key.startswith(("PYTHON", "LC_")) or key == "LANG"
    }


class ForkingProcess:
    """A zygote script (``python -c SCRIPT MODULES...``, this file's or
    tests/support/forked_cli.py's), started with this process's environment less its
    NACHBARBOT_* settings (each child gets its own), in a process group of its own with its
    children. It reads one request a line, forks, and answers "pid PID" for each start and
    "exit PID STATUS" for each child that ended."""

    def __init__(self, script: str, modules: tuple[str, ...]) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
        self._interpreter = interpreter_settings(env)
        self._process = subprocess.Popen(
            [sys.executable, "-c", script, *modules],
            cwd=ROOT,
            # numpy's OpenBLAS starts a thread per core when imported, unless told one.
            env={**env, "OPENBLAS_NUM_THREADS": "1"},
            # A group of its own with its children: a start that gave up ends them all.
            start_new_session=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self._lock = threading.Condition()
        self._launching = threading.Lock()  # a request's write and its answer, together
        self._started: list[int] = []
        self._ended: dict[int, int] = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def fits(self, env: dict[str, str]) -> bool:
        """Whether a fresh interpreter with ``env`` starts as the zygote did."""
        return interpreter_settings(env) == self._interpreter

    def alive(self) -> bool:
        return self._process.poll() is None

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            kind, pid, *status = line.split()
            with self._lock:
                if kind == "pid":
                    self._started.append(int(pid))
                else:
                    self._ended[int(pid)] = int(status[0])
                self._lock.notify_all()
        with self._lock:
            self._lock.notify_all()

    def _fork(self, request: str, timeout: float) -> int:
        """Send one request line; the pid of the child the zygote forked for it, within
        ``timeout`` seconds."""
        assert self._process.stdin is not None
        with self._launching, self._lock:
            self._process.stdin.write(request + "\n")
            self._process.stdin.flush()
            if not self._lock.wait_for(lambda: self._started, timeout=timeout):
                # Its answer may still come: a later start would take that pid for its own
                # and leave its own child running untracked. No zygote, no such child.
                running = self._process.poll()
                signal_group(self._process, signal.SIGKILL)
                raise AssertionError(f"the zygote started no process ({running})")
            return self._started.pop(0)


class Zygote(ForkingProcess):
    """The forking process of ``python -m bot --config CONFIG run``, stopped by
    :meth:`close`, which SIGKILLs any child still running."""

    def __init__(self, preload: tuple[str, ...] = ()) -> None:
        """``preload``: modules imported besides PRELOADED (another transport's)."""
        super().__init__(ZYGOTE, (*PRELOADED, *preload))
        self._children: list[ForkedBot] = []

    def launch(self, config: Path, env: dict[str, str], log: Path) -> ForkedBot:
        """``python -m bot --config CONFIG run`` with exactly ``env``, its output appended
        to ``log`` (as ``launch_bot``)."""
        pairs = "\0".join(f"{key}={value}" for key, value in env.items())
        line = " ".join(
            text.encode().hex() for text in (str(config.resolve()), str(log.resolve()), pairs)
        )
        # A hang detector, not a speed bound: the first start waits for the zygote's
        # imports, which took over a minute at a load of 30 on two cores.
        child = ForkedBot(self, self._fork(line, timeout=300))
        self._children.append(child)
        return child

    def _exit_code(self, pid: int, timeout: float | None) -> int | None:
        """The child's exit status once the zygote reaped it; None while it runs. A child
        the zygote can no longer report (it ended first) counts as ended once it is gone."""
        with self._lock:
            self._lock.wait_for(
                lambda: pid in self._ended or self._process.poll() is not None, timeout=timeout
            )
            if pid in self._ended:
                return self._ended[pid]
        if self._process.poll() is None:
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return -signal.SIGKILL
        time.sleep(0.05)  # orphaned and still running: the caller's wait polls
        return None

    def close(self) -> None:
        for child in self._children:
            if child.poll() is None:
                child.kill()
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


_shared: Zygote | None = None
_sharing = threading.Lock()


def launch_forked(
    config: Path, env: dict[str, str], log: Path
) -> ForkedBot | subprocess.Popen[bytes]:
    """``tests.support.bot_process.launch_bot``, forked from this test process's zygote (the Matrix
    transport's modules preloaded too; started on first use, again if it ended, closed when
    the test process ends) instead of an interpreter of its own that imports the bot anew,
    most of a start's CPU time. A real interpreter, as ``launch_bot``'s, when
    NACHBARBOT_TEST_NO_FORK=1 or ``env`` changes the interpreter itself (``fits``)."""
    global _shared
    if os.environ.get("NACHBARBOT_TEST_NO_FORK") == "1":
        return launch_bot(config, env, log)
    with _sharing:
        if _shared is None or not _shared.alive():
            _shared = Zygote(MATRIX)
            atexit.register(_shared.close)
        zygote = _shared
    if not zygote.fits(env):
        return launch_bot(config, env, log)
    return zygote.launch(config, env, log)


class ForkedBot:
    """One child of the zygote, as a ``subprocess.Popen`` of it is used."""

    def __init__(self, zygote: Zygote, pid: int) -> None:
        self._zygote = zygote
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._zygote._exit_code(self.pid, timeout=0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired(f"bot {self.pid}", timeout or 0)
            self.returncode = self._zygote._exit_code(self.pid, timeout=left)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)
