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

import asyncio
import contextlib
import ctypes
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


# prctl's option: the signal a process gets when its parent ends (Linux).
PR_SET_PDEATHSIG = 1


def end_with_parent() -> None:
    """In a child's process before its program runs (``preexec_fn``): SIGTERM to it when the
    bot's process ends, however it ends (killed, the bot cannot stop its edge or relay)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


async def stop(process: asyncio.subprocess.Process, started: str | None) -> None:
    """End the group ``process`` leads (started at ``started``): SIGTERM, which its main
    process passes on to its workers, up to 10 s for it to end, then whatever is left of the
    group - never a group that took over the number of a main process long gone."""
    if process.returncode is None:
        end_group(process.pid, started, signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), 10)
    end_group(process.pid, started)
    await process.wait()
