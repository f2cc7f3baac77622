"""The desk's searches - places by name, volunteers by first name - find a name in any case
of any script, and both backends find the same (db/name_keys.py ``name_key``): SQLite's
LIKE folded ASCII only, and PostgreSQL's ILIKE nothing beyond it under the C locale the
installation's database is made with."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from db import Database
from db.places import Place
from db.volunteers import RosterFilter
from tests.support.desk_client import at_the_desk

pytestmark = pytest.mark.both_backends

NAMES = [
    "Ärztehaus Nordstadt",
    "ŞEHİR KAFE",
    "Бібліотека на Мальінкродтштрасе",
    "Treff an der Straße",
    "مكتبة الحي",
    "Quartierstreff Hörde",
]
# What a coordinator types, and the name it must find (and no other).
TYPED = [
    ("ärzte", "Ärztehaus Nordstadt"),
    ("ÄRZTEHAUS", "Ärztehaus Nordstadt"),
    ("şehir", "ŞEHİR KAFE"),
    ("Şehir kafe", "ŞEHİR KAFE"),
    ("ŞEHIR", "ŞEHİR KAFE"),
    ("БІБЛІОТЕКА", "Бібліотека на Мальінкродтштрасе"),
    ("STRASSE", "Treff an der Straße"),
    ("مكتبة", "مكتبة الحي"),
    ("HÖRDE", "Quartierstreff Hörde"),
]


async def _places(db: Database) -> dict[str, int]:
    ids = {}
    for number, name in enumerate(NAMES):
        place = Place(
            source="test",
            source_id=str(number),
            name=name,
            category="library",
            lat=51.52,
            lon=7.46,
        )
        ids[name] = await db.places.upsert(place, "test")
    return ids


async def test_the_search_finds_names_in_any_case_on_either_backend(db, site, web_chat):
    _site, base = site
    ids = await _places(db)
    async with at_the_desk(web_chat, db, base) as desk:
        for typed, name in TYPED:
            status, html = await desk.get(f"/desk/places?q={quote(typed)}")
            assert status == 200
            shown = {other for other, i in ids.items() if f'id="place-{i}"' in html}
            assert shown == {name}, typed
    # The events' place lookup by words reads names by the same rule.
    assert await db.places.names_like(["şehir"]) == [(ids["ŞEHİR KAFE"], "ŞEHİR KAFE")]
    assert [i for i, _ in await db.places.names_like(["ärzte", "hörde"])] == sorted(
        (ids["Ärztehaus Nordstadt"], ids["Quartierstreff Hörde"])
    )


async def test_a_page_of_a_search_counts_every_match(db):
    for number in range(60):
        name = f"{'ÄRZTE' if number % 2 else 'ärzte'}haus {number:02d}"
        await db.places.upsert(
            Place(
                source="t", source_id=str(number), name=name, category="library", lat=51.5, lon=7.4
            ),
            "test",
        )
    lines, total = await db.places.listing(name="Ärzte", limit=50)
    assert total == 60 and len(lines) == 50
    rest, total = await db.places.listing(name="Ärzte", limit=50, offset=50)
    assert total == 60 and len(rest) == 10
    assert not {line.id for line in lines} & {line.id for line in rest}


async def test_the_roster_finds_a_volunteers_first_name_in_any_case(db, site, web_chat):
    """The volunteers' roster's name search reads first names by the same rule."""
    _site, base = site
    ids = {}
    for number, name in enumerate(("Олена", "ÖZGÜR", "İlkay", "Anna", "Ölçer")):
        user = await db.users.seen("memory", f"v{number}", f"v{number}", name)
        await db.volunteers.save(user.id, categories=("shopping",), stadtbezirke=("Eving",))
        ids[name] = user.id
    async with at_the_desk(web_chat, db, base) as desk:
        for typed, names in (
            ("олена", {"Олена"}),
            ("özgür", {"ÖZGÜR"}),
            ("ilkay", {"İlkay"}),
            ("ö", {"ÖZGÜR", "Ölçer"}),
            ("ANNA", {"Anna"}),
        ):
            status, html = await desk.get(f"/desk/volunteers?name={quote(typed)}")
            assert status == 200
            shown = {name for name, i in ids.items() if f'href="/desk/volunteers/{i}"' in html}
            assert shown == names, typed
    # With another filter and a page: the count is of every match.
    total, rows = await db.volunteers.roster(
        RosterFilter(name="Ö", stadtbezirk="Eving"), limit=1, offset=1
    )
    assert total == 2 and [v.user_id for v, _ in rows] == [ids["Ölçer"]]
