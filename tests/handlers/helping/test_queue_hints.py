"""The review queue's hints for a page (handlers/helping/review/review_queue.py ``hints``): who
offers the page's kinds of help is read once for the page, not once a card - with 10,000
volunteers that read, a card at a time, made the desk's queue take 2.6 s - and each card's
hint is the one it gets alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.clock import to_text
from db.requests import HelpRequest
from db.users import User
from handlers import build_router
from handlers.context import Backstage
from handlers.helping.matching import hint_cache, ranking
from handlers.helping.review import review_queue
from handlers.privacy import erase
from handlers.settings import HandlerSettings, OfferRules
from locales import Translator
from tests.support.counted_searches import counted_searches
from tests.support.helping_people import volunteer_row

pytestmark = pytest.mark.both_backends


async def _volunteer(db: Database, name: str, kinds: str, district: str) -> None:
    await volunteer_row(db, name, kinds, district, ";de;")


async def _shopping_in_hoerde(db: Database) -> tuple[User, HelpRequest]:
    """Resi, and her request of help with shopping in Hörde."""
    requester = await db.users.seen("memory", "resi", "resi", "Resi")
    request = await db.requests.create(
        requester.id,
        requester.id,
        description="Bitte",
        category="shopping",
        stadtbezirk="Hörde",
        languages=("de",),
    )
    return requester, request


async def test_a_page_of_hints_reads_each_kind_once_and_says_what_each_card_alone_says(
    db: Database, monkeypatch: pytest.MonkeyPatch
):
    for n in range(6):
        await _volunteer(db, f"v{n}", ";shopping;tech;", ";Hörde;" if n % 2 else ";Eving;")
    requests = []
    for n, (kind, district) in enumerate(
        [
            ("shopping", "Hörde"),
            ("shopping", "Eving"),
            ("tech", "Hörde"),
            ("shopping", "Hörde"),
            ("tech", "Mengede"),
            ("shopping", "Eving"),
        ]
    ):
        requester = await db.users.seen("memory", f"r{n}", f"r{n}", "Resi")
        requests.append(
            await db.requests.create(
                requester.id,
                requester.id,
                description=f"Bitte {n}",
                category=kind,
                stadtbezirk=district,
                languages=("de",),
            )
        )
    settings = HandlerSettings(require_verified_volunteers=False)
    t = Translator("en")
    now = datetime.now(UTC)
    # Each card alone: a page of one (each search's own equals ranking.candidates alone,
    # tests/handlers/helping/test_candidates_of_page.py).
    alone = [(await review_queue.hints(db, settings, t, [r], now))[0] for r in requests]

    reads: list[list[str]] = []
    by_kind = db.volunteers.candidates_by_kind

    async def counted(categories, *args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(sorted(categories))
        return await by_kind(categories, *args, **kwargs)

    async def one_kind(*args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(["one kind"])
        return []

    monkeypatch.setattr(db.volunteers, "candidates_by_kind", counted)
    monkeypatch.setattr(db.volunteers, "candidates", one_kind)
    # Nothing kept of the cards alone (SQLite keeps each search): the page reads afresh.
    hint_cache._KEPT.pop(db, None)
    page = await review_queue.hints(db, settings, t, requests, now)
    # Two kinds on the page: one read of who offers them, whatever the number of cards.
    assert reads == [["shopping", "tech"]]
    assert page == alone
    assert [someone for someone, _ in page] == [True, True, True, True, False, True]


async def test_a_kept_page_of_hints_follows_every_write_and_the_clock(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
):
    """The hints kept between page loads (handlers/helping/matching/hint_cache.py) are the ones
    a fresh search finds: after a volunteer registers, after one is paused by another process (the
    bot's, beside the web's), after one is erased, and after an offer that capped one
    leaves its day - with nothing written then, only the clock moved on."""
    # A moment in the daytime, away from a quarter hour: only the offer's window moves.
    now = datetime(2026, 11, 25, 10, 5, tzinfo=UTC)
    for n in range(2):
        await _volunteer(db, f"v{n}", ";shopping;", ";Hörde;")
    requester, request = await _shopping_in_hoerde(db)
    settings = HandlerSettings(
        require_verified_volunteers=False, offer_rules=OfferRules(offers_per_day=1)
    )
    t = Translator("en")

    async def hint(moment: datetime = now) -> tuple[bool, str]:
        someone, text = (await review_queue.hints(db, settings, t, [request], moment))[0]
        return someone, str(text)

    async def fresh(moment: datetime = now) -> tuple[bool, str]:
        """The hint a search of its own gives (no kept page)."""
        hint_cache._KEPT.pop(db, None)
        return await hint(moment)

    async def searched(moment: datetime = now) -> int:
        """How many a search of its own finds."""
        search = review_queue._search(settings, request, moment)
        return len(await ranking.candidates(db, settings, request, moment, search.reach, set()))

    async def kept_is_fresh(count: int, moment: datetime = now) -> None:
        kept = await hint(moment)
        assert await searched(moment) == count
        assert kept == await fresh(moment)
        assert kept[0] is (count > 0)

    await kept_is_fresh(2)
    first = await hint()
    reads: list[str] = []
    by_kind = db.volunteers.candidates_by_kind

    async def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append("read")
        return await by_kind(*args, **kwargs)

    monkeypatch.setattr(db.volunteers, "candidates_by_kind", counted)
    assert await hint() == first
    # Nothing changed: SQLite keeps the page (PostgreSQL searches again).
    assert reads == ([] if db.dialect == "sqlite" else ["read"])

    await _volunteer(db, "v2", ";shopping;", ";Hörde;")
    await kept_is_fresh(3)

    ids = [(await db.users.find("memory", f"v{n}")).id for n in range(3)]
    other = await Database.open(database_url)  # another process's connection
    try:
        await other.volunteers.set_paused(ids[0], True)
    finally:
        await other.close()
    await kept_is_fresh(2)

    person = await db.users.get(ids[1])
    assert person is not None
    await erase(Backstage(db, settings), build_router(), person, "deleted")
    # Dropped at once, not at the next load: nothing of an erased person stays in memory.
    assert db not in hint_cache._KEPT
    await kept_is_fresh(1)

    # The last one had their one offer of the day 23 h 59 min ago: capped now, free two
    # minutes later - and nothing is written in between.
    old = await db.requests.create(requester.id, requester.id, description="Alt", category="tech")
    await db.volunteers.record_offer(
        old.id, ids[2], 1, to_text(now - timedelta(hours=23, minutes=59))
    )
    await kept_is_fresh(0)
    await kept_is_fresh(1, now + timedelta(minutes=2))


async def test_a_kept_page_is_kept_through_other_writes_and_searched_after_each_it_reads(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
):
    """Writes by another process (the bot's, beside the web's) that the hints do not read - a
    person seen, an outbox message, another request's text, a declined offer - keep the page
    (db/matching_changes.py): it is not searched again. Each kind of write they read - a
    volunteer banned (users), requests taken (help_requests), an offer (request_notifications),
    a volunteer's kinds of help (volunteers) - makes the next load search again."""
    now = datetime(2026, 11, 25, 10, 5, tzinfo=UTC)
    for n in range(3):
        await _volunteer(db, f"v{n}", ";shopping;", ";Hörde;")
    ids = [(await db.users.find("memory", f"v{n}")).id for n in range(3)]
    requester, request = await _shopping_in_hoerde(db)
    others = [
        await db.requests.create(requester.id, requester.id, description="Alt", category="tech")
        for _ in range(3)
    ]
    settings = HandlerSettings(
        require_verified_volunteers=False, offer_rules=OfferRules(offers_per_day=1)
    )
    t = Translator("en")
    searches = counted_searches(monkeypatch)

    async def hint() -> tuple[bool, str]:
        someone, text = (await review_queue.hints(db, settings, t, [request], now))[0]
        return someone, str(text)

    async def kept_is_fresh(count: int) -> None:
        """The page's hint is the one a search of its own finds, after a search."""
        before = len(searches)
        kept = await hint()
        assert len(searches) == before + 1, "worked out again"
        search = review_queue._search(settings, request, now)
        assert len(await ranking.candidates(db, settings, request, now, search.reach, set())) == (
            count
        )
        hint_cache._KEPT.pop(db, None)
        assert kept == await hint()
        assert kept[0] is (count > 0)

    async def by_another_process(sql: str, *params: object) -> None:
        other = await Database.open(database_url)
        try:
            await other.execute(sql, params)
        finally:
            await other.close()

    await kept_is_fresh(3)
    first = await hint()
    other = await Database.open(database_url)
    try:
        await other.users.seen("memory", "resi", "resi", "Resi")
        await other.users.seen("memory", "v0", "v0", "V0")
    finally:
        await other.close()
    await by_another_process(
        "INSERT INTO outbox (platform, chat_id, payload, created_at, next_attempt_at)"
        " VALUES ('memory', 'resi', '{}', ?, ?)",
        to_text(now),
        to_text(now),
    )
    await by_another_process(
        "UPDATE help_requests SET description = 'Anders' WHERE id = ?", others[0].id
    )
    searched = len(searches)
    assert await hint() == first
    # SQLite keeps the page through them all (PostgreSQL searches every page).
    assert len(searches) == searched + (0 if db.dialect == "sqlite" else 1)

    now_text = to_text(now)
    await by_another_process("UPDATE users SET banned_at = ? WHERE id = ?", now_text, ids[0])
    await kept_is_fresh(2)
    for taken in others[:2]:
        await by_another_process(
            "UPDATE help_requests SET state = 'matched', volunteer_id = ? WHERE id = ?",
            ids[1],
            taken.id,
        )
    await kept_is_fresh(1)  # v1 holds their max_open of two
    await by_another_process(
        "INSERT INTO request_notifications (request_id, volunteer_id, outbox_id, offered_at)"
        " VALUES (?, ?, 1, ?)",
        others[2].id,
        ids[2],
        to_text(now - timedelta(hours=1)),
    )
    await kept_is_fresh(0)  # v2 had their one offer of the day
    # A declined offer is not read: kept.
    searched = len(searches)
    await by_another_process(
        "UPDATE request_notifications SET declined = 1, declined_at = ? WHERE request_id = ?",
        now_text,
        others[2].id,
    )
    await hint()
    assert len(searches) == searched + (0 if db.dialect == "sqlite" else 1)
    await by_another_process("UPDATE users SET banned_at = NULL WHERE id = ?", ids[0])
    await kept_is_fresh(1)
    await by_another_process(
        "UPDATE volunteers SET categories = ';tech;' WHERE user_id = ?", ids[0]
    )
    await kept_is_fresh(0)


