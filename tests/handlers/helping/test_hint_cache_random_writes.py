"""The review queue's kept hints (handlers/helping/matching/hint_cache.py) against a fresh search
(``ranking.candidates_of_page``) after random writes by another process while the clock
moves: what tests/handlers/helping/test_hint_cache.py checks one kind of write at a time,
here mixed, with what that test leaves out - talk requests and talk shifts, quiet hours, a
kind that needs a certificate, volunteers deleted and registered again, offers dropped,
accounts without a chat, and page loads minutes or hours apart (the quarter hour, the
evening, offers leaving their day and week). Seeded: the same writes every run.

SQLite only: PostgreSQL keeps nothing."""

from __future__ import annotations

import contextlib
import random
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.clock import to_text
from handlers.helping.matching import hint_cache, ranking
from handlers.helping.review import review_queue
from handlers.helping.vocabulary import TALK
from handlers.settings import HandlerSettings, OfferRules
from tests.support.helping_people import volunteer_row

pytestmark = pytest.mark.sqlite_only

START = datetime(2026, 11, 25, 10, 1, tzinfo=UTC)
SETTINGS = HandlerSettings(
    require_verified_volunteers=False,
    offer_rules=OfferRules(offers_per_day=2, offers_per_week=4, language_reserve=1),
    certificate_required_for=frozenset({"childcare"}),
)
KINDS = ("shopping", "tech", "childcare", TALK, "company")
DISTRICTS = ("Hörde", "Eving")
LANGUAGES = ("de", "ar", "tr")
# Offers and answers this long before the page's clock: inside and at the edges of the day,
# the week and the fortnight the caps and estimates count.
AGES = (1, 23.9, 30, 24 * 6.99, 24 * 8, 24 * 13.99)


def _listed(rng: random.Random, choices: tuple[str, ...], n: int) -> str:
    return ";" + ";".join(rng.sample(choices, n)) + ";"


async def _city(db: Database, rng: random.Random) -> tuple[list[int], list[int], list[int]]:
    """25 volunteers, a request of each kind in each district (the queue) and six others
    (to be offered and taken): their ids."""
    volunteers = []
    for n in range(25):
        volunteer = await volunteer_row(
            db,
            f"v{n}",
            _listed(rng, KINDS, 2),
            _listed(rng, DISTRICTS, 1),
            _listed(rng, LANGUAGES, 2),
            shown_as=f"V{n}",
            talk_shift=";wd-am;" if rng.random() < 0.5 else "",
        )
        volunteers.append(volunteer)
    requester = (await db.users.seen("memory", "resi", "resi", "Resi")).id
    queue = [
        (
            await db.requests.create(
                requester,
                requester,
                description="Bitte",
                category=kind,
                stadtbezirk=district,
                languages=(rng.choice(LANGUAGES),),
            )
        ).id
        for kind in KINDS
        for district in DISTRICTS
    ]
    others = [
        (await db.requests.create(requester, requester, description="Alt", category="tech")).id
        for _ in range(6)
    ]
    return volunteers, queue, others


# A write of the bot's process: SQL and its parameters from (rng, volunteer, request, when).
WRITES = (
    lambda rng, v, r, at: (
        "INSERT INTO request_notifications (request_id, volunteer_id, outbox_id, offered_at,"
        " wave) VALUES (?, ?, 1, ?, 1)",
        (r, v, at),
    ),
    lambda rng, v, r, at: (
        "UPDATE request_notifications SET accepted_at = ? WHERE volunteer_id = ?",
        (at, v),
    ),
    lambda rng, v, r, at: (
        "UPDATE request_notifications SET handed_back = 1 WHERE volunteer_id = ?",
        (v,),
    ),
    lambda rng, v, r, at: ("DELETE FROM request_notifications WHERE volunteer_id = ?", (v,)),
    lambda rng, v, r, at: ("UPDATE volunteers SET paused = 1 - paused WHERE user_id = ?", (v,)),
    lambda rng, v, r, at: (
        "UPDATE volunteers SET categories = ?, stadtbezirke = ?, languages = ? WHERE user_id = ?",
        (_listed(rng, KINDS, 2), _listed(rng, DISTRICTS, 1), _listed(rng, LANGUAGES, 1), v),
    ),
    lambda rng, v, r, at: (
        "UPDATE volunteers SET quiet_start = ?, quiet_end = ?, max_open = ? WHERE user_id = ?",
        (rng.choice((0, 9, 22)), rng.choice((0, 8, 13)), rng.choice((0, 1, 2)), v),
    ),
    lambda rng, v, r, at: (
        "UPDATE volunteers SET certificate_seen_on = '2026-01-01', certificate_expires_on = ?"
        " WHERE user_id = ?",
        (rng.choice(("2026-11-25", "2026-11-26", "2027-01-01")), v),
    ),
    lambda rng, v, r, at: (
        "UPDATE help_requests SET state = ?, volunteer_id = ? WHERE id = ?",
        (rng.choice(("matched", "done")), v, r),
    ),
    lambda rng, v, r, at: (
        "UPDATE users SET chat_id = CASE chat_id WHEN '' THEN 'x' ELSE '' END,"
        " banned_at = CASE WHEN ? THEN NULL ELSE 'x' END WHERE id = ?",
        (rng.random() < 0.7, v),
    ),
    lambda rng, v, r, at: ("DELETE FROM volunteers WHERE user_id = ?", (v,)),
    lambda rng, v, r, at: (
        "INSERT INTO volunteers (user_id, categories, stadtbezirke, languages, quiet_start,"
        " quiet_end, max_open, paused, created_at, talk_shift) VALUES (?, ';talk;childcare;',"
        " ';Hörde;', ';de;ar;', 0, 0, 2, 0, '2026-01-01T00:00:00Z', ';wd-am;wd-pm;')",
        (v,),
    ),
)


@pytest.mark.parametrize("seed", range(3))
async def test_kept_hints_are_a_fresh_search_after_random_writes(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch, seed: int
):
    rng = random.Random(seed)
    volunteers, queue, others = await _city(db, rng)
    mended = 0
    mend = hint_cache._mend

    async def counted(*args):  # type: ignore[no-untyped-def]
        nonlocal mended
        mended += 1
        await mend(*args)

    monkeypatch.setattr(hint_cache, "_mend", counted)
    now = START
    other = sqlite3.connect(database_url, isolation_level=None)
    try:
        for step in range(60):
            at = to_text(now - timedelta(hours=rng.choice(AGES)))
            write = rng.choice(WRITES)
            sql, params = write(rng, rng.choice(volunteers), rng.choice(others), at)
            # An offer made twice, a volunteer registered twice: nothing written.
            with contextlib.suppress(sqlite3.IntegrityError):
                other.execute(sql, params)
            now += timedelta(minutes=rng.choice((0, 0, 1, 7, 15, 60)))
            page = [await db.requests.get(n) for n in rng.sample(queue, 4)]
            searches = [review_queue._search(SETTINGS, r, now) for r in page if r]
            kept = await hint_cache.found(db, SETTINGS, searches, now)
            fresh = await ranking.candidates_of_page(db, SETTINGS, searches, now)
            assert kept == [hint_cache._counted(each, now) for each in fresh], (step, sql)
    finally:
        other.close()
    # Kept and mended, not only searched afresh each time.
    assert mended >= 10
