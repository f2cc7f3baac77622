"""ranking.candidates_of_page, the review queue's batch search (issue 83): a page's searches
read who offers each kind and the tables of offers and answers once for the page, and each
search's candidates - who, in which order, with which estimate - are the ones
ranking.candidates finds for it alone, also where the tables tell the volunteers apart
(offers today and this week, help given lately, answers, a hand-back)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.clock import to_text
from db.requests import HelpRequest
from handlers.helping.matching import ranking
from handlers.settings import HandlerSettings, OfferRules
from tests.support.helping_people import volunteer_row

pytestmark = pytest.mark.both_backends

# name: (kinds, districts, languages)
VOLUNTEERS = {
    "ada": (";shopping;tech;", ";Hörde;", ";de;"),
    "ben": (";shopping;", ";Hörde;Eving;", ";de;ar;"),
    "cem": (";shopping;tech;", ";Hörde;", ";de;tr;"),
    "dora": (";tech;", ";Eving;", ";de;"),
    "emil": (";shopping;tech;", ";Eving;", ";de;ar;"),
    "fee": (";shopping;", ";Hörde;", ";de;"),
}
# (kind, district, languages, requester): "fee" asks for help herself.
REQUESTS = [
    ("shopping", "Hörde", ("de",), "r0"),
    ("shopping", "Eving", ("ar",), "r1"),
    ("tech", "Hörde", ("de",), "r2"),
    ("shopping", "Hörde", ("de",), "fee"),
    ("tech", "Eving", ("de",), "r4"),
    ("tech", "Mengede", ("de",), "r5"),
]


async def _people(db: Database) -> dict[str, int]:
    return {name: await volunteer_row(db, name, *row) for name, row in VOLUNTEERS.items()}


async def _requests(db: Database, ids: dict[str, int]) -> list[HelpRequest]:
    made = []
    for n, (kind, district, languages, requester) in enumerate(REQUESTS):
        if requester not in ids:
            ids[requester] = (await db.users.seen("memory", requester, requester, "Resi")).id
        made.append(
            await db.requests.create(
                ids[requester],
                ids[requester],
                description=f"Bitte {n}",
                category=kind,
                stadtbezirk=district,
                languages=languages,
            )
        )
    return made


async def _history(db: Database, ids: dict[str, int], now: datetime) -> None:
    """Offers and answers that set the volunteers apart: ada had her three offers today
    (no room left), ben two this week and took one five days ago, cem was offered long ago
    and said yes, emil handed request r1 back."""
    olds = [
        (await db.requests.create(ids["r0"], ids["r0"], description=f"Alt {n}", category="tech")).id
        for n in range(6)
    ]
    for request_id in olds[:3]:
        await db.volunteers.record_offer(
            request_id, ids["ada"], 1, to_text(now - timedelta(hours=2))
        )
    for request_id in olds[3:5]:
        await db.volunteers.record_offer(
            request_id, ids["ben"], 1, to_text(now - timedelta(days=5))
        )
    await db.volunteers.mark_accepted(olds[3], ids["ben"], to_text(now - timedelta(days=5)))
    await db.volunteers.record_offer(olds[5], ids["cem"], 1, to_text(now - timedelta(days=60)))
    await db.volunteers.mark_accepted(olds[5], ids["cem"], to_text(now - timedelta(days=60)))


async def test_a_page_of_searches_reads_its_tables_once_and_finds_what_each_finds_alone(
    db: Database, monkeypatch: pytest.MonkeyPatch
):
    ids = await _people(db)
    requests = await _requests(db, ids)
    now = datetime.now(UTC)
    await _history(db, ids, now)
    await db.volunteers.record_offer(requests[1].id, ids["emil"], 1, to_text(now))
    await db.execute(
        "UPDATE request_notifications SET handed_back = 1"
        " WHERE request_id = ? AND volunteer_id = ?",
        (requests[1].id, ids["emil"]),
    )
    settings = HandlerSettings(
        require_verified_volunteers=False, offer_rules=OfferRules(offers_per_day=3)
    )
    searches = [
        ranking.Search(request, ranking.LOCAL, evening=n % 2 == 1)
        for n, request in enumerate(requests)
    ]
    alone = [
        await ranking.candidates(db, settings, s.request, now, s.reach, set(), evening=s.evening)
        for s in searches
    ]

    reads: Counter[str] = Counter()
    reading = ("candidates", "candidates_by_kind", "asked_since", "helped_since", "answers")
    for name in (*reading, "city_answers", "handed_back", "handed_back_of"):
        original = getattr(db.volunteers, name)

        def counted(*args, _name=name, _original=original, **kwargs):  # type: ignore[no-untyped-def]
            reads[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(db.volunteers, name, counted)
    page = await ranking.candidates_of_page(db, settings, searches, now)

    assert page == alone
    # Once for the page: who offers its kinds, who handed each back, the offers of a day
    # and of a week, help given, answers.
    assert reads == Counter(
        candidates_by_kind=1,
        handed_back_of=1,
        asked_since=2,
        helped_since=1,
        answers=1,
        city_answers=1,
    )
    names = {user_id: name for name, user_id in ids.items()}
    found = [sorted(names[c.volunteer.user_id] for c in each) for each in page]
    # ada has no room left today; fee is not offered her own request, emil not the one he
    # handed back; nobody helps in Mengede.
    assert found[0] == ["ben", "cem", "fee"]
    assert found[1] == ["ben"]
    assert found[3] == ["ben", "cem"]
    assert found[5] == []
    # The tables tell them apart: cem (said yes) above fee (never asked) above ben (asked
    # twice this week, helped lately).
    assert [names[c.volunteer.user_id] for c in page[0]] == ["cem", "fee", "ben"]