async def test_a_page_searched_while_its_requester_is_erased_is_not_kept(
    db: Database, monkeypatch: pytest.MonkeyPatch
):
    """An erasure while a page is being searched (the search takes a few hundred ms on a
    big city): the page holds the erased requester's request, and its search ends after the
    erasure dropped the kept pages - it is not kept either."""
    now = datetime(2026, 11, 25, 10, 5, tzinfo=UTC)
    await _volunteer(db, "v0", ";shopping;", ";Hörde;")
    requester, request = await _shopping_in_hoerde(db)
    settings = HandlerSettings(require_verified_volunteers=False)
    search_page, reach = ranking.candidates_of_page, ranking.reach

    async def erased_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = await search_page(*args, **kwargs)
        await erase(Backstage(db, settings), build_router(), requester, "deleted")
        return found

    async def reached_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = await reach(*args, **kwargs)
        await erase(Backstage(db, settings), build_router(), requester, "deleted")
        return found

    # PostgreSQL searches the page, SQLite works out the new search's reach.
    monkeypatch.setattr(ranking, "candidates_of_page", erased_meanwhile)
    monkeypatch.setattr(ranking, "reach", reached_meanwhile)
    await review_queue.hints(db, settings, Translator("en"), [request], now)
    assert not _kept(db, request.id)


