"""The desk roster's talk shift filter (db/volunteers.py ``RosterFilter.talk_slots``) on
both backends: no filter, nobody, and those whose talk shift holds one of the slots."""

from __future__ import annotations

from db import Database
from db.volunteers import RosterFilter


async def _volunteer(db: Database, name: str, talk_shift: tuple[str, ...]) -> int:
    user = await db.users.seen("memory", name.lower(), name.lower(), name)
    await db.volunteers.save(
        user.id,
        categories=("shopping",),
        stadtbezirke=("Eving",),
        languages=("de",),
        talk_shift=talk_shift,
    )
    return user.id


async def _found(db: Database, where: RosterFilter) -> list[int]:
    total, rows = await db.volunteers.roster(where, limit=50, offset=0)
    assert total == len(rows)
    return [volunteer.user_id for volunteer, _ in rows]


async def test_the_roster_filters_by_talk_slots(db: Database):
    anna = await _volunteer(db, "Anna", ("wd-am", "we-ev"))
    ben = await _volunteer(db, "Ben", ("wd-ev",))
    cem = await _volunteer(db, "Cem", ())
    assert await _found(db, RosterFilter()) == [anna, ben, cem]
    assert await _found(db, RosterFilter(talk_slots=())) == []
    assert await _found(db, RosterFilter(talk_slots=("wd-am",))) == [anna]
    assert await _found(db, RosterFilter(talk_slots=("we-ev", "wd-ev"))) == [anna, ben]
    # A slot is matched whole, never as a part of another ("wd" is no slot).
    assert await _found(db, RosterFilter(talk_slots=("wd",))) == []
    assert await _found(db, RosterFilter(talk_slots=("wd-ev",), language="de")) == [ben]
