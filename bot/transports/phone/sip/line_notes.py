"""What the lines tell of themselves, kept for ``doctor``: whether the registrar took them
(registration.py). transport.py hands these events here; the rest of the lines' events are
calls.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from bot.transports.phone.sip import registration
from bot.transports.phone.sip.call_control import CallEvent

log = logging.getLogger(__name__)

# The kinds of event noted here.
KINDS = frozenset({"registered"})


class LineNotes:
    """The lines' registration, as they told it; ``later``: where the notes' writes run."""

    def __init__(self, db: Any, later: Callable[[Coroutine[Any, Any, None]], None]) -> None:
        self.db = db
        self.later = later
        self.registered = asyncio.Event()

    def told(self, event: CallEvent) -> None:
        """An event of a kind in :data:`KINDS`."""
        self._registered(event.value)

    def _registered(self, status: str) -> None:
        self.later(registration.note(self.db, status))
        if status.startswith("2"):
            log.info("phone: registered (%s)", status)
            self.registered.set()
        else:
            log.warning("phone: the registrar refused (%s)", status)
            self.registered.clear()