def _kept(db: Database, request_id: int) -> bool:
    """Whether anything of a search for the request is kept."""
    index = hint_cache._KEPT.get(db)
    return index is not None and any(
        hint.search.request.id == request_id for hint in index.hints.values()
    )


async def test_a_page_read_before_its_requester_was_erased_is_not_kept(db: Database):
    """The desk reads a page's requests, then its other parts, then its hints: an erasure
    in between (its drop already done when the hints are searched) keeps nothing either."""
    now = datetime(2026, 11, 25, 10, 5, tzinfo=UTC)
    await _volunteer(db, "v0", ";shopping;", ";Hörde;")
    requester, request = await _shopping_in_hoerde(db)
    settings = HandlerSettings(require_verified_volunteers=False)
    read_at = hint_cache.erasures(db)
    await erase(Backstage(db, settings), build_router(), requester, "deleted")
    await review_queue.hints(db, settings, Translator("en"), [request], now, read_at)
    assert not _kept(db, request.id)


async def test_the_kept_searches_of_a_database_stay_within_their_bound(db: Database):
    """Searches are keyed by what a coordinator asks for (the page's requests): more
    different ones than ``KEPT`` keep the newest ``KEPT``, each the search it was for."""
    if await db.matching_version() is None:
        pytest.skip("PostgreSQL keeps nothing")
    now = datetime(2026, 11, 25, 10, 5, tzinfo=UTC)
    await _volunteer(db, "v0", ";shopping;", ";Hörde;")
    requester, _request = await _shopping_in_hoerde(db)
    settings = HandlerSettings(require_verified_volunteers=False)
    pages = [
        [
            await db.requests.create(
                requester.id, requester.id, description=f"Bitte {n}", category="shopping"
            )
        ]
        for n in range(hint_cache.KEPT + 3)
    ]
    for page in pages:
        await review_queue.hints(db, settings, Translator("en"), page, now)
    kept = hint_cache._KEPT[db].hints
    assert len(kept) == hint_cache.KEPT
    newest = [review_queue._search(settings, page[0], now) for page in pages]
    assert [hint.search for hint in kept.values()] == newest[-hint_cache.KEPT :]


