"""A real OGG/Opus voice note (silence), as Telegram and Element record them, that a
browser can decode: for tests that play a voice message rather than only pass its bytes on.

The format is RFC 7845 (Ogg encapsulation of Opus) over RFC 3533 (Ogg pages): an ``OpusHead``
page, an ``OpusTags`` page, then the audio packets. Each packet is one 20 ms CELT frame of
silence (TOC 0xF8: fullband, mono, one frame; 0xFF 0xFE: the frame's bits for silence).
"""

from __future__ import annotations

import struct

SAMPLE_RATE = 48_000
FRAME_SAMPLES = 960  # 20 ms at 48 kHz
PRE_SKIP = 312
SILENT_FRAME = b"\xf8\xff\xfe"

_BOS, _EOS = 0x02, 0x04


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
        table.append(crc & 0xFFFFFFFF)
    return table


_TABLE = _crc_table()


def _crc(data: bytes) -> int:
    """Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, starting at 0."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _TABLE[((crc >> 24) & 0xFF) ^ byte]
    return crc


def _page(packets: list[bytes], *, flags: int, granule: int, serial: int, sequence: int) -> bytes:
    lacing = b""
    for packet in packets:
        assert len(packet) < 255  # one segment each: enough for these small packets
        lacing += bytes([len(packet)])
    header = struct.pack(
        "<4sBBqIIIB", b"OggS", 0, flags, granule, serial, sequence, 0, len(packets)
    )
    page = header + lacing + b"".join(packets)
    crc = _crc(page)
    return page[:22] + struct.pack("<I", crc) + page[26:]


def silence(seconds: float = 1.0, serial: int = 0x6E62) -> bytes:
    """``seconds`` of silence as an OGG/Opus file."""
    frames = max(1, round(seconds * SAMPLE_RATE / FRAME_SAMPLES))
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, PRE_SKIP, SAMPLE_RATE, 0, 0)
    vendor = b"nachbarbot tests"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    pages = [
        _page([head], flags=_BOS, granule=0, serial=serial, sequence=0),
        _page([tags], flags=0, granule=0, serial=serial, sequence=1),
    ]
    sequence, written = 2, 0
    while written < frames:
        count = min(50, frames - written)  # at most a second a page
        written += count
        last = written == frames
        pages.append(
            _page(
                [SILENT_FRAME] * count,
                flags=_EOS if last else 0,
                granule=written * FRAME_SAMPLES,
                serial=serial,
                sequence=sequence,
            )
        )
        sequence += 1
    return b"".join(pages)
