"""Ending what is left of a child's process group, and only that.

A process group's number is its leader's process id. Once the leader has ended and been
reaped (asyncio reaps a child as soon as it ends), the number is free for the next process
as soon as the group has no member left - and on a machine whose ``pid_max`` is 32768 a busy
host wraps around in minutes. A ``killpg`` sent then reaches whatever group holds the number
now: a browser, another program, another bot's edge (a test run saw Chromium killed so).
While any member of the old group lives, the kernel keeps the number, so the group can be
told apart by its leader: a process that holds the number and started at another moment
than the leader we started is someone else's, and is left alone.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path


def started_at(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, /proc/<pid>/stat field 22);
    None when there is no such process (or no /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name in parentheses may hold spaces and parentheses: fields follow the last.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def end_group(pid: int, started: str | None, signum: int = signal.SIGKILL) -> None:
    """``signum`` to what is left of the group that process ``pid`` (started at ``started``,
    from :func:`started_at` at its start) leads; nothing when the number now belongs to a
    process that started at another moment, or when the group is gone."""
    now = started_at(pid)
    if started is not None and now is not None and now != started:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)