async def test_the_kept_searches_hold_at_most_their_bound_of_volunteers_in_reach(
    db: Database, monkeypatch: pytest.MonkeyPatch
):
    """Where many volunteers reach every request, ``KEPT`` searches could hold millions of
    (search, volunteer) pairs: at most ``KEPT_PAIRS`` are kept, the newest searches."""
    if await db.matching_version() is None:
        pytest.skip("PostgreSQL keeps nothing")
    monkeypatch.setattr(hint_cache, "KEPT_PAIRS", 7)
    now = datetime(2026, 11, 25, 10, 5, tzinfo=UTC)
    for n in range(3):
        await _volunteer(db, f"v{n}", ";shopping;", ";Hörde;")
    requester, _request = await _shopping_in_hoerde(db)
    settings = HandlerSettings(require_verified_volunteers=False)
    pages = [
        [
            await db.requests.create(
                requester.id,
                requester.id,
                description=f"Bitte {n}",
                category="shopping",
                stadtbezirk="Hörde",
                languages=("de",),
            )
        ]
        for n in range(5)
    ]
    for page in pages:
        await review_queue.hints(db, settings, Translator("en"), page, now)
    kept = hint_cache._KEPT[db].hints
    # Three volunteers reach each search: two searches (6 pairs) fit in 7, the newest two.
    assert [len(hint.reach or ()) for hint in kept.values()] == [3, 3]
    newest = [review_queue._search(settings, page[0], now) for page in pages]
    assert [hint.search for hint in kept.values()] == newest[-2:]
