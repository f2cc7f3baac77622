"""The stores' answers that save the handlers round trips, on both backends: the posting
limits' record of a requester (db/posting_traces.py ``record``: held requests, counts,
erased accounts' traces and the flood rule's questions in one round trip) and whether a
person arrives in a running contact (db/users.py ``Arrival.in_contact``, which spares the
main menu its query)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from db import Database
from db.clock import to_text, utcnow
from db.posting_traces import FloodQuestions
from db.request_states import MATCHED, OPEN, REVIEW
from handlers.helping import posting_limits
from handlers.helping.posting_limits import FLOOD, may_post
from handlers.settings import HandlerSettings
from tests.support.round_trips import count_round_trips

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


async def test_the_flood_rules_questions_come_with_the_record(db: Database):
    now = datetime.now(UTC)
    old = await db.users.seen("memory", "old", "old")
    year_ago = to_text(now - timedelta(days=365))
    await db.execute("UPDATE users SET created_at = ? WHERE id = ?", (year_ago, old.id))
    first, second = [await db.users.seen("memory", who, who) for who in ("n1", "n2")]
    talk = await db.requests.create(first.id, first.id, category="talk", state=REVIEW)
    shopping = await db.requests.create(second.id, second.id, category="shopping", state=OPEN)
    await db.requests.create(old.id, old.id, category="talk", state=REVIEW)  # not new
    await db.requests.create(first.id, None, category="talk", entered_by=old.id)  # entered
    await db.requests.create(second.id, second.id, category="x", held=("wait", None))  # draft
    gone = await db.users.seen("memory", "gone", "gone")
    erased = await db.requests.create(gone.id, gone.id, category="x", state=OPEN)
    await db.posting_traces.keep(gone, SINCE, to_text(now + timedelta(days=1)))
    flood = FloodQuestions(
        since=to_text(now - timedelta(minutes=10)),
        joined_since=to_text(now - timedelta(days=1)),
        usual_since=to_text(now - timedelta(days=28)),
    )
    record = await db.posting_traces.record(first, SINCE, flood=flood)
    # The erased account's request counts twice, as its request and its trace: the traces
    # are kept just before the account and its link to the request go.
    assert record.from_new_accounts == sorted(
        [talk.created_at, shopping.created_at, erased.created_at, erased.created_at],
        reverse=True,
    )
    assert record.asked == 4 and record.of_category == []  # the old account's counts here
    talks = await db.posting_traces.record(first, SINCE, flood=replace(flood, category="talk"))
    assert talks.of_category == [talk.created_at]
    assert talks.counts == record.counts and talks.held == record.held
    unasked = await db.posting_traces.record(first, SINCE)
    assert (unasked.from_new_accounts, unasked.asked, unasked.of_category) == ([], 0, [])


async def test_a_new_accounts_posting_limits_take_one_round_trip(db: Database, monkeypatch):
    """The form's first step asks the flood rule too (issue 104: four round trips on
    PostgreSQL before, one statement after the other)."""
    settings = HandlerSettings(new_user_cooldown_minutes=10, new_account_flood_requests=2)
    person = await db.users.seen("memory", "new", "new")
    others = [await db.users.seen("memory", f"o{n}", f"o{n}") for n in range(2)]
    for other in others:
        await db.requests.create(other.id, other.id, category="shopping", state=REVIEW)

    class _Scene:
        def __init__(self) -> None:
            self.db, self.settings = db, settings

    await may_post(_Scene(), person)  # type: ignore[arg-type]  # the key's secret read once
    trips = count_round_trips(db, monkeypatch)
    refusal = await may_post(_Scene(), person)  # type: ignore[arg-type]
    assert trips[0] == 1
    assert refusal is not None and refusal.hold is not None and refusal.hold.reason == FLOOD
    talk = await may_post(_Scene(), person, kind=posting_limits.TALK)  # type: ignore[arg-type]
    assert talk is None and trips[0] == 2  # no talk requests of new accounts: not held
