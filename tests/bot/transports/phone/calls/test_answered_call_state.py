"""An answered call's state stays small (issue 82, point 2): ``Call`` had 33 mutable
fields written from six modules; what its newest answer asks is one turn (turn.py),
replaced whole, and ``Call`` keeps at most ten fields - no attribute can be added beside
them (slots)."""

from __future__ import annotations

import dataclasses

import pytest

from bot.transports.phone.calls.answered_call import Call
from bot.transports.phone.calls.turn import Turn

MOST_FIELDS = 10


async def test_a_call_keeps_at_most_ten_fields():
    assert len(dataclasses.fields(Call)) <= MOST_FIELDS
    call = Call(1, "+492311234567")
    with pytest.raises(AttributeError):
        call.pause = None  # type: ignore[attr-defined]


def test_a_turn_is_replaced_never_changed():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Turn().page = 1  # type: ignore[misc]
