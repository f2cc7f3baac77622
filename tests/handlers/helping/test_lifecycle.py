"""Every transition of a help request is checked; racing decisions have exactly one winner."""

from __future__ import annotations

import asyncio

import pytest

from db import Database
from db.request_states import CLOSED, TRANSITIONS
from db.requests import TransitionError

# One winner in every race: PostgreSQL's concurrency is not SQLite's one writer.
pytestmark = pytest.mark.both_backends


async def _request(db: Database):
    user = await db.users.seen("memory", "req", "req")
    return user, await db.requests.create(
        user.id, user.id, category="shopping", description="Einkauf", languages=("de", "ar")
    )


async def test_happy_path_and_audit(db: Database):
    user, request = await _request(db)
    assert request.state == "review" and request.languages == ("de", "ar")
    volunteer = await db.users.seen("memory", "vol", "vol")
    request = await db.requests.transition(request.id, "open", user.id)
    assert request.opened_at
    request = await db.requests.transition(
        request.id, "matched", volunteer.id, volunteer_id=volunteer.id
    )
    assert request.volunteer_id == volunteer.id
    request = await db.requests.transition(request.id, "done", user.id)
    assert request.closed_at
    actions = [entry["action"] for entry in await db.requests.history(request.id)]
    assert actions == ["request.review", "request.open", "request.matched", "request.done"]


@pytest.mark.parametrize("start", CLOSED)
async def test_closed_requests_cannot_move(db: Database, start: str):
    user, request = await _request(db)
    await db.execute(
        "UPDATE help_requests SET state = ?, volunteer_id = ? WHERE id = ?",
        (start, user.id, request.id),
    )
    for target in TRANSITIONS:
        with pytest.raises(TransitionError) as err:
            await db.requests.transition(request.id, target, user.id, volunteer_id=user.id)
        assert err.value.current == start


async def test_no_match_without_volunteer(db: Database):
    user, request = await _request(db)
    await db.requests.transition(request.id, "open", user.id)
    # SQLite: "CHECK constraint failed"; PostgreSQL: "violates check constraint".
    with pytest.raises(Exception, match=r"(?i)check constraint"):
        await db.requests.transition(request.id, "matched", user.id)
    assert (await db.requests.get(request.id)).state == "open"


async def test_two_decisions_at_once_have_one_winner(db: Database):
    _user, request = await _request(db)
    a = await db.users.seen("memory", "coord-a", "a")
    b = await db.users.seen("memory", "coord-b", "b")

    async def decide(actor, state):
        try:
            await db.requests.transition(
                request.id, state, actor.id, expect=("review",), decided_by=actor.id
            )
            return "won"
        except TransitionError as exc:
            return exc.decided_by

    results = await asyncio.gather(decide(a, "open"), decide(b, "rejected"))
    assert results.count("won") == 1
    loser = next(r for r in results if r != "won")
    assert loser in (a.id, b.id)
    assert (await db.requests.get(request.id)).state in ("open", "rejected")


async def test_racing_volunteers(db: Database):
    user, request = await _request(db)
    await db.requests.transition(request.id, "open", user.id)
    volunteers = [await db.users.seen("memory", f"v{i}", f"v{i}") for i in range(5)]

    async def accept(volunteer):
        try:
            await db.requests.transition(
                request.id, "matched", volunteer.id, expect=("open",), volunteer_id=volunteer.id
            )
            return volunteer.id
        except TransitionError:
            return None

    winners = [w for w in await asyncio.gather(*map(accept, volunteers)) if w]
    assert len(winners) == 1
    assert (await db.requests.get(request.id)).volunteer_id == winners[0]
