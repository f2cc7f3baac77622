"""The frames between the bot and its line processes (line_process.py, line_pool.py): four bytes of
length, then a JSON object. Apart from line_process.py, which runs as ``python -m``: the bot imports
this, never the line's entry point."""

from __future__ import annotations

import asyncio
import json
import struct
from dataclasses import asdict
from typing import Any

HEADER = struct.Struct(">I")
# A recording of 600 s at 16 kHz is 19 MB, in base64 26 MB: a frame is never more.
MAX_FRAME = 32 * 1024 * 1024


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode()
    return HEADER.pack(len(body)) + body


async def read_frame(reader: asyncio.StreamReader) -> dict[str, Any] | None:
    """The next frame, or None at the end of the pipe."""
    try:
        size = HEADER.unpack(await reader.readexactly(HEADER.size))[0]
        if size > MAX_FRAME:
            raise ValueError("a frame too large")
        message = json.loads(await reader.readexactly(size))
    except asyncio.IncompleteReadError:
        return None
    if not isinstance(message, dict):
        raise ValueError("a frame that is not an object")
    return message


def settings_frame(settings: Any) -> dict[str, Any]:
    return asdict(settings)
