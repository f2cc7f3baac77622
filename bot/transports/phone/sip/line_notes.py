"""What the lines tell of themselves, kept for ``doctor`` and the metrics: whether the
registrar took them (registration.py), the state of their INVITE filter and the requests it
could not read (invite_filter.py). transport.py hands these events here; the rest of the
lines' events are calls.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from bot.transports.phone.sip import invite_filter, registration
from bot.transports.phone.sip.call_control import CallEvent

log = logging.getLogger(__name__)

# The kinds of event noted here.
KINDS = frozenset({"registered", "filter", "unreadable"})


class LineNotes:
    """The lines' registration and filter, as they told them; ``count``: the city's
    counter (attach.py), ``later``: where the notes' writes run."""

    def __init__(self, db: Any, later: Callable[[Coroutine[Any, Any, None]], None]) -> None:
        self.db = db
        self.later = later
        self.registered = asyncio.Event()
        # The filter's state as the lines' start found it, and the requests it could not read.
        self.invite_filter = ""
        self.unreadable_requests = 0
        self.count: Callable[[str, int], None] | None = None
        self._writing: asyncio.Lock | None = None

    def told(self, event: CallEvent) -> None:
        """An event of a kind in :data:`KINDS`."""
        if event.kind == "registered":
            self._registered(event.value)
        elif event.kind == "filter":
            if event.value == self.invite_filter:
                return  # a line started again found what the others did
            self.invite_filter = event.value
            if event.value != invite_filter.ON:
                log.warning("phone: the lines' INVITE filter is %s", event.value)
            self.later(self._note_filter(state=event.value))
        else:
            more = int(event.value)
            self.unreadable_requests += more
            if self.count is not None:
                self.count("unreadable_sip", more)
            self.later(self._note_filter(unreadable=more))

    def _registered(self, status: str) -> None:
        self.later(registration.note(self.db, status))
        if status.startswith("2"):
            log.info("phone: registered (%s)", status)
            self.registered.set()
        else:
            log.warning("phone: the registrar refused (%s)", status)
            self.registered.clear()

    async def _note_filter(self, *, state: str | None = None, unreadable: int = 0) -> None:
        # One note after the other: each reads and writes the kept figures.
        if self._writing is None:
            self._writing = asyncio.Lock()
        async with self._writing:
            await invite_filter.note(self.db, state=state, unreadable=unreadable)
