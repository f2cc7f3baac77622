"""A phone number is one person on the phone line and by SMS (db/people_by_number.py): the store
finds and greets one row whichever of the two the number comes by, the row's platform is the
channel the person chose, a ban holds on both, and export and erasure take in what each
transport keeps for the number."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from bot.transports.sms.store import SmsStore
from db import Database, people_by_number
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


# A ban list's key and a ban made with it before the hashes stopped following the order of
# the transports: the HMAC of "phone\0<number>", whichever number platform banned it.
OLD_KEY = "5e" * 32


async def _ban_made_before(db: Database, number: str) -> None:
    made = hmac.new(bytes.fromhex(OLD_KEY), f"phone\0{number}".encode(), hashlib.sha256)
    async with db.transaction():
        await db.execute(
            "INSERT INTO secrets (name, value) VALUES (?, ?)", ("ban_list_key", OLD_KEY)
        )
        await db.execute(
            "INSERT INTO ban_list (key_hash, created_at) VALUES (?, ?)",
            (made.hexdigest(), "2026-01-01T00:00:00+00:00"),
        )


@pytest.mark.parametrize("order", [("phone", "sms"), ("sms", "phone")])
async def test_a_ban_made_before_holds_whatever_order_the_transports_register_in(
    db: Database, monkeypatch: pytest.MonkeyPatch, order: tuple[str, str]
):
    monkeypatch.setattr(people_by_number, "NUMBER_PLATFORMS", list(order))
    await _ban_made_before(db, NUMBER)
    for platform in order:
        assert (await db.users.seen(platform, NUMBER, NUMBER)).banned_at is not None
    # A hash made now is the one made then.
    assert await db.users.bans.key_of("sms", NUMBER) == await db.users.bans.key_of("phone", NUMBER)


async def test_a_third_number_platform_is_the_same_person_in_export_and_erasure(
    db: Database, monkeypatch: pytest.MonkeyPatch
):
    # Nothing assumes two number platforms: a third one (a pager, say) reaches the same row,
    # its ban and its updates are the person's.
    monkeypatch.setattr(people_by_number, "NUMBER_PLATFORMS", ["phone", "pager", "sms"])
    person = await db.users.seen("pager", NUMBER, NUMBER)
    assert (await db.users.seen("sms", NUMBER, NUMBER)).id == person.id
    assert (await db.users.seen("phone", NUMBER, NUMBER)).id == person.id
    for platform, update in (("phone", "call-1"), ("sms", "text-1"), ("pager", "page-1")):
        await _handled(db, platform, update)
    exported = await db.data_rights.export(person)
    assert {row["update_id"] for row in exported["updates_handled"]} == {
        "call-1",
        "text-1",
        "page-1",
    }

    async def close() -> None:
        """Nothing running to end."""

    async with db.transaction():
        await db.data_rights.erase(person, close)
    left = await db.fetch_all("SELECT platform FROM processed_updates WHERE chat_id = ?", (NUMBER,))
    assert left == []
