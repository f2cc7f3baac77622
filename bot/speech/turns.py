"""Whose speech an engine makes next: read aloud is one engine for a whole installation
(eSpeak NG has one thread for every city), asked by the chats and by the web.

A chat's voice is someone waiting for the message in their own language; the web's
(a place's details on its page, ``/place/<id>/speech.ogg``) is anyone on the internet,
without a login. So the chat goes first, always: :class:`Turns` hands the engine to a
waiting chat voice before any waiting web one, and lets at most ``web_waiting`` web
voices wait at all - one more is refused at once (:class:`Busy`, the web answers 429),
never queued without bound. The web also has a budget of voices made per minute for the
whole engine (a :class:`~bot.token_bucket.Bucket`); the cache in front of it
(bot/speech/speaker.py) answers the rest.

Everything here is counted by what happened, not timed: a turn is taken and given back.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.speech.engine import SpeechError
from bot.token_bucket import Bucket

# Web voices that may wait for the engine at once, besides those being made.
WEB_WAITING = 8
# New web voices the engine makes at most: a burst, then one every few seconds.
WEB_BURST = 20
WEB_PER_SECOND = 0.5
# What a refused web request is told to wait when the queue is full (a voice or two).
QUEUE_RETRY_SECONDS = 5


class Busy(SpeechError):
    """The web's share of the engine is used up: ask again after ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__("read aloud is busy")
        self.retry_after = max(1, math.ceil(retry_after))


class Turns:
    """The engine's turns: ``parallel`` speeches made at once (eSpeak NG: one), a chat's
    voice before the web's, and at most ``web_waiting`` web voices waiting."""

    def __init__(
        self,
        parallel: int = 1,
        *,
        web_waiting: int = WEB_WAITING,
        web_budget: Bucket | None = None,
    ) -> None:
        self.parallel = parallel
        self.web_waiting = web_waiting
        self.web_budget = web_budget or Bucket(WEB_BURST, WEB_PER_SECOND)
        self._free = parallel
        self._chat: deque[asyncio.Future[None]] = deque()
        self._web: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> tuple[int, int]:
        """How many chat and web voices wait for the engine now."""
        return len(self._chat), len(self._web)

    def admit_web(self) -> None:
        """Whether one more web voice may be made now; raise :class:`Busy` if not (its
        queue is full, or its budget spent - then nothing is taken from it)."""
        if len(self._web) >= self.web_waiting:
            raise Busy(QUEUE_RETRY_SECONDS)
        wait = self.web_budget.take()
        if wait:
            raise Busy(wait)

    @asynccontextmanager
    async def turn(self, *, web: bool) -> AsyncIterator[None]:
        """The engine for one speech; a web one is refused (:class:`Busy`) when too many
        web voices wait already."""
        await self._take(web)
        try:
            yield
        finally:
            self._give_back()

    async def _take(self, web: bool) -> None:
        if self._free > 0 and not self._chat and not self._web:
            self._free -= 1
            return
        queue = self._web if web else self._chat
        if web and len(queue) >= self.web_waiting:
            raise Busy(QUEUE_RETRY_SECONDS)
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._give_back()  # handed the turn just as it gave up: the next one's
            elif waiter in queue:
                queue.remove(waiter)
            raise

    def _give_back(self) -> None:
        for queue in (self._chat, self._web):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self._free += 1
