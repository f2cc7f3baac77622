"""What name of a Matrix person others read: the display name they chose, never their Matrix
id. A person who removed her display name (Element: *Settings* → *Account*, name emptied)
is shown by the member list as her id (``@vera:server``, matrix-nio's ``user_name``); a
helper's id in the requester's chat would let the requester reach her outside the bot, past
everything that hides helpers' contacts."""

from __future__ import annotations

import asyncio

import pytest

from bot.delivery import OutboxWorker
from db import Database
from handlers.settings import HandlerSettings
from tests.support.help_story import matched_through_lifecycle
from tests.support.helping_people import volunteer_profile
from tests.support.matrix_bot import Bot, onboard
from tests.support.matrix_people import MatrixPerson, body
from tests.support.synapse_server import Synapse

# About Matrix, not the database.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


async def test_a_helper_without_a_display_name_is_not_shown_by_her_matrix_id(
    synapse: Synapse, db: Database
):
    amira = MatrixPerson(synapse, "amira")
    vera = MatrixPerson(synapse, "vera")
    await amira.start()
    await vera.start()
    # Vera has emptied her display name before she ever writes to the bot.
    await vera.client.set_displayname("")
    running = Bot(synapse, db, HandlerSettings(require_verified_volunteers=False))
    transport = await running.start()
    worker = OutboxWorker(db, [transport], poll_seconds=0.2)
    running.dispatcher.on_queued = worker.wake
    stop = asyncio.Event()
    delivery = asyncio.create_task(worker.run(stop))
    try:
        amira_room = await onboard(amira, running, "1")  # Deutsch
        vera_room = await onboard(vera, running, "1")
        requester = await db.users.find("matrix", amira.user_id)
        volunteer = await db.users.find("matrix", vera.user_id)
        assert requester is not None and volunteer is not None
        assert volunteer.first_name == ""  # no name of hers is known
        await volunteer_profile(db, volunteer.id, max_open=1)
        coordinator = await db.users.seen("memory", "cora", "cora", "Cora")
        await db.users.grant_role(coordinator.id, "coordinator")
        await matched_through_lifecycle(
            db, running.dispatcher.settings, requester.id, volunteer.id, coordinator.id
        )
        worker.wake()
        await amira.wait_for(lambda e: "🎉" in body(e))

        mark = len(amira.received)
        await vera.say(vera_room, "Ich komme um drei")
        copy = await amira.wait_for(lambda e: "um drei" in body(e), after=mark)
        # Everything Amira was told about her helper, from the match on.
        told = "\n".join(body(e) for r, e in amira.received if r == amira_room)
        assert vera.user_id not in told and vera.name not in told, body(copy)
    finally:
        stop.set()
        await delivery
        await running.stop()
        await amira.stop()
        await vera.stop()
