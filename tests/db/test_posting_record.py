"""The stores' answers that save the handlers round trips, on both backends: the posting
limits' record of a requester (db/posting_traces.py ``record``: held requests, counts and
erased accounts' traces in one round trip) and whether a person arrives in a running
contact (db/users.py ``Arrival.in_contact``, which spares the main menu its query)."""

from __future__ import annotations

from db import Database
from db.clock import utcnow
from db.request_states import MATCHED, OPEN

SINCE = "2000-01-01T00:00:00Z"


async def test_the_record_holds_what_the_separate_questions_said(db: Database):
    user = await db.users.seen("memory", "r", "r")
    empty = await db.posting_traces.record(user, SINCE)
    assert (empty.held, empty.counts, empty.traced, empty.traced_newest) == (
        [],
        (0, 0, 0, None),
        0,
        None,
    )
    sent = await db.requests.create(user.id, user.id, category="shopping", state=OPEN)
    held = await db.requests.create(user.id, user.id, category="shopping", held=("wait", None))
    await db.posting_traces.keep(user, SINCE, utcnow())
    record = await db.posting_traces.record(user, SINCE)
    assert record.held == [held.id] == [r.id for r in await db.requests.held(user.id)]
    assert record.counts == (1, 1, 1, sent.created_at)  # the held draft counts nowhere
    assert record.traced == 2 and record.traced_newest == held.created_at  # both kept
    unasked = await db.posting_traces.record(user, SINCE, held=False)
    assert unasked.held == [] and unasked.counts == record.counts


async def test_an_arrival_says_whether_a_contact_runs(db: Database):
    requester = await db.users.seen("memory", "r", "r")
    volunteer = await db.users.seen("memory", "v", "v")
    request = await db.requests.create(requester.id, requester.id, category="x", state=OPEN)
    assert not (await db.users.arrive("memory", "r", "r")).in_contact
    await db.requests.transition(
        request.id, MATCHED, volunteer.id, expect=(OPEN,), volunteer_id=volunteer.id
    )
    assert (await db.users.arrive("memory", "r", "r")).in_contact
    assert (await db.users.arrive("memory", "v", "v")).in_contact
    assert not (await db.users.arrive("memory", "x", "x")).in_contact
