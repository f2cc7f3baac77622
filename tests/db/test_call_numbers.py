"""A helper's own number for bridged calls (db/call_numbers.py): one per person, replaced
when given again, removed by them; exported to them and gone with their erasure (the
"calls" purpose of the personal-data map)."""

from __future__ import annotations

from db import Database


async def _nothing() -> None:
    return None


async def test_one_number_per_person_replaced_removed_exported_and_erased(db: Database):
    vera = await db.users.seen("memory", "vera", "vera", "Vera")
    paul = await db.users.seen("memory", "paul", "paul", "Paul")
    assert await db.call_numbers.get(vera.id) is None
    await db.call_numbers.set(vera.id, "+491701234567")
    await db.call_numbers.set(vera.id, "+491709999999")
    await db.call_numbers.set(paul.id, "+492319876543")
    assert await db.call_numbers.get(vera.id) == "+491709999999"
    exported = await db.data_rights.export(vera)
    assert [row["number"] for row in exported["call_number"]] == ["+491709999999"]
    assert "+492319876543" not in str(exported)
    async with db.transaction():
        await db.data_rights.erase(vera, _nothing)
    assert await db.call_numbers.get(vera.id) is None
    assert await db.call_numbers.get(paul.id) == "+492319876543"
    await db.call_numbers.remove(paul.id)
    assert await db.call_numbers.get(paul.id) is None
