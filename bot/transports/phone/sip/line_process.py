"""One line of the phone: a process of its own that runs a SIP stack (stack.py) for the bot.

PJSIP as published for Python takes at most 4 calls at once in a process (its
``PJSUA_MAX_CALLS``, fixed when it is built); more calls at once are more processes, each a
"line" with its own loopback SIP port and share of the RTP ports, behind the SIP edge that
gives each its calls (line_pool.py, edge.py). The bot's process (the transport) and a line
talk through two pipes in frames: four bytes of length, then a JSON object.

From the bot to the line:
    the first frame: the line's :class:`~bot.transports.phone.sip.stack.StackSettings`;
    ``{"op": "say", "call": id, "prompts": [path, ...]}``, ``hush``, ``hang_up``,
    ``{"op": "record" | "end_recording" | "level", "call": id, "ask": n}``,
    ``{"op": "transfer", "call": id, "uri": uri, "ask": n}``,
    ``{"op": "make_call", "uri": uri, "ask": n}``,
    ``{"op": "bridge", "call": id, "other": id, "ask": n}`` (two calls of this line heard
    by each other, bridging.py): each answered by ``{"answer": n,
    "result": ...}`` or ``{"answer": n, "error": text}``;
    ``{"op": "stop"}``: hang up and end.
From the line to the bot:
    ``{"started": port}`` or ``{"failed": text}`` first;
    ``{"event": kind, "call": id, "value": value}``: a :class:`CallEvent` (call_control.py);
    ``{"told": n, "kind": kind, "call": id, "value": value}``: what happened to the call the
    bot made with ``make_call`` ``n`` (its listener; it may come before the answer).

A recording's words travel as base64 (16-bit PCM). The protocol's frames go through a
descriptor of their own: the line's standard output is its standard error, so nothing a
library prints can break a frame. The settings (the SIP password among them) come through
the pipe, never on the command line.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import sys
from pathlib import Path
from typing import Any

from bot.transports.phone.sip.frames import MAX_FRAME, encode, read_frame

log = logging.getLogger(__name__)

# Told before the start's result (registration's answers): a few; more are not kept.
EARLY_MOST = 64


class LineProcess:
    """The line's side: commands from ``reader`` run on its stack, what it tells is written
    to ``out`` (a binary file)."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.stack: Any = None
        # What the stack told before "started" went out: the registrar's answer can come
        # first (the stack's thread posts it right after the start's own result, and both
        # run on the loop before the start's awaiter does), and the bot takes any frame
        # before "started" for a line that failed to start.
        self._early: list[dict[str, Any]] | None = []

    def send(self, message: dict[str, Any]) -> None:
        self.out.write(encode(message))
        self.out.flush()

    def _event(self, event: Any) -> None:
        message = {"event": event.kind, "call": event.call_id, "value": event.value}
        if self._early is not None:
            if len(self._early) < EARLY_MOST:
                self._early.append(message)
        else:
            self.send(message)

    def _started(self, port: int) -> None:
        self.send({"started": port})
        early, self._early = self._early or [], None
        for message in early:
            self.send(message)

    async def serve(self, reader: asyncio.StreamReader) -> None:
        from bot.transports.phone.sip.stack import Stack, StackSettings

        first = await read_frame(reader)
        if first is None:
            return
        self.stack = Stack(StackSettings(**first), self._event)
        try:
            await self.stack.start()
        except Exception as exc:
            # PJSIP's reason ("Address already in use"), never a URI or a number.
            reason = str(getattr(exc, "reason", "") or type(exc).__name__)
            self.send({"failed": f"port {self.stack.settings.port}: {reason}"})
            return
        self._started(self.stack.port)
        try:
            while (message := await read_frame(reader)) is not None:
                if message.get("op") == "stop":
                    break
                self._run(message)
        finally:
            await self.stack.stop()

    def _run(self, message: dict[str, Any]) -> None:
        stack, op = self.stack, message.get("op")
        call = int(message.get("call", -1))
        if op == "say":
            stack.say(call, [Path(path) for path in message["prompts"]])
        elif op in ("hush", "hang_up"):
            getattr(stack, op)(call)
        elif op in ("record", "end_recording", "level"):
            self._answer(message["ask"], getattr(stack, op)(call))
        elif op == "transfer":
            self._answer(message["ask"], stack.transfer(call, str(message["uri"])))
        elif op == "make_call":
            ask = message["ask"]
            self._answer(ask, stack.make_call(str(message["uri"]), self._teller(ask)))
        elif op == "bridge":
            self._answer(message["ask"], stack.bridge(call, int(message["other"])))
        else:
            log.warning("phone line: an unknown command")

    def _teller(self, ask: int) -> Any:
        def tell(told: Any) -> None:
            self.send({"told": ask, "kind": told.kind, "call": told.call_id, "value": told.value})

        return tell

    def _answer(self, ask: int, future: asyncio.Future[Any]) -> None:
        def done(finished: asyncio.Future[Any]) -> None:
            error = finished.exception()
            if error is not None:
                self.send({"answer": ask, "error": type(error).__name__})
                return
            result = finished.result()
            if isinstance(result, bytes):
                result = base64.b64encode(result).decode("ascii")
            self.send({"answer": ask, "result": result})

        future.add_done_callback(done)


async def main() -> None:
    # The frames go through the descriptor that was standard output; standard output is
    # standard error from now on (a library's print cannot break a frame).
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MAX_FRAME)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await LineProcess(out).serve(reader)


if __name__ == "__main__":
    logging.basicConfig(
        level=os.environ.get("NACHBARBOT_LOG_LEVEL", "WARNING"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    asyncio.run(main())
