"""Where a person stands when a shared engine must choose whose work comes first
(handlers/helping/standing.py, asked by a transport through ``Dispatcher.standing``):
running help - a request of theirs in review, open or matched, helping with one,
coordinators - then other known people (agreed to the notice, volunteers), strangers last."""

from __future__ import annotations

import pytest

from db import Database
from db.request_states import DONE, MATCHED, OPEN, REVIEW
from handlers.channels import Standing
from handlers.dispatcher import Dispatcher

pytestmark = pytest.mark.both_backends

PLATFORM = "memory"


async def _person(db: Database, name: str, *, agreed: bool = True) -> int:
    user = await db.users.seen(PLATFORM, name, name, name.title())
    if agreed:
        await db.users.record_consent(user.id)
    return user.id


async def _request(db: Database, requester: int, state: str, volunteer: int | None = None) -> None:
    request = await db.requests.create(requester, requester, category="shopping", description="x")
    await db.execute(
        "UPDATE help_requests SET state = ?, volunteer_id = ? WHERE id = ?",
        (state, volunteer, request.id),
    )


async def test_running_help_comes_first_known_people_next_strangers_last(
    dispatcher: Dispatcher, db: Database
):
    async def stands(name: str) -> Standing:
        return await dispatcher.ports.chats.standing(PLATFORM, name)

    assert await stands("nobody") is Standing.STRANGER  # no row
    await _person(db, "newcomer", agreed=False)
    assert await stands("newcomer") is Standing.STRANGER
    await _person(db, "karl")
    assert await stands("karl") is Standing.KNOWN  # agreed, nothing under way
    volunteer = await _person(db, "vera", agreed=False)
    await db.users.grant_role(volunteer, "volunteer")
    assert await stands("vera") is Standing.KNOWN
    for state, name in ((REVIEW, "rita"), (OPEN, "otto")):
        await _request(db, await _person(db, name), state)
        assert await stands(name) is Standing.RUNNING, state
    requester = await _person(db, "maria")
    await _request(db, requester, MATCHED, volunteer)
    assert await stands("maria") is Standing.RUNNING
    assert await stands("vera") is Standing.RUNNING  # she helps with it
    done = await _person(db, "dora")
    await _request(db, done, DONE)
    assert await stands("dora") is Standing.KNOWN  # her help has ended
    coordinator = await _person(db, "carla", agreed=False)
    await db.users.grant_role(coordinator, "coordinator")
    assert await stands("carla") is Standing.RUNNING
    await db.users.set_banned(coordinator, True)
    await db.users.set_banned(requester, True)
    assert await stands("carla") is Standing.STRANGER
    assert await stands("maria") is Standing.STRANGER
