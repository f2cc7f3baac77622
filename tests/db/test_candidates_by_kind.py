"""db/volunteers.py ``candidates_by_kind`` (issue 83, the desk's review queue reads a page's
kinds of help in one statement) on both backends: for each kind, exactly whom
``candidates`` finds for it alone - not the paused, banned, unconfirmed (where confirmation
is required), unreachable or full, never a volunteer of another kind, a kind matched whole."""

from __future__ import annotations

from collections import OrderedDict

import pytest

from db import Database, volunteers
from tests.support.helping_people import verified_volunteer, volunteer_profile

pytestmark = pytest.mark.both_backends

KINDS = ("shopping", "tech", "forms", "company")


async def _volunteer(db: Database, name: str, kinds: tuple[str, ...], verified: bool = True) -> int:
    user = await db.users.seen("memory", name, name, name)
    registered = verified_volunteer if verified else volunteer_profile
    await registered(db, user.id, kinds=kinds, districts=("Eving",), quiet=None, max_open=1)
    return user.id


async def test_one_read_of_several_kinds_finds_for_each_whom_its_own_read_finds(db: Database):
    ids = {
        "ada": await _volunteer(db, "ada", ("shopping", "tech")),
        "ben": await _volunteer(db, "ben", ("tech",)),
        "cem": await _volunteer(db, "cem", ("forms", "shopping", "company")),
        "dora": await _volunteer(db, "dora", ("shopping",), verified=False),
        "emil": await _volunteer(db, "emil", ("tech",)),
        "fee": await _volunteer(db, "fee", ("shopping",)),
        # "shoppingcart" is not "shopping": a kind is matched whole.
        "gil": await _volunteer(db, "gil", ("shoppingcart", "household")),
        "hana": await _volunteer(db, "hana", ("tech", "forms")),
    }
    await db.volunteers.set_paused(ids["emil"], True)
    await db.users.set_banned(ids["fee"], True)
    # hana holds as many matched requests as she takes (max_open 1).
    requester = await db.users.seen("memory", "resi", "resi", "Resi")
    taken = await db.requests.create(
        requester.id, requester.id, description="Hilfe", category="tech"
    )
    await db.execute(
        "UPDATE help_requests SET state = 'matched', volunteer_id = ? WHERE id = ?",
        (ids["hana"], taken.id),
    )
    names = {user_id: name for name, user_id in ids.items()}
    for verified in (True, False):
        alone = {kind: await db.volunteers.candidates(kind, None, verified) for kind in KINDS}
        together = await db.volunteers.candidates_by_kind(KINDS, verified)
        assert together.keys() == alone.keys()
        for kind in KINDS:
            assert sorted(together[kind], key=lambda v: v.user_id) == sorted(
                alone[kind], key=lambda v: v.user_id
            ), kind
        found = {kind: sorted(names[v.user_id] for v in each) for kind, each in together.items()}
        unconfirmed = [] if verified else ["dora"]
        assert found == {
            "shopping": sorted(["ada", "cem", *unconfirmed]),
            "tech": ["ada", "ben"],
            "forms": ["cem"],
            "company": ["cem"],
        }
    assert await db.volunteers.candidates_by_kind((), True) == {}


async def test_a_profile_read_again_is_parsed_again_when_its_row_changed(
    db: Database, monkeypatch: pytest.MonkeyPatch
):
    """Profiles are remembered by their rows' values (db/volunteers.py ``_parsed``): a
    changed row is a new profile at once, and no more than ``PARSED_KEPT`` are kept."""
    monkeypatch.setattr(volunteers, "_PARSED", OrderedDict())
    monkeypatch.setattr(volunteers, "PARSED_KEPT", 2)
    ada = await _volunteer(db, "ada", ("shopping",))
    await _volunteer(db, "ben", ("shopping", "tech"))
    await _volunteer(db, "cem", ("tech",))
    first = {v.user_id: v for v in await db.volunteers.candidates("shopping", None, True)}
    again = {v.user_id: v for v in await db.volunteers.candidates("shopping", None, True)}
    assert again == first
    assert again[ada] is first[ada]  # remembered, not parsed again
    await db.volunteers.save(ada, languages=("de", "ar"), stadtbezirke=("Hörde",))
    changed = {v.user_id: v for v in await db.volunteers.candidates("shopping", None, True)}
    assert changed[ada].languages == ("de", "ar")
    assert changed[ada].stadtbezirke == ("Hörde",)
    by_kind = await db.volunteers.candidates_by_kind(("shopping", "tech"), True)
    assert {v.user_id: v for v in by_kind["shopping"]} == changed
    assert len(volunteers._PARSED) <= 2


async def test_who_handed_back_each_of_a_page_of_requests_is_read_at_once(db: Database):
    ada = await _volunteer(db, "ada", ("shopping",))
    ben = await _volunteer(db, "ben", ("shopping",))
    requester = await db.users.seen("memory", "resi", "resi", "Resi")
    first, second, third = [
        (
            await db.requests.create(
                requester.id, requester.id, description=f"Bitte {n}", category="shopping"
            )
        ).id
        for n in range(3)
    ]
    for request_id, volunteer, back in ((first, ada, 1), (first, ben, 1), (second, ada, 0)):
        await db.volunteers.record_offer(request_id, volunteer, 1)
        await db.execute(
            "UPDATE request_notifications SET handed_back = ? WHERE request_id = ?"
            " AND volunteer_id = ?",
            (back, request_id, volunteer),
        )
    page = await db.volunteers.handed_back_of([first, second, third])
    assert page == {first: {ada, ben}, second: set(), third: set()}
    assert page == {r: await db.volunteers.handed_back(r) for r in (first, second, third)}
