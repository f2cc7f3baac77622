"""An event's duration (1, 1.5, 2, 3 hours) is a step whose answer is a number: each
choice carries its value (``Button.value``), and a typed number is read against it
(handlers/router.py ``Router.read_typed``) - not against its label, which in Arabic names
two hours without a digit ("ساعتان"): a typed 2 was refused there. "1,5" is an hour and a
half; a list that numbers choices asks for these numbers (handlers/media/value_choices.py)
and shows "2 (ساعتان)"."""

from __future__ import annotations

from db import Database
from handlers.media.value_choices import values_asked
from handlers.messages import Button
from locales import translator
from tests.support.memory_transport import MemoryTransport
from tests.support.town_events import coordinator, town

__all__ = ["coordinator", "town"]  # the fixtures (tests/support/town_events.py)


async def _typed_duration(chat: MemoryTransport, db: Database, fest: int, typed: str) -> int:
    cora = await db.users.find("memory", "cora")
    assert cora is not None
    await db.users.set_language(cora.id, "ar")
    for answer in ("ee:dur:180", typed):  # first 3 hours, pressed: none of those typed
        await chat.text("cora", f"/event_edit {fest}")
        await chat.press("cora", "ee:field:duration")
        state = await db.users.get_state(cora.id)
        assert state is not None and state.state == "eventedit.duration"
        if answer.startswith("ee:"):
            await chat.press("cora", answer)
        else:
            await chat.text("cora", answer)
    event = await db.events.get(fest)
    assert event is not None
    return event.duration_minutes


async def test_a_typed_two_is_two_hours_where_the_label_has_no_digit(
    chat: MemoryTransport, db: Database, town, coordinator: str
):
    assert "2" not in translator("ar").duration(120)  # "ساعتان"
    assert await _typed_duration(chat, db, town["fest"], "٢") == 120


async def test_an_hour_and_a_half_is_typed_with_its_decimal(
    chat: MemoryTransport, db: Database, town, coordinator: str
):
    assert await _typed_duration(chat, db, town["fest"], "1.5") == 90


def test_a_label_without_its_number_is_asked_with_it():
    t = translator("ar")
    rows = [[Button(t.duration(m), f"ee:dur:{m}", value=m / 60) for m in (90, 120)]]
    asked = str(values_asked(rows, t))
    assert f"2 ({t.duration(120)})" in asked and str(t.duration(90)) in asked
