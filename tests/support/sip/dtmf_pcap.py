"""Keypad tones as a pcap file of RFC 4733 telephone-events, for SIPp's ``play_pcap_audio``.

SIPp 3.6.1's own ``play_dtmf`` always sends payload type 96, right only when SIPp made the
offer with 96; a phone that is called answers the caller's offer, whose payload type for
telephone-events is the caller's choice (baresip and PJSIP offer 101). This writes the events
with any payload type: per digit a start packet (marker set) and one every 20 ms with the
duration growing, the end three times, then a pause as long as the tone. SIPp replays the
packets with the file's timing to the media address of the other side's SDP (only the
addresses and ports are rewritten), so ``first_seq`` and ``first_timestamp`` let several
files of one call continue the same RTP sequence.
"""

from __future__ import annotations

import struct
from pathlib import Path

EVENTS = {**{str(digit): digit for digit in range(10)}, "*": 10, "#": 11}
EVENTS.update({"A": 12, "B": 13, "C": 14, "D": 15})
PACKET_MS = 20
SSRC = 0x4E424F54
_LOOPBACK = bytes([127, 0, 0, 1])


def rtp_events(
    digits: str,
    *,
    payload_type: int = 101,
    tone_ms: int = 200,
    first_seq: int = 1000,
    first_timestamp: int = 160000,
) -> list[tuple[float, bytes]]:
    """(seconds from the start, RTP packet) for the digits."""
    packets: list[tuple[float, bytes]] = []
    at, seq, timestamp = 0.0, first_seq, first_timestamp
    steps = max(1, tone_ms // PACKET_MS)
    for digit in digits:
        event = EVENTS[digit]
        for index in range(steps + 3):
            end = index >= steps
            duration = min(index + 1, steps) * PACKET_MS * 8
            marker = 0x80 if index == 0 else 0
            header = struct.pack(
                "!BBHII", 0x80, marker | payload_type, seq & 0xFFFF, timestamp, SSRC
            )
            payload = struct.pack("!BBH", event, (0x80 if end else 0) | 10, duration)
            packets.append((at, header + payload))
            seq += 1
            if index < steps:
                at += PACKET_MS / 1000
        at += tone_ms / 1000
        timestamp += (steps + tone_ms // PACKET_MS) * PACKET_MS * 8
    return packets


def write_dtmf_pcap(path: Path, digits: str, **options: int) -> Path:
    """The digits' events as a pcap (Ethernet, IPv4, UDP from 127.0.0.1 to 127.0.0.1)."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for at, rtp in rtp_events(digits, **options):
        udp = struct.pack("!HHHH", 40000, 40000, 8 + len(rtp), 0) + rtp
        ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0)
        ip += _LOOPBACK + _LOOPBACK
        checksum = _checksum(ip)
        ip = ip[:10] + struct.pack("!H", checksum) + ip[12:]
        frame = b"\0" * 12 + b"\x08\x00" + ip + udp
        seconds = int(at)
        micros = round((at - seconds) * 1_000_000)
        out.append(struct.pack("<IIII", seconds, micros, len(frame), len(frame)) + frame)
    path.write_bytes(b"".join(out))
    return path


def _checksum(header: bytes) -> int:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
