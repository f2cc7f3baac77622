"""The SIP edge (bot/transports/phone/sip/edge.py) running, with lines written by hand: a
request of a dialog goes on only in a dialog the edge let through, and only to a line; a
line that fails a call hands it to the notice line unless the caller hung up.

The lines are sockets of this test: it reads what the edge sent them and answers itself.
The edge has one worker on its public socket, which relays a request before it answers
the next: once the edge's own answer to a request is here, anything it had relayed of it
is already waiting at the line's socket (so "nothing there" is read without waiting)."""

from __future__ import annotations

import asyncio
import re
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

from bot.transports.phone.sip.admission import contact_token
from bot.transports.phone.sip.call_control import StackSettings
from bot.transports.phone.sip.edge import Edge, EdgePlan
from tests.support.sip.kamailio import free_udp_port

# Longer than the edge's own timer for a line that does not answer (fr_timer, 5 s).
WAIT = 20.0


class _Socket:
    """A UDP socket on 127.0.0.1 that speaks SIP by hand."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]

    def send(self, text: str, port: int) -> None:
        self.sock.sendto(text.encode(), ("127.0.0.1", port))

    def receive(self, timeout: float = WAIT) -> str:
        self.sock.settimeout(timeout)
        return self.sock.recv(65535).decode()

    def final(self, timeout: float = WAIT) -> str:
        """The next answer that is not provisional (1xx)."""
        while (answer := self.receive(timeout)).startswith("SIP/2.0 1"):
            pass
        return answer

    def nothing(self) -> bool:
        """Whether no message waits at the socket."""
        self.sock.setblocking(False)
        try:
            self.sock.recv(65535)
        except BlockingIOError:
            return True
        return False

    def close(self) -> None:
        self.sock.close()


def _headers(message: str, name: str) -> list[str]:
    return [
        line.split(":", 1)[1].strip()
        for line in message.split("\r\n")
        if line.lower().startswith(name.lower() + ":")
    ]


def _request(
    caller: _Socket,
    first: str,
    *,
    call_id: str,
    tag: str,
    to_tag: str = "",
    routes: tuple[str, ...] = (),
    cseq: int = 1,
) -> str:
    method = first.split()[0]
    return (
        f"{first}\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{caller.port};branch=z9hG4bK{uuid.uuid4().hex};rport\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:+4923155501@127.0.0.1>;tag={tag}\r\n"
        f"To: <sip:bot@127.0.0.1>{';tag=' + to_tag if to_tag else ''}\r\n"
        f"Call-ID: {call_id}\r\n"
        f"CSeq: {cseq} {method}\r\n"
        f"Contact: <sip:+4923155501@127.0.0.1:{caller.port}>\r\n"
        + "".join(f"Route: {route}\r\n" for route in routes)
        + "Content-Length: 0\r\n\r\n"
    )


def _answer(request: str, status: str, line: _Socket, to_tag: str = "line") -> str:
    """The line's answer to ``request``: its Via, From, Call-ID, CSeq and Record-Route."""
    kept = [
        line_
        for line_ in request.split("\r\n")
        if line_.split(":", 1)[0].lower() in ("via", "from", "call-id", "cseq", "record-route")
    ]
    to = _headers(request, "To")[0]
    to = to if ";tag=" in to else f"{to};tag={to_tag}"
    return (
        f"SIP/2.0 {status}\r\n"
        + "\r\n".join(kept)
        + f"\r\nTo: {to}\r\nContact: <sip:bot@127.0.0.1:{line.port}>\r\nContent-Length: 0\r\n\r\n"
    )


def _source_port(message: str) -> int:
    """Where the edge sent ``message`` from (its topmost Via)."""
    found = re.search(r"SIP/2.0/UDP [^:;]+:(\d+)", _headers(message, "Via")[0])
    assert found
    return int(found.group(1))


@asynccontextmanager
async def _edge(tmp_path: Path, line: _Socket, notice: _Socket) -> AsyncIterator[tuple[int, str]]:
    """An edge taking calls from 127.0.0.1 for one line and the notice line: its public
    port and the contact's token."""
    port = free_udp_port(2)
    settings = StackSettings(
        bind="127.0.0.1", port=port, trusted_peers=("127.0.0.1",), user="bot", password="pw"
    )
    plan = EdgePlan.of(settings, inner=port + 1, lines=[line.port], notice=notice.port)
    plan = replace(plan, token=contact_token("bot", "pw"))  # as with a registrar
    edge = Edge(plan, tmp_path)
    await edge.start()
    try:
        yield port, plan.token
    finally:
        await edge.stop()


def _forged_requests_go_nowhere(port: int, caller: _Socket, line: _Socket) -> None:
    victim = _Socket()
    try:
        edge_route = f"<sip:127.0.0.1:{port};lr>"
        forged = {
            f"INVITE sip:bot@127.0.0.1:{line.port} SIP/2.0": (edge_route,),
            f"MESSAGE sip:bot@127.0.0.1:{line.port} SIP/2.0": (edge_route,),
            f"INVITE sip:victim@127.0.0.1:{victim.port} SIP/2.0": (edge_route,),
            f"BYE sip:victim@127.0.0.1:{port} SIP/2.0": (f"<sip:127.0.0.1:{victim.port};lr>",),
        }
        for first, routes in forged.items():
            message = _request(
                caller, first, call_id=uuid.uuid4().hex, tag="a", to_tag="made-up", routes=routes
            )
            caller.send(message, port)
            answer = caller.final()
            assert answer.startswith("SIP/2.0 4"), (first, answer)
            assert line.nothing() and victim.nothing(), first
    finally:
        victim.close()


