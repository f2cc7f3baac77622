"""A resident on the phone line asks for help: their id is their number (E.164) and they
have no name. The volunteer who takes the request, the relay's buttons and the
coordinators read "Resident" (render.py ``first_name``), never the number or a "?";
and the number is in no log record, also at DEBUG."""

from __future__ import annotations

import logging

from db import Database
from handlers.context import Backstage
from handlers.helping import lifecycle
from handlers.messages import Command
from locales import translator
from tests.support.help_story import GROUP, grant_role_to, press, register_volunteer
from tests.support.memory_transport import MemoryTransport, button_data, messages, texts

NUMBER = "+492315550123"
DIGITS = NUMBER.removeprefix("+49")


async def test_volunteers_and_coordinators_read_resident_never_the_number(
    story: MemoryTransport, db: Database, caplog
):
    caplog.set_level(logging.DEBUG)
    vera = await register_volunteer(story, db, "vera", "en")
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    await story.in_group("cora", Command("verify", str(vera)))
    arrival = await db.users.arrive("phone", NUMBER, NUMBER)
    caller = arrival.user
    assert caller.first_name == ""
    await db.users.set_language(caller.id, "de")
    scene = Backstage(db, story.dispatcher.settings)
    async with db.transaction():
        request = await lifecycle.submit(
            scene,
            caller,
            {
                "category": "shopping",
                "description": "Einkauf am Nordmarkt",
                "stadtbezirk": "Innenstadt-Nord",
                "lat": 51.523,
                "lon": 7.456,
                "languages": ("de",),
            },
        )
    await story.flush()
    # The coordinators: "Person aus der Nachbarschaft (Nr. 4)", in their language.
    resident_de = translator("de")._("Resident")
    assert f"{resident_de} (" in story.received(GROUP)
    await story.in_group("cora", press(f"mod:ok:{request.id}"))
    await story.flush()

    out = await story.press("vera", f"mt:acc:{request.id}")
    resident = translator("en")._("Resident")
    said = texts(out)
    # The door code: what the caller heard (they have no picture), never "say it".
    assert f"write to {resident} here" in said and f"{resident} hears this code word" in said
    labels = [b.label for m in messages(out) for row in m.buttons for b in row]
    assert any(resident in label for label in labels)
    # The relay's rows in the volunteer's menu name the resident too.
    out = await story.press("vera", "menu:main")
    labels = [b.label for m in messages(out) for row in m.buttons for b in row]
    assert any(resident in label for label in labels), labels
    assert f"rl:to:{request.id}" in button_data(out)

    everything = story.received("vera") + story.received(GROUP) + texts(out)
    assert DIGITS not in everything
    assert DIGITS not in caplog.text
