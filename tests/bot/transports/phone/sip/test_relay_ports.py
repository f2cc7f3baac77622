"""Each media relay's RTP ports are its own on the machine (relay_ports.py; issue 98: a
helper's bridged call where the resident heard nothing of the helper).

rtpengine binds its media ports shareable (``SO_REUSEADDR``) and Linux gives a UDP port's
packets to the socket bound last: a second bot's relay on the machine (another city,
another process, another test) that took a call bound the port of a call already
talking, and that call's sound stopped until the other call ended. Here two relays are
started as the bot starts them (media_relay.py, any ports: ``rtp_port`` 0) and given
sessions over their control as the edge gives them (an offer from a line on loopback, the
phone's answer, ``strict-source``): the first relay's call goes on carrying the phone's
packets to the line while the second takes calls.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.transports.phone.sip import relay_ports
from bot.transports.phone.sip.media_relay import MediaRelay, RelayFailed, RelayPlan
from tests.support.ports import free_port, free_ports
from tests.support.sip.kamailio import HOST
from tests.support.sip.relay_query import ask

PACKETS = 5
# A packet that does not come within this long is lost (the machine may be slow; a lost
# stream waits this long once, a carried one not at all).
WAIT_SECONDS = 5.0


def _sdp(port: int) -> str:
    return (
        f"v=0\r\no=- 1 1 IN IP4 {HOST}\r\ns=-\r\nc=IN IP4 {HOST}\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
    )


def _media_port(sdp: bytes) -> int:
    line = next(line for line in sdp.decode().splitlines() if line.startswith("m=audio"))
    return int(line.split()[1])


def _session(control: int, call_id: str, line: int, phone: int) -> tuple[int, int]:
    """A call through the relay as the edge makes it (edge.cfg, route[MEDIA]): the line's
    offer, the phone's answer. The relay's ports: the phone's side, the line's side."""
    flags = ["strict-source"]
    offer = ask(
        control,
        {
            "command": "offer",
            "call-id": call_id,
            "from-tag": "line",
            "sdp": _sdp(line),
            "direction": ["internal", "external"],
            "flags": flags,
        },
    )
    answer = ask(
        control,
        {
            "command": "answer",
            "call-id": call_id,
            "from-tag": "line",
            "to-tag": "phone",
            "sdp": _sdp(phone),
            "flags": flags,
        },
    )
    return _media_port(offer[b"sdp"]), _media_port(answer[b"sdp"])


def _udp() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((HOST, 0))
    sock.settimeout(WAIT_SECONDS)
    return sock


def _carried(phone: socket.socket, line: socket.socket, port: int, start: int) -> int:
    """How many of PACKETS RTP packets the phone sends to the relay's ``port`` reach the
    line."""
    for seq in range(start, start + PACKETS):
        header = struct.pack("!BBHII", 0x80, 0, seq, seq * 160, 0x5EED)
        phone.sendto(header + b"\xff" * 160, (HOST, port))
    got = 0
    try:
        while got < PACKETS:
            line.recv(2048)
            got += 1
    except TimeoutError:
        pass
    return got


@asynccontextmanager
async def _relay(plan: RelayPlan) -> AsyncIterator[MediaRelay]:
    relay = MediaRelay(plan)
    await relay.start()
    try:
        yield relay
    finally:
        await relay.stop()


async def test_a_second_relay_taking_calls_never_takes_the_port_of_a_call_talking():
    with _udp() as line, _udp() as phone:
        async with _relay(RelayPlan(HOST, control=free_port())) as first:
            assert first.claim is not None
            held = range(first.claim.first, first.claim.last + 1)
            to_phone, _ = _session(
                first.plan.control, "talking", line.getsockname()[1], phone.getsockname()[1]
            )
            assert _carried(phone, line, to_phone, 0) == PACKETS
            async with _relay(RelayPlan(HOST, control=free_port())) as second:
                ports = [
                    port
                    for number in range(3)
                    for port in _session(second.plan.control, f"next-{number}", 1000, 1002)
                ]
                # Before, the second relay's first call bound the talking call's port and
                # its packets went there: the line got none of them.
                assert _carried(phone, line, to_phone, PACKETS) == PACKETS
                assert not set(ports) & set(held)


async def test_ports_another_relay_holds_are_refused_and_free_once_it_stopped():
    """A city given ports (``rtp_port``) another bot's relay holds does not start its
    relay, and says why; once that relay stopped they are free."""
    first = free_ports(200, udp=True)
    plan = RelayPlan(HOST, first=first, last=first + 99, control=free_port(), block=0)
    overlapping = RelayPlan(HOST, first=first + 50, last=first + 149, control=free_port(), block=0)
    async with _relay(plan) as holding:
        with pytest.raises(RelayFailed, match=f"held by another bot's media relay.*{first}-"):
            async with _relay(overlapping):
                pass
        assert holding.running
    async with _relay(overlapping) as taking:
        assert taking.claim is not None and taking.claim.first == first + 50


def test_a_claim_of_a_bot_that_was_killed_is_free(tmp_path: Path):
    """The claim is a lock the kernel lets go of however its process ends."""
    held = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path;"
            "from bot.transports.phone.sip import relay_ports;"
            f"relay_ports.claim(4000, 4099, folder=Path({str(tmp_path)!r}));"
            "print('held', flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[5],
    )
    try:
        assert held.stdout is not None and held.stdout.readline().strip() == "held"
        with pytest.raises(relay_ports.PortsHeld):
            relay_ports.claim(4050, 4149, folder=tmp_path)
        beside = relay_ports.claim(4100, 4199, folder=tmp_path)
        assert beside.first == 4100
        beside.release()
    finally:
        os.kill(held.pid, signal.SIGKILL)
        held.wait()
    mine = relay_ports.claim(4000, 4099, folder=tmp_path)
    assert (mine.first, mine.last) == (4000, 4099)
    mine.release()
