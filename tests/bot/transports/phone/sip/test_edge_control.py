"""What the line pool tells the SIP edge (bot/transports/phone/sip/edge_control.py) when the
edge's control socket is slow to answer.

A unit test: a Unix datagram socket of the test's own in place of Kamailio's ``jsonrpcs``
(its answers as Kamailio 5.6 gives them: a fault for a key not in the htable), which leaves
the first requests it gets unanswered - as a worker of a busy machine's edge that stalls
for longer than ``ANSWER_SECONDS``. The line's mark must still be removed: before, a
request not answered was taken for "not marked" and the running line got no call for good.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.transports.phone.sip import edge_control
from bot.transports.phone.sip.edge_control import ControlSilent, EdgeControl


class SlowEdge:
    """The ``down`` htable behind a datagram socket at ``path`` that answers no request
    while ``unanswered`` is above 0 (each one it drops counts it down)."""

    def __init__(self, path: Path) -> None:
        self.down: dict[str, int] = {}
        self.unanswered = 0
        self.asked: list[str] = []
        self.senders: list[str | bytes] = []
        self.forged: dict[str, object] | None = None
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                data, sender = self.sock.recvfrom(65535)
            except OSError:
                return
            request = json.loads(data)
            self.asked.append(request["method"])
            self.senders.append(sender)
            if self.forged is not None:  # someone else's answer, before the edge's
                self.sock.sendto(json.dumps(self.forged).encode(), sender)
            if self.unanswered > 0:
                self.unanswered -= 1
                continue
            answer: dict[str, object] = {"jsonrpc": "2.0", "id": request["id"]}
            _table, key, *value = request["params"]
            if request["method"] == "htable.seti":
                self.down[key] = int(value[0])
                answer["result"] = "Ok. Key set to new value."
            elif self.down.pop(key, None) is None:  # htable.delete
                answer["error"] = {"code": 500, "message": "Key not found in htable."}
            else:
                answer["result"] = "Ok. Key deleted."
            self.sock.sendto(json.dumps(answer).encode(), sender)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def slow_edge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowEdge]:
    # A stall the length of the timeout, shortened: the test waits it out once a request.
    monkeypatch.setattr(edge_control, "ANSWER_SECONDS", 0.3)
    edge = SlowEdge(tmp_path / "control.sock")
    yield edge
    edge.close()


def test_a_line_marked_up_while_the_edge_stalls_is_unmarked_once_it_answers(
    slow_edge: SlowEdge, tmp_path: Path
):
    control = EdgeControl(tmp_path / "control.sock")
    control.call("htable.seti", "down", "0", 1)
    slow_edge.unanswered = 1
    control.line_up("0")
    assert slow_edge.down == {}
    assert slow_edge.asked == ["htable.seti", "htable.delete", "htable.delete"]


def test_an_edge_that_never_answers_is_no_line_not_marked(slow_edge: SlowEdge, tmp_path: Path):
    control = EdgeControl(tmp_path / "control.sock")
    control.call("htable.seti", "down", "0", 1)
    slow_edge.unanswered = edge_control.TRIES
    with pytest.raises(ControlSilent):
        control.line_up("0")
    assert slow_edge.down == {"0": 1}
    # A line the edge answers it never marked is no failure (the edge started again).
    control.line_up("1")


def test_only_the_bots_user_can_answer_its_requests(slow_edge: SlowEdge, tmp_path: Path):
    """The answer comes to a socket file in the private folder (0700), not to an abstract
    socket that any process of the machine can send to (listed in /proc/net/unix)."""
    control = EdgeControl(tmp_path / "control.sock")
    control.call("htable.seti", "down", "0", 1)
    sender = slow_edge.senders[-1]
    assert isinstance(sender, str) and Path(sender).parent == tmp_path
    assert not Path(sender).exists()  # removed after the answer
    # An answer with another request's id is not taken: the right one is.
    slow_edge.forged = {"jsonrpc": "2.0", "id": 10**6, "result": "forged"}
    assert control.call("htable.seti", "down", "1", 1) == "Ok. Key set to new value."
