"""Ending what is left of a child's process group (bot/transports/phone/sip/process_group.py):
the group it leads ends; a group that now holds the number of a leader long gone - another
program's, here a stand-in started at another moment - is left alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from bot.transports.phone.sip.process_group import end_group, started_at

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def _ended(process: subprocess.Popen[bytes], within: float = 10) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return True
        time.sleep(0.02)
    return False


def test_the_group_its_leader_started_ends():
    leader = subprocess.Popen(SLEEPER, start_new_session=True)
    try:
        end_group(leader.pid, started_at(leader.pid))
        assert _ended(leader)
    finally:
        leader.kill()
        leader.wait()


def test_a_group_that_took_over_the_number_is_left_alone():
    """The number of a main process reaped long ago may lead another program's group now:
    its start differs from the one recorded, and it lives on."""
    other = subprocess.Popen(SLEEPER, start_new_session=True)
    try:
        recorded = started_at(other.pid)
        assert recorded is not None
        long_gone = str(int(recorded) - 1)  # the edge's main process started before it
        end_group(other.pid, long_gone)
        assert not _ended(other, within=0.5)
    finally:
        other.kill()
        other.wait()


def _alive(pid: int, started: str) -> bool:
    """Process ``pid`` still runs, and is the one that started at ``started`` (a zombie
    waiting for its new parent to reap it does not run)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X") and started_at(pid) == started


def test_a_group_without_its_leader_still_ends():
    """A main process that crashed leaves its workers: the number is still theirs (the kernel
    keeps it while the group has a member), and they end."""
    leader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time;"
            "w = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
            "print(w.pid, flush=True)",
        ],
        start_new_session=True,
        stdout=subprocess.PIPE,
    )
    started = started_at(leader.pid)
    assert leader.stdout is not None
    worker = int(leader.stdout.readline())
    worker_started = started_at(worker)
    assert worker_started is not None
    leader.wait()
    try:
        assert _alive(worker, worker_started)
        end_group(leader.pid, started)
        deadline = time.monotonic() + 10
        while _alive(worker, worker_started) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not _alive(worker, worker_started)
    finally:
        if _alive(worker, worker_started):
            os.kill(worker, signal.SIGKILL)
