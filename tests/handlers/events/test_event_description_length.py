"""An event's description written in the chat (``eventedit.description``) is held to the
length the event keeps (handlers/events/fields.py ``DESCRIPTION_LENGTH``) by the one owner
of input length, the dispatcher (``Router.input_limits``): a longer one is refused with the
limit, the step and the event as they were - not, as it was, cut short without the
coordinator knowing where the city's ``max_text_length`` is above it. One of exactly the
limit is kept whole."""

from __future__ import annotations

from dataclasses import replace

from db import Database
from handlers.dispatcher import TOO_LONG
from handlers.events.fields import DESCRIPTION_LENGTH
from locales import translator
from tests.support.memory_transport import MemoryTransport, texts
from tests.support.town_events import coordinator, town

__all__ = ["coordinator", "town"]  # the fixtures (tests/support/town_events.py)


async def test_a_description_one_over_the_limit_is_refused_and_one_at_it_kept_whole(
    chat: MemoryTransport, db: Database, town, coordinator: str
):
    # The city's own limit above the event's (the tests' settings have 500).
    chat.dispatcher.settings = replace(chat.dispatcher.settings, max_text_length=2000)
    cora = (await db.users.find("memory", coordinator)).id
    await chat.text(coordinator, f"/event_edit {town['fest']}")
    await chat.press(coordinator, "ee:field:description")
    before = await db.users.get_state(cora)
    assert before is not None and before.state == "eventedit.description"
    kept = (await db.events.get(town["fest"])).description

    description = ("Musik, Essen und Spiele für alle. " * 100)[: DESCRIPTION_LENGTH - 4] + "ENDE"
    out = texts(await chat.text(coordinator, "z" + description))
    limit = DESCRIPTION_LENGTH
    assert translator("de").t(TOO_LONG, length=limit + 1, limit=limit) in out
    after = await db.users.get_state(cora)
    assert after is not None and (after.state, after.data) == (before.state, before.data)
    assert (await db.events.get(town["fest"])).description == kept

    await chat.text(coordinator, description)
    assert (await db.events.get(town["fest"])).description == description
