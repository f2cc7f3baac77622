"""The answers a call was asked, as the phone tests wait for them: a call keeps no count
of its own (its state is what it needs, answered_call.py), so the tests count the turns
its answers made - each time what was said since an update began became the call's answer
(answers_said.py ``CallVoice.asked``), where anything was said. ``counting()`` counts for
as long as it runs (an autouse fixture of the phone tests, the phone bench's run);
``answers_to(call)`` is the count of one call."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from bot.transports.phone.calls.answered_call import Call
from bot.transports.phone.dialogue.answers_said import CallVoice

# Per call (by its id, the call held: no other call takes its id meanwhile), its count.
_asked: dict[int, tuple[Call, int]] = {}


def answers_to(call: Call) -> int:
    """How many answers ``call`` was asked (the languages first: 1)."""
    return _asked.get(id(call), (call, 0))[1]


@contextlib.contextmanager
def counting() -> Iterator[None]:
    """Count the answers of every call while it runs."""
    asked = CallVoice.asked

    def noting(call: Call, *, always: bool = False) -> None:
        if call.saying or always:
            _asked[id(call)] = (call, answers_to(call) + 1)
        asked(call, always=always)

    CallVoice.asked = staticmethod(noting)  # type: ignore[method-assign]
    try:
        yield
    finally:
        CallVoice.asked = staticmethod(asked)  # type: ignore[method-assign]
        _asked.clear()
