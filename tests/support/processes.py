"""Ending a server or client process a test started in a session of its own
(``start_new_session=True``): its whole group, gently first."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess


def signal_group(process: subprocess.Popen[bytes] | subprocess.Popen[str], signum: int) -> None:
    """``signum`` to the process's group; one already gone is no error. Nothing once the
    process is reaped: its number may belong to another group by then (pid_max is 32768
    here; bot.transports.phone.sip.process_group says why that killed Chromium)."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def end_group(process: subprocess.Popen[bytes], grace: float, *, terminate: bool = True) -> None:
    """End ``process`` and its group: SIGTERM (unless ``terminate`` is off: it was asked to
    quit already), ``grace`` seconds to exit, then SIGKILL."""
    if process.poll() is None and terminate:
        signal_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        signal_group(process, signal.SIGKILL)
        process.wait()
