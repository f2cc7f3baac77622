"""A stack of the bot's (bot/transports/phone/sip/stack.py) registered at Kamailio for the
block of a test, what it tells kept in order: for the tests of the SIP layer itself, below
the phone transport."""

from __future__ import annotations

import asyncio
from typing import Self

from bot.transports.phone.sip.stack import CallEvent, Stack, StackSettings

# A hang detector, not a speed bound: registering takes a round trip to Kamailio.
REGISTERED_WITHIN = 30


class RegisteredLine:
    """``async with RegisteredLine(settings) as line``: the stack started and registered
    (a 2xx to its REGISTER), stopped at the end; ``line.events``, everything it told."""

    def __init__(self, settings: StackSettings) -> None:
        self.events: list[CallEvent] = []
        self.registered = asyncio.Event()
        self.stack = Stack(settings, self._event)

    def _event(self, event: CallEvent) -> None:
        self.events.append(event)
        if event.kind == "registered" and event.value.startswith("2"):
            self.registered.set()

    async def __aenter__(self) -> Self:
        await self.stack.start()
        await asyncio.wait_for(self.registered.wait(), REGISTERED_WITHIN)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stack.stop()
