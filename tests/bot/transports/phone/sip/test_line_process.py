"""A line process's first frame is "started", whatever its stack told before: the bot takes
any other first frame for a line that failed to start (line_pool.py), and the registrar's
answer can be posted to the loop before the start's awaiter runs (seen as a bot whose next
line was never started, waiting for the one that had "failed" to end)."""

from __future__ import annotations

import asyncio
import io

from bot.transports.phone.sip.call_control import CallEvent
from bot.transports.phone.sip.frames import read_frame
from bot.transports.phone.sip.line_process import EARLY_MOST, LineProcess


async def _frames(data: bytes) -> list[dict[str, object]]:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    found = []
    while (frame := await read_frame(reader)) is not None:
        found.append(frame)
    return found


async def test_what_the_stack_tells_before_the_start_follows_started():
    out = io.BytesIO()
    line = LineProcess(out)
    line._event(CallEvent("registered", -1, "200"))
    assert out.getvalue() == b""
    line._started(5062)
    line._event(CallEvent("call", 3, "sip:caller@127.0.0.1"))
    assert await _frames(out.getvalue()) == [
        {"started": 5062},
        {"event": "registered", "call": -1, "value": "200"},
        {"event": "call", "call": 3, "value": "sip:caller@127.0.0.1"},
    ]


async def test_what_is_kept_before_the_start_is_bounded():
    out = io.BytesIO()
    line = LineProcess(out)
    for _ in range(EARLY_MOST * 3):
        line._event(CallEvent("registered", -1, "200"))
    line._started(5062)
    frames = await _frames(out.getvalue())
    assert frames[0] == {"started": 5062} and len(frames) == 1 + EARLY_MOST
