"""A call's audio and keys come from the caller alone (issue 98, point 1: "RTP Bleed").

SIPp calls the bot through Kamailio (the provider) and the bot's SIP edge and presses "1";
then a second socket on this machine, which no SDP named, bursts at every even port of the
bot's RTP range (``[phone] rtp_port`` and the 99 after it) what a caller's phone sends:
PCMU silence (any SSRC, enough for PJSIP's symmetric-RTP latch, 10 packets) and the
telephone-events of "9" (RFC 4733, the payload type the call agreed). Then the caller
presses "2". The line hears "1" and "2" only, and the second socket is sent nothing.

Before the media relay (media_relay.py) the lines' RTP listened on ``bind`` in that range:
the burst's "9" was the caller's key, and after it the line sent the call's audio to the
burst's source. Now the ports of the range are the relay's, which takes a stream only from
the address and port its SDP named (the caller's, or a line's on loopback).
"""

from __future__ import annotations

import asyncio
import socket
import struct
from dataclasses import replace

from bot.transports.phone.sip.edge import EdgePlan, outward_address
from bot.transports.phone.sip.line_pool import Lines
from bot.transports.phone.sip.media_relay import RelayPlan
from bot.transports.phone.sip.stack import StackSettings
from tests.support.ports import free_ports
from tests.support.sip.dtmf_pcap import rtp_events
from tests.support.sip.fixtures import BOT_USER, bot_account
from tests.support.sip.kamailio import HOST, KamailioServer
from tests.support.sip.registered_line import RegisteredLine
from tests.support.sip.sipp import Step, run_scenario

CALLER = "+4923155577"
RTP_PORTS = 100
# SIPp's offer names telephone-events 96 (uac_dtmf.xml): the line agrees to it.
EVENTS_TYPE = 96
# What the second source sends to each port: PCMU silence, then the events of its key.
SILENCE_PACKETS = 20
ATTACK_KEY = "9"
# The caller's second key comes this long after the first: the burst lies between (it is
# sent once the first key was heard; a machine too slow for that fails no build here).
SECOND_KEY_MS = 6000


class _Edged(RegisteredLine):
    """Two lines behind the bot's SIP edge, registered at Kamailio."""

    def __init__(self, settings: StackSettings) -> None:
        super().__init__(settings)
        self.stack = Lines(settings, self._event, 2)  # type: ignore[assignment]

    def pressed(self) -> list[str]:
        return [event.value for event in self.events if event.kind == "key"]


def _silence(seq: int, ssrc: int) -> bytes:
    header = struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, seq * 160, ssrc)
    return header + b"\xff" * 160


def _burst(sock: socket.socket, first: int) -> None:
    """What the second source sends to every even port of the range."""
    events = [packet for _, packet in rtp_events(ATTACK_KEY, payload_type=EVENTS_TYPE)]
    for port in range(first, first + RTP_PORTS, 2):
        packets = [_silence(seq, 0x0BAD0000 + port) for seq in range(SILENCE_PACKETS)]
        for packet in [*packets, *events]:
            sock.sendto(packet, (HOST, port))


async def _until(found: object, what: str) -> None:
    for _ in range(3000):  # a minute at most: a loaded machine
        if found():  # type: ignore[operator]
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never: {what}")


async def test_a_second_source_bursting_at_the_rtp_ports_changes_nothing_in_the_call(
    kamailio: KamailioServer,
):
    first = free_ports(RTP_PORTS, udp=True)
    settings: StackSettings = replace(bot_account(kamailio), rtp_port=first, rtp_ports=RTP_PORTS)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as attacker:
        attacker.bind((HOST, 0))
        attacker.setblocking(False)
        async with _Edged(settings) as line:
            call = asyncio.create_task(
                asyncio.to_thread(
                    run_scenario,
                    kamailio.domain,
                    BOT_USER,
                    steps=[Step(1000, "1"), Step(SECOND_KEY_MS, "2")],
                    caller=CALLER,
                    timeout_s=90,
                )
            )
            await _until(lambda: "1" in line.pressed(), "the caller's first key was taken")
            _burst(attacker, first)
            await asyncio.sleep(0.5)
            _burst(attacker, first)  # again, after any latch the first one began
            talked = await call
            assert talked.count("SuccessfulCall") == 1, talked.errors
            await _until(lambda: any(e.kind == "ended" for e in line.events), "the call ended")
            assert line.pressed() == ["1", "2"]
        sent_to_attacker = []
        while True:
            try:
                sent_to_attacker.append(attacker.recv(2048))
            except BlockingIOError:
                break
        assert sent_to_attacker == []


def test_the_relay_takes_the_phones_address_and_range_and_nothing_else():
    """bind to any address: the relay's outside is this machine's address on the way to
    the provider, the public address written into the SDP; the RTP range is ``rtp_port``'s
    hundred ports; endpoints are never learnt from packets, no kernel table, no file of the
    package's own configuration."""
    settings = StackSettings(
        bind="0.0.0.0",
        public_address="203.0.113.7",
        registrar="sip:192.0.2.1",
        rtp_port=4000,
        rtp_ports=100,
    )
    edge = EdgePlan.of(settings, inner=7000, lines=[7001], notice=7002, relay=7003)
    plan = RelayPlan.of(settings, edge, 7003)
    outside = outward_address("0.0.0.0", "", edge.peers)
    assert plan == RelayPlan(outside or "127.0.0.1", "203.0.113.7", 4000, 4099, 7003, block=0)
    arguments = plan.arguments()
    for expected in (
        "--config-file=none",
        "--table=-1",
        "--endpoint-learning=off",
        "--interface=internal/127.0.0.1",
        f"--interface=external/{plan.outside}!203.0.113.7",
        "--listen-ng=127.0.0.1:7003",
        "--port-min=4000",
        "--port-max=4099",
    ):
        assert expected in arguments
    on_its_address = RelayPlan.of(
        replace(settings, bind="198.51.100.4", public_address=""),
        replace(edge, public_address=""),
        7003,
    )
    assert (on_its_address.outside, on_its_address.advertise) == ("198.51.100.4", "")
