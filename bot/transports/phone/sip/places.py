"""The phone's places, shared by its line processes (line_pool.py): which line takes a call
that every line is rung for, decided once - by the first line process that sees the call's
INVITE - before any PJSIP takes the call into one of its call slots.

The registrar rings every registered line for every call (parallel forking). PJSIP as
published for Python holds 4 calls at once in a process (stack.py): had each line taken
every INVITE into a slot and asked afterwards which line answers, the first 4 INVITEs of a
burst would fill every line and the rest be refused by all (issue 55: 20 calls in one
instant, 6 answered). So each line process asks here first, for each new INVITE (stack.py
``invite_filter``), and only the line given the call lets PJSIP take it; the others answer
their branch 486 at once, without a slot. A call is given to the line that asks if it has a
free place, else to the line with the most free places, else - every place taken - to the
notice line, the extra process that says the busy notice (busy_notice.py) before 486.

The state is a small JSON file in the phone's private folder, read and written under an
exclusive lock (``flock``) by every line process: what each line holds (the SIP Call-IDs of
its calls: answered, made by the bot, or hearing the busy notice) and the calls given out
lately (the ``CLAIMS_KEPT`` newest). A call given to a line that never saw it (its branch
was lost, the caller hung up first) holds its place ``CLAIM_SECONDS`` at most. A line that
is not running holds no place and is given no call (:meth:`SharedPlaces.set_down`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from bot.transports.phone.sip.call_control import PLACES_PER_LINE

log = logging.getLogger(__name__)

# The calls given to a line, kept to answer every line's INVITE of them alike.
CLAIMS_KEPT = 256
# A call given to a line that has not seen it holds a place this many seconds at most.
CLAIM_SECONDS = 30.0
# The longest Call-ID kept (the caller's to choose: bounded).
CALL_ID_MOST = 256
# A call taken into a line that PJSIP refused after all (an offer without a codec the bot
# speaks: no call ever came of it) frees its place after this many seconds.
TAKEN_UNSEEN_SECONDS = 5.0

Decision = Literal["take", "notice", "leave"]


class SharedPlaces:
    """The places of ``lines`` lines seen from line ``line`` (``lines``: the notice line)."""

    def __init__(
        self,
        path: Path,
        line: int,
        lines: int,
        *,
        per_line: int = PLACES_PER_LINE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self.line = line
        self.lines = lines
        self.per_line = per_line
        self.clock = clock

    @property
    def notice_line(self) -> int:
        return self.lines

    @classmethod
    def create(cls, path: Path, lines: int) -> None:
        """A new state: every line down until it starts."""
        state: dict[str, Any] = {
            "taken": {str(number): None for number in range(lines + 1)},
            "claims": [],
        }
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            json.dump(state, file)

    @contextlib.contextmanager
    def _state(self) -> Iterator[dict[str, Any]]:
        fd = os.open(self.path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            with os.fdopen(os.dup(fd), "r+") as file:
                try:
                    state = json.load(file)
                except ValueError:
                    # Cut by a process killed while it wrote: every line holds nothing from
                    # now (their next check, keep, puts their live calls back).
                    log.warning("phone: the lines' places were unreadable: started afresh")
                    state = self._fresh()
                yield state
                file.seek(0)
                file.truncate()
                json.dump(state, file)
        finally:
            os.close(fd)  # the lock goes with the last descriptor

    def _fresh(self) -> dict[str, Any]:
        return {"taken": {str(number): [] for number in range(self.lines + 1)}, "claims": []}

    # -- a line's own

    def start(self) -> None:
        """This line runs and holds nothing."""
        with self._state() as state:
            state["taken"][str(self.line)] = []

    def set_down(self, line: int) -> None:
        """Line ``line`` is not running: its calls are gone, it is given none."""
        with self._state() as state:
            state["taken"][str(line)] = None

    def hold(self, call_id: str) -> None:
        """This line holds a call it made (a call-back)."""
        with self._state() as state:
            taken = state["taken"].get(str(self.line))
            if taken is not None and call_id not in taken:
                taken.append(call_id[:CALL_ID_MOST])

    def release(self, call_id: str) -> None:
        """A call of this line ended."""
        with self._state() as state:
            taken = state["taken"].get(str(self.line))
            if taken is not None and call_id[:CALL_ID_MOST] in taken:
                taken.remove(call_id[:CALL_ID_MOST])

    def keep(self, alive: set[str]) -> None:
        """This line's calls are ``alive`` (each holds a place): a call it holds that is
        not among them and was given out more than ``TAKEN_UNSEEN_SECONDS`` ago (or so
        long ago that it is no longer kept) is gone, its place free again."""
        now = self.clock()
        alive = {call_id[:CALL_ID_MOST] for call_id in alive if call_id}
        with self._state() as state:
            taken = state["taken"].get(str(self.line))
            if taken is None:
                return
            given = {claim[0]: claim[2] for claim in state["claims"]}
            coming = [
                call_id
                for call_id in taken
                if call_id not in alive
                and call_id in given
                and now - given[call_id] < TAKEN_UNSEEN_SECONDS
            ]
            taken[:] = sorted(alive) + coming

    # -- the decision

    def decide(self, call_id: str) -> Decision:
        """What this line does with an INVITE of call ``call_id``: take it, say the busy
        notice (the notice line), or leave it to the line it was given to (486 here)."""
        call_id = call_id[:CALL_ID_MOST]
        now = self.clock()
        with self._state() as state:
            claims: list[list[Any]] = state["claims"]
            claim = next((claim for claim in claims if claim[0] == call_id), None)
            if claim is None:
                claim = [call_id, self._choose(state, now), now, False]
                claims.append(claim)
                del claims[:-CLAIMS_KEPT]
            if claim[1] != self.line:
                return "leave"
            taken = state["taken"].get(str(self.line))
            if taken is None:
                return "leave"
            if call_id not in taken:
                taken.append(call_id)
            claim[3] = True
            return "notice" if self.line == self.notice_line else "take"

    def _choose(self, state: dict[str, Any], now: float) -> int:
        """The line a new call is given to: this one if it has a free place, else the one
        with the most, else the notice line."""
        free = {number: self._free(state, number, now) for number in range(self.lines)}
        if free.get(self.line, 0) > 0:
            return self.line
        most = max(free, key=lambda number: (free[number], -number), default=None)
        if most is not None and free[most] > 0:
            return most
        return self.notice_line

    def _free(self, state: dict[str, Any], line: int, now: float) -> int:
        taken = state["taken"].get(str(line))
        if taken is None:
            return 0
        coming = sum(
            1
            for call_id, given, at, seen in state["claims"]
            if given == line and not seen and now - at < CLAIM_SECONDS and call_id not in taken
        )
        return self.per_line - len(taken) - coming

    def held(self) -> dict[int, int]:
        """How many calls each running line holds (for tests and the log)."""
        with self._state() as state:
            return {
                int(number): len(taken)
                for number, taken in state["taken"].items()
                if taken is not None
            }
