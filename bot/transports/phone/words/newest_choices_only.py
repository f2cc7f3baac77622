"""What the phone line keeps of numbered choices (bot/transports/numbered_choices.py): per
caller only their newest message's choices, and nothing once their call is over.

A key presses a choice of the newest message only (a phone has no older messages to react
to or tap), so an older message's choices are dropped when a newer one is said; and when
the call's last keys were taken, the caller's are forgotten (their next call starts again
with ``/start``). The console's ``InMemory`` keeps every message's choices for the life of
the process: on a phone line that is every message said to every caller, without bound.
"""

from __future__ import annotations

from bot.transports.numbered_choices import Choice, InMemory


class CallChoices(InMemory):
    """``InMemory`` bounded to each caller's newest message, with :meth:`forget`."""

    def __init__(self) -> None:
        super().__init__()
        self._messages: dict[str, set[str]] = {}  # per caller, the messages kept

    async def remember_buttons(self, event_id: str, room_id: str, buttons: list[Choice]) -> None:
        await super().remember_buttons(event_id, room_id, buttons)
        if buttons:
            self._messages.setdefault(room_id, set()).add(event_id)

    async def note_sent(self, room_id: str, event_id: str, typed: bool) -> None:
        await super().note_sent(room_id, event_id, typed)
        kept = self._messages.get(room_id, set())
        for older in kept - {event_id}:
            self._buttons.pop(older, None)
        self._messages[room_id] = kept & {event_id}

    def forget(self, room_id: str) -> None:
        """Nothing more of this caller: their call is over."""
        for event_id in self._messages.pop(room_id, set()):
            self._buttons.pop(event_id, None)
        self._newest.pop(room_id, None)

    def held(self) -> int:
        """How many messages' choices are kept (for tests and the bench)."""
        return len(self._buttons) + len(self._newest)
