"""A phone number is one person on the phone line and by SMS (db/numbers.py): the store
finds and greets one row whichever of the two the number comes by, the row's platform is the
channel the person chose, a ban holds on both, and export and erasure take in what each
transport keeps for the number."""

from __future__ import annotations

from bot.transports.sms.store import SmsStore
from db import Database
from db.users import UserStore

NUMBER = "+4917633333333"


async def _handled(db: Database, platform: str, update_id: str) -> None:
    """An update of the number's on ``platform`` handled, its answers not yet sent."""
    async with db.transaction():
        await db.execute(*UserStore.finish_statement(platform, update_id, NUMBER, '["kept"]'))


async def test_a_number_that_called_and_then_texts_is_one_person_on_the_channel_first_used(
    db: Database,
):
    called = await db.users.seen("phone", NUMBER, NUMBER)
    await db.users.set_language(called.id, "uk")
    texted = await db.users.seen("sms", NUMBER, NUMBER)
    assert texted.id == called.id
    assert (texted.platform, texted.language) == ("phone", "uk")
    for platform in ("phone", "sms"):
        found = await db.users.find(platform, NUMBER)
        assert found is not None and found.id == called.id
    # Other platforms keep their own ids apart: the same digits on Telegram are someone else.
    assert await db.users.find("telegram", NUMBER) is None


async def test_the_chosen_channel_stays_whichever_way_the_person_comes(db: Database):
    person = await db.users.seen("sms", NUMBER, NUMBER)
    assert await db.users.set_channel(person.id, "phone")
    again = await db.users.seen("sms", NUMBER, NUMBER)
    assert (again.id, again.platform) == (person.id, "phone")
    assert await db.users.set_channel(person.id, "sms")
    assert (await db.users.seen("phone", NUMBER, NUMBER)).platform == "sms"
    # Only a number's person has a channel to choose.
    someone = await db.users.seen("telegram", "42", "42")
    assert not await db.users.set_channel(someone.id, "sms")
    assert (await db.users.get(someone.id)).platform == "telegram"  # type: ignore[union-attr]


async def test_a_ban_holds_whichever_channel_the_number_comes_back_by(db: Database):
    person = await db.users.seen("phone", NUMBER, NUMBER)
    await db.users.set_channel(person.id, "sms")
    await db.users.set_banned(person.id, True)
    await db.users.delete(person.id)
    back = await db.users.seen("phone", NUMBER, NUMBER)
    assert back.id != person.id and back.banned_at is not None


async def test_export_lists_and_erasure_removes_what_both_transports_keep(db: Database):
    person = await db.users.seen("phone", NUMBER, NUMBER)
    await db.users.seen("sms", NUMBER, NUMBER)
    await _handled(db, "phone", "call-1")
    await _handled(db, "sms", "text-1")
    await SmsStore(db.transactions).stop(NUMBER)
    async with db.transaction():
        await db.outbox.enqueue("sms", NUMBER, {"type": "message", "text": "Paul kommt."})

    exported = await db.data_rights.export(person)
    assert [row["platform"] for row in exported["account"]] == ["phone"]
    assert {row["update_id"] for row in exported["updates_handled"]} == {"call-1", "text-1"}
    assert [row["number"] for row in exported["sms"]] == [NUMBER]
    assert len(exported["messages_for_you"]) == 1

    async def close() -> None:
        """Nothing running to end."""

    async with db.transaction():
        await db.data_rights.erase(person, close)
    assert await db.users.find("sms", NUMBER) is None
    assert not await SmsStore(db.transactions).stopped(NUMBER)
    left = await db.fetch_all(
        "SELECT platform FROM processed_updates WHERE chat_id = ? OR replies IS NOT NULL",
        (NUMBER,),
    )
    assert left == []
    assert await db.fetch_all("SELECT id FROM outbox WHERE chat_id = ?", (NUMBER,)) == []
