"""A person who closed their chat with the bot (blocked it: handlers/dispatcher.py
``_unreachable``, db/users.py ``close_chat``) and is then erased - by a coordinator, by
retention, or by /delete - leaves nothing stored under the chat they closed: the map matches
the chat id the account had when it was closed (users.closed_chat_id) as well as the open one."""

from __future__ import annotations

import pytest

from db import Database
from db.users import UserStore
from handlers import build_router
from handlers.context import Backstage
from handlers.dispatcher import Dispatcher
from handlers.privacy import erase
from handlers.settings import HandlerSettings
from tests.support.channels import channels
from tests.support.city_databases import every_row

PERSON, ROOM = "@amira:example.org", "!amiras-chat:example.org"


@pytest.mark.both_backends
async def test_a_person_who_closed_their_chat_leaves_nothing_under_it_when_erased(db: Database):
    settings = HandlerSettings(channels=channels())
    router = build_router()
    dispatcher = Dispatcher(db, router, settings)
    async with db.transaction():
        await db.users.arrive("matrix", PERSON, ROOM, "Amira", update_id="m-1")
        await db.execute(*UserStore.finish_statement("matrix", "m-1", ROOM, '["Hallo Amira"]'))
    await db.outbox.enqueue("matrix", ROOM, {"type": "Message", "text": "Hallo Amira"})
    await db.transport_state.remember_buttons("$event", ROOM, [("Ja", "yes")])
    await db.transport_state.set("matrix.greet:" + ROOM, "1")

    await dispatcher.ports.chats.closed("matrix", PERSON, ROOM, "m-2")
    amira = await db.users.find("matrix", PERSON)
    assert amira is not None and amira.chat_id == "" and amira.closed_chat_id == ROOM
    # Still hers in /mydata ...
    found = await db.data_rights.export(amira)
    for section in ("updates_handled", "messages_for_you", "matrix_buttons", "matrix_room"):
        assert found[section], section

    async with db.transaction():
        await erase(Backstage(db, settings), router, amira, "deleted")

    # ... and gone with her.
    left = [
        (table, row)
        for table, rows in (await every_row(db)).items()
        for row in rows
        if any(ROOM in value or "Amira" in value for value in row)
    ]
    assert not left, left