def _call(port: int, token: str, caller: _Socket, line: _Socket) -> tuple[str, str, str]:
    """A call to the registered contact that the edge gives the line: its Call-ID (the
    From tag is its first 8 letters), the INVITE as the caller sent it and as the line
    got it."""
    call_id = uuid.uuid4().hex
    first = f"INVITE sip:bot@127.0.0.1:{port};nb={token} SIP/2.0"
    invite = _request(caller, first, call_id=call_id, tag=call_id[:8])
    caller.send(invite, port)
    got = line.receive()
    assert got.startswith("INVITE ") and call_id in got
    return call_id, invite, got


def _a_call_and_its_dialog(port: int, token: str, caller: _Socket, line: _Socket) -> None:
    """A call the edge admitted: its dialog's requests reach the line, but not another
    host, whatever the Request-URI says."""
    call_id, _sent, invite = _call(port, token, caller, line)
    line.send(_answer(invite, "200 OK", line), _source_port(invite))
    ok = caller.final()
    assert ok.startswith("SIP/2.0 200"), ok
    routes = tuple(_headers(ok, "Record-Route"))
    assert routes
    to_tag = re.findall(r";tag=([^;\r\n>]+)", _headers(ok, "To")[0])[0]

    def in_dialog(first: str, cseq: int) -> None:
        tags = {"tag": call_id[:8], "to_tag": to_tag}
        caller.send(
            _request(caller, first, call_id=call_id, routes=routes, cseq=cseq, **tags), port
        )

    victim = _Socket()
    try:
        # The dialog is known; a Request-URI naming another host is refused.
        in_dialog(f"INVITE sip:victim@127.0.0.1:{victim.port} SIP/2.0", 2)
        assert caller.final().startswith("SIP/2.0 403")
        assert victim.nothing() and line.nothing()
    finally:
        victim.close()
    in_dialog(f"BYE sip:bot@127.0.0.1:{line.port} SIP/2.0", 3)
    bye = line.receive()
    assert bye.startswith("BYE ") and call_id in bye
    line.send(_answer(bye, "200 OK", line), _source_port(bye))
    assert caller.final().startswith("SIP/2.0 200")


async def test_a_dialogs_request_goes_on_only_in_a_dialog_the_edge_let_through(tmp_path: Path):
    """A To-tag and a Route header to the edge, from the provider's own address, make no
    dialog: nothing reaches a line or any other host (before, each went where its
    Request-URI or Route named, with no token asked)."""
    line, notice, caller = _Socket(), _Socket(), _Socket()
    try:
        async with _edge(tmp_path, line, notice) as (port, token):
            await asyncio.to_thread(_forged_requests_go_nowhere, port, caller, line)
            await asyncio.to_thread(_a_call_and_its_dialog, port, token, caller, line)
        assert notice.nothing()
    finally:
        for sock in (line, notice, caller):
            sock.close()


def _failed_line_then_notice(
    port: int, token: str, caller: _Socket, line: _Socket, notice: _Socket, busy: bool
) -> None:
    """``busy``: the line answers 486 (full, as when the edge was started again and counts
    from 0); else it says nothing."""
    call_id, _sent, got = _call(port, token, caller, line)
    if busy:
        line.send(_answer(got, "486 Busy Here", line), _source_port(got))
    handed = notice.receive()
    assert handed.startswith("INVITE ") and call_id in handed
    notice.send(_answer(handed, "486 Busy Here", notice), _source_port(handed))
    assert caller.final().startswith("SIP/2.0 486")
    assert notice.receive().startswith("ACK ")  # the edge's, of that 486


def _hung_up_gets_no_notice(
    port: int, token: str, caller: _Socket, line: _Socket, notice: _Socket
) -> None:
    _call_id, invite, _got = _call(port, token, caller, line)
    assert caller.receive().startswith("SIP/2.0 100")
    cancel = invite.replace("INVITE sip:", "CANCEL sip:", 1).replace(
        "CSeq: 1 INVITE", "CSeq: 1 CANCEL"
    )
    caller.send(cancel, port)
    answers = [caller.final(), caller.final()]
    assert any(answer.startswith("SIP/2.0 200") and "CANCEL" in answer for answer in answers)
    ended = next(answer for answer in answers if "CSeq: 1 INVITE" in answer)
    assert ended.split()[1] >= "400"
    assert notice.nothing()


async def test_a_line_that_fails_a_call_hands_it_to_the_notice_line(tmp_path: Path):
    """A line that is full after all (486) or does not answer (408 from the edge's timer):
    the caller hears the busy notice instead of a busy tone or silence - unless they hung
    up meanwhile (before, the line's 486 or 408 went to the caller, the notice line never
    asked)."""
    # A caller each (the edge repeats its answers to one that sends no ACK).
    line, notice, callers = _Socket(), _Socket(), [_Socket(), _Socket(), _Socket()]
    try:
        async with _edge(tmp_path, line, notice) as (port, token):
            for busy, caller in zip((True, False), callers, strict=False):
                await asyncio.to_thread(
                    _failed_line_then_notice, port, token, caller, line, notice, busy
                )
                # The line's retransmitted INVITEs and the ACK of its 486, read and dropped.
                while not line.nothing():
                    pass
            await asyncio.to_thread(_hung_up_gets_no_notice, port, token, callers[2], line, notice)
    finally:
        for sock in (line, notice, *callers):
            sock.close()
