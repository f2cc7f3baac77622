"""What the review queue keeps of its hints and mends after a write (handlers/helping/
hint_cache.py): after each kind of write by another process (the bot's, beside the web's) -
an offer, a decline, an answer, a request handed back, a volunteer's kinds, area, languages,
pause or ban, requests taken up to their maximum, a volunteer's note of when they are free -
the kept hints are those of a fresh search
(``ranking.candidates_of_page``), mended, not searched again: only the volunteers a write was
about are read again. An erasure drops everything at once; more writes than the database
notes (migration 0050 keeps the newest 1000) have everything read again.

SQLite only: PostgreSQL keeps nothing (tests/handlers/helping/test_queue_hints.py)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.clock import to_text
from db.requests import HelpRequest
from handlers import build_router
from handlers.context import Backstage
from handlers.helping.matching import hint_cache, ranking
from handlers.helping.review import review_queue
from handlers.privacy import erase
from handlers.settings import HandlerSettings, OfferRules
from tests.support.helping_people import volunteer_row

pytestmark = pytest.mark.sqlite_only

NOW = datetime(2026, 11, 25, 10, 5, tzinfo=UTC)
SETTINGS = HandlerSettings(
    require_verified_volunteers=False, offer_rules=OfferRules(offers_per_day=1)
)
# name: kinds, districts, languages.
VOLUNTEERS = {
    "anna": (";shopping;", ";Hörde;", ";de;"),
    "bert": (";shopping;tech;", ";Hörde;", ";de;ar;"),
    "carl": (";shopping;", ";Hörde;", ";de;"),
    "dora": (";shopping;", ";Hörde;", ";de;"),
    "emil": (";shopping;", ";Hörde;", ";de;"),
    "fred": (";tech;", ";Hörde;", ";de;"),
    "gina": (";shopping;", ";Hörde;Eving;", ";de;"),
    "hugo": (";shopping;", ";Eving;", ";de;"),
    "ines": (";shopping;", ";Hörde;", ";de;"),
    "jana": (";shopping;", ";Hörde;", ";de;"),
}


async def _city(db: Database) -> tuple[dict[str, int], list[HelpRequest], int]:
    """The volunteers by name, the page's requests (shopping in Hörde and in Eving, tech in
    Hörde for a requester who speaks Arabic only) and a request off the page."""
    ids = {name: await volunteer_row(db, name, *row) for name, row in VOLUNTEERS.items()}
    requester = await db.users.seen("memory", "resi", "resi", "Resi")
    page = [
        await db.requests.create(
            requester.id,
            requester.id,
            description="Bitte",
            category=kind,
            stadtbezirk=district,
            languages=languages,
        )
        for kind, district, languages in (
            ("shopping", "Hörde", ("de",)),
            ("tech", "Hörde", ("ar",)),
            ("shopping", "Eving", ("de",)),
        )
    ]
    other = await db.requests.create(
        requester.id, requester.id, description="Alt", category="household"
    )
    return ids, page, other.id


def _by_another_process(database_url: str, sql: str, *params: object) -> None:
    conn = sqlite3.connect(database_url, isolation_level=None)
    try:
        assert conn.execute(sql, params).rowcount >= 1, sql
    finally:
        conn.close()


async def test_kept_hints_are_mended_into_a_fresh_search_after_each_kind_of_write(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
):
    ids, page, other = await _city(db)
    searches = [review_queue._search(SETTINGS, request, NOW) for request in page]
    # Who is read again (None: everyone) by each read of who offers a kind.
    reads: list[frozenset[int] | None] = []
    by_kind = db.volunteers.candidates_by_kind

    async def read(categories, require_verified, among=None):  # type: ignore[no-untyped-def]
        reads.append(None if among is None else frozenset(among))
        return await by_kind(categories, require_verified, among)

    monkeypatch.setattr(db.volunteers, "candidates_by_kind", read)

    async def kept_is_fresh() -> list[tuple[int, bool]]:
        kept = await hint_cache.found(db, SETTINGS, searches, NOW)
        read_for_kept = list(reads)  # not the fresh search's reads
        fresh = await ranking.candidates_of_page(db, SETTINGS, searches, NOW)
        reads[:] = read_for_kept
        assert kept == [hint_cache._counted(each, NOW) for each in fresh]
        return [(each.count, each.shares_language) for each in kept]

    assert await kept_is_fresh() == [(8, True), (2, True), (2, True)]
    index = hint_cache._KEPT[db]
    offered = to_text(NOW - timedelta(hours=1))
    # Each write, the volunteers it is about, and the hints after it.
    writes: list[tuple[str, tuple[object, ...], set[str], list[tuple[int, bool]]]] = [
        (  # an offer: anna had her one offer of the day
            "INSERT INTO request_notifications (request_id, volunteer_id, outbox_id,"
            " offered_at, wave) VALUES (?, ?, 1, ?, 1)",
            (other, ids["anna"], offered),
            {"anna"},
            [(7, True), (2, True), (2, True)],
        ),
        (  # her answer: the city's rate moves, every search is ranked again
            "UPDATE request_notifications SET accepted_at = ? WHERE volunteer_id = ?",
            (offered, ids["anna"]),
            {"anna"},
            [(7, True), (2, True), (2, True)],
        ),
        (  # a request handed back by carl, long ago: not asked about it again
            "INSERT INTO request_notifications (request_id, volunteer_id, outbox_id,"
            " offered_at, wave, handed_back) VALUES (?, ?, 2, ?, 1, 1)",
            (page[0].id, ids["carl"], to_text(NOW - timedelta(days=9))),
            {"carl"},
            [(6, True), (2, True), (2, True)],
        ),
        (
            "UPDATE volunteers SET categories = ';tech;' WHERE user_id = ?",
            (ids["dora"],),
            {"dora"},
            [(5, True), (3, True), (2, True)],
        ),
        (
            "UPDATE volunteers SET stadtbezirke = ';Eving;' WHERE user_id = ?",
            (ids["emil"],),
            {"emil"},
            [(4, True), (3, True), (3, True)],
        ),
        (  # fred speaks Arabic now: the tech request's requester shares a language with him
            "UPDATE volunteers SET languages = ';de;ar;' WHERE user_id = ?",
            (ids["fred"],),
            {"fred"},
            [(4, True), (3, True), (3, True)],
        ),
        (
            "UPDATE volunteers SET paused = 1 WHERE user_id = ?",
            (ids["gina"],),
            {"gina"},
            [(3, True), (3, True), (2, True)],
        ),
        (
            "UPDATE users SET banned_at = ? WHERE id = ?",
            (offered, ids["hugo"]),
            {"hugo"},
            [(3, True), (3, True), (1, True)],
        ),
        (  # ines takes two requests: her maximum
            "UPDATE help_requests SET state = 'matched', volunteer_id = ? WHERE id IN (?, ?)",
            (ids["ines"], other, page[2].id),
            {"ines"},
            [(2, True), (3, True), (1, True)],
        ),
    ]
    for sql, params, about, after in writes:
        reads.clear()
        _by_another_process(database_url, sql, *params)
        assert await kept_is_fresh() == after, sql
        # Mended, not searched again: only the volunteers the write was about were read.
        assert hint_cache._KEPT[db] is index, sql
        assert reads == [frozenset(ids[name] for name in about)], sql

    # A decline is not read: nothing is read again.
    reads.clear()
    _by_another_process(
        database_url,
        "UPDATE request_notifications SET declined = 1, declined_at = ? WHERE volunteer_id = ?",
        offered,
        ids["anna"],
    )
    assert await kept_is_fresh() == after
    assert reads == []

    # Nor a volunteer's columns the rules do not use, or a profile saved unchanged
    # (migration 0052): the database counts and notes none of it, nothing is read again.
    version, (mark, _) = await db.matching_version(), await db.matching_touched(None)
    for sql, params in (
        (
            "UPDATE volunteers SET availability = 'abends', verified_by = ?, created_at = ?"
            " WHERE user_id = ?",
            (ids["bert"], offered, ids["anna"]),
        ),
        ("UPDATE volunteers SET languages = languages WHERE user_id = ?", (ids["bert"],)),
    ):
        _by_another_process(database_url, sql, *params)
        assert await kept_is_fresh() == after, sql
        assert reads == [], sql
    assert await db.matching_version() == version
    assert await db.matching_touched(None) == (mark, None)

    # An erasure in another process deletes the notes naming the person: the next load
    # reads everything again.
    other_db = await Database.open(database_url)
    try:
        carl = await other_db.users.get(ids["carl"])
        assert carl is not None
        await erase(Backstage(other_db, SETTINGS), build_router(), carl, "deleted")
    finally:
        await other_db.close()
    assert hint_cache._KEPT[db] is index
    reads.clear()
    assert await kept_is_fresh() == [(2, True), (3, True), (1, True)]
    assert reads == [None]

    # An erasure here drops all that is kept at once; the next load reads everything again.
    person = await db.users.get(ids["jana"])
    assert person is not None
    await erase(Backstage(db, SETTINGS), build_router(), person, "deleted")
    assert db not in hint_cache._KEPT
    # Nor does the database keep a note naming her (db/personal_data.py).
    noted = await db.fetch_one(
        "SELECT COUNT(*) FROM matching_touched WHERE volunteer_id = ?", (ids["jana"],)
    )
    assert noted is not None and noted[0] == 0
    reads.clear()
    assert await kept_is_fresh() == [(1, True), (3, True), (1, True)]
    assert reads == [None]


async def test_more_writes_than_the_database_notes_have_everything_read_again(
    db: Database, database_url: str
):
    ids, page, _other = await _city(db)
    searches = [review_queue._search(SETTINGS, request, NOW) for request in page]
    await hint_cache.found(db, SETTINGS, searches, NOW)
    index = hint_cache._KEPT[db]
    conn = sqlite3.connect(database_url, isolation_level=None)
    try:
        conn.execute("UPDATE volunteers SET paused = 1 WHERE user_id = ?", (ids["anna"],))
        # More writes than noted, none of them about anna.
        for n in range(1000):
            conn.execute(
                "UPDATE volunteers SET max_open = ? WHERE user_id = ?", (3 + n % 2, ids["bert"])
            )
        assert conn.execute("SELECT COUNT(*) FROM matching_touched").fetchone()[0] == 1000
    finally:
        conn.close()
    kept = await hint_cache.found(db, SETTINGS, searches, NOW)
    assert hint_cache._KEPT[db] is not index
    fresh = await ranking.candidates_of_page(db, SETTINGS, searches, NOW)
    assert kept == [hint_cache._counted(each, NOW) for each in fresh]
    assert kept[0].count == 7


async def test_what_is_kept_is_dropped_when_it_ends(db: Database, monkeypatch: pytest.MonkeyPatch):
    """Kept until the next quarter hour at most (the rules read the clock by the hour): then
    dropped even if no page is loaded, so that no volunteer's profile stays in memory."""
    _ids, page, _other = await _city(db)
    searches = [review_queue._search(SETTINGS, request, NOW) for request in page]
    loop = asyncio.get_running_loop()
    call_later = loop.call_later
    timers: list[tuple[float, Callable[[], None]]] = []

    def later(delay, callback, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "_expire" in callback.__qualname__:
            timers.append((delay, callback))
        return call_later(delay, callback, *args, **kwargs)

    monkeypatch.setattr(loop, "call_later", later)
    await hint_cache.found(db, SETTINGS, searches, NOW)
    await hint_cache.found(db, SETTINGS, searches, NOW)
    # 10:05, no offer counted: the next quarter hour, once for what is kept.
    assert [delay for delay, _ in timers] == [600.0]
    assert db in hint_cache._KEPT
    timers[0][1]()
    assert db not in hint_cache._KEPT
