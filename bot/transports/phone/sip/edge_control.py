"""The running SIP edge's control socket: what the line pool tells Kamailio about its lines.

The edge (edge.py) loads Kamailio's ``jsonrpcs`` module with its Unix datagram transport only:
a socket file in the bot's private folder (mode 0600), no network port. JSON-RPC 2.0 requests
go there from a socket file of ours in the same folder (mode 0700: nobody but the bot's user
can send to it), one answer each, taken only with its request's id. Not an abstract socket
(autobind): any process of the machine can send to one, and /proc/net/unix lists their
names - a forged answer to ``dlg.profile_list`` would have the edge end others' calls.

What the line pool says through it (line_pool.py), in the methods Kamailio 5.6 documents:

- a line died (:meth:`EdgeControl.line_down`): the line is marked down in the edge's
  ``htable`` ``down`` (key: the line's number, or ``notice``), so no new call is given to it
  while it starts again; then each of its calls that was answered is ended by the edge
  (``dlg.profile_list`` of the line's value in the profile ``line``, ``dlg.end_dlg`` each):
  the caller gets a BYE at once, and the call leaves the line's count as soon as the caller
  answers it (or after the BYE's 5 s). A call still ringing at the dead line is left to the
  edge's timers (``failure_route[LINE_FAILED]``);
- the line runs again (:meth:`EdgeControl.line_up`): its mark is removed.

A request the edge does not answer within :data:`ANSWER_SECONDS` is sent again (each of
them does the same when done twice), :data:`TRIES` times in all: a busy machine's stalled
worker must not leave a running line marked down for good (:class:`ControlSilent` after
the last).

Nothing of a request is logged: the dialogs' records hold the callers' numbers.
"""

from __future__ import annotations

import itertools
import json
import logging
import socket
import time
import uuid
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# An answer comes within milliseconds; longer means the edge is stuck or gone.
ANSWER_SECONDS = 2.0
# How often a request the edge does not answer is sent (each request is idempotent).
TRIES = 3
# Kamailio's largest answer datagram (jsonrpcs reads and writes up to 64 KB).
MOST_BYTES = 65535
# The dialog module's states of an answered call (3: answered, no ACK yet; 4: confirmed).
ANSWERED = (3, 4)
# The htable of lines that are down (edge.py's script reads it in route[CHOOSE_LINE]).
DOWN_TABLE = "down"


class ControlFailed(RuntimeError):
    """The edge did not answer its control socket, or answered with an error."""


class ControlSilent(ControlFailed):
    """The edge did not answer at all (not reached, stuck or gone)."""


class EdgeControl:
    """Requests to the edge whose control socket is ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ids = itertools.count(1)

    def call(self, method: str, *params: str | int) -> Any:
        """``method``'s result (blocking, :data:`TRIES` times :data:`ANSWER_SECONDS` at
        most)."""
        for _ in range(TRIES - 1):
            try:
                return self._call_once(method, params)
            except ControlSilent:
                continue
        return self._call_once(method, params)

    def _call_once(self, method: str, params: tuple[str | int, ...]) -> Any:
        ask = next(self._ids)
        request = {"jsonrpc": "2.0", "method": method, "params": list(params), "id": ask}
        # The answer's socket: a file in the private folder, a name as short as the
        # control socket's (the folder's length is checked for that one, edge.py).
        reply = self.path.parent / f"a{uuid.uuid4().hex[:11]}"
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            try:
                sock.bind(str(reply))
                sock.sendto(json.dumps(request).encode(), str(self.path))
                answer = _answer_to(sock, ask)
            except (OSError, ValueError) as failed:
                raise ControlSilent(f"the SIP edge's control: {type(failed).__name__}") from None
            finally:
                reply.unlink(missing_ok=True)
        if "error" in answer:
            error = answer["error"]
            raise ControlFailed(f"the SIP edge's control: {method}: {error.get('message', '')}")
        return answer.get("result")

    def line_down(self, line: str, before: int | None = None) -> int:
        """Mark ``line`` down and end its answered calls - with ``before`` (seconds since
        the epoch), those answered before it only: a line's process started again since
        keeps its own calls; how many it ended."""
        self.call("htable.seti", DOWN_TABLE, line, 1)
        dialogs = self.call("dlg.profile_list", "line", line) or []
        ended = 0
        for dialog in dialogs:
            if dialog.get("state") not in ANSWERED:
                continue
            if before is not None and int(dialog.get("start_ts") or 0) >= before:
                continue
            try:
                self.call("dlg.end_dlg", int(dialog["h_entry"]), int(dialog["h_id"]))
            except ControlFailed:  # ended meanwhile (the caller hung up)
                continue
            ended += 1
        return ended

    def line_up(self, line: str) -> None:
        """``line`` takes calls again."""
        try:
            self.call("htable.delete", DOWN_TABLE, line)
        except ControlSilent:
            raise  # still marked down: the line would get no call for good
        except ControlFailed:  # not marked (the edge was started again meanwhile)
            log.debug("phone: line %s was not marked down at the edge", line)

    def calls_of(self, line: str) -> int:
        """How many calls the edge counts for ``line`` (its profile's size)."""
        return int(self.call("dlg.profile_get_size", "line", line))


def _answer_to(sock: socket.socket, ask: int) -> dict[str, Any]:
    """The answer with the id ``ask`` that comes to ``sock`` within :data:`ANSWER_SECONDS`
    (another is dropped; TimeoutError when none)."""
    deadline = time.monotonic() + ANSWER_SECONDS
    while True:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        answer = json.loads(sock.recv(MOST_BYTES))
        if isinstance(answer, dict) and answer.get("id") == ask:
            return answer
