"""The review queue's hints for a page (handlers/helping/review_queue.py ``hints``): who
offers the page's kinds of help is read once for the page, not once a card - with 10,000
volunteers that read, a card at a time, made the desk's queue take 2.6 s - and each card's
hint is the one it gets alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from db import Database
from handlers.helping import review_queue
from handlers.settings import HandlerSettings
from locales import Translator

pytestmark = pytest.mark.both_backends


async def _volunteer(db: Database, name: str, kinds: str, district: str) -> None:
    user = await db.users.seen("memory", name, name, name)
    await db.execute(
        "INSERT INTO volunteers (user_id, categories, stadtbezirke, languages, quiet_start,"
        " quiet_end, max_open, paused, created_at) VALUES (?, ?, ?, ';de;', 0, 0, 2, 0, ?)",
        (user.id, kinds, district, "2026-01-01T00:00:00Z"),
    )


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
    page = await review_queue.hints(db, settings, t, requests, now)
    # Two kinds on the page: one read of who offers them, whatever the number of cards.
    assert reads == [["shopping", "tech"]]
    assert page == alone
    assert [someone for someone, _ in page] == [True, True, True, True, False, True]
