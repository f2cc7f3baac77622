"""Strangers' Olm messages held past the hour's budget are kept in the database
(bot/transports/matrix/held_olm.py), on both backends: a restart keeps them and they come
first, in the order held, within the new process's budget; bounded per sender and overall,
the oldest dropped first and the coordinators told how many; a message handled again after
a crash is held once; the sender's Matrix id follows the personal-data declaration (export,
erasure, retention). The Synapse test of a newcomer's key through a restart is in
tests/bot/transports/test_matrix_decrypt_budget.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import nio
import pytest

from bot.transports.matrix.decrypt_budget import DecryptBudget, Limits
from bot.transports.matrix.held_olm import HeldOlm, take
from bot.transports.matrix.strangers_work import StrangersWork
from db import Database
from db.data_rights import Limits as Kept
from db.data_rights import retention_steps
from handlers.channels import Standing
from handlers.limits.encrypted_work import DROPPED_NOTICE
from handlers.messages import Message, decode
from handlers.reader import reader_of
from tests.support.reports import features_told

pytestmark = pytest.mark.both_backends

COORDINATORS = ("console", "coordinators")
NINE = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _olm(sender: str, n: int) -> nio.OlmEvent:
    """An Olm to-device event as the homeserver sends it (the ciphertext made up)."""
    event = nio.ToDeviceEvent.parse_encrypted_event(
        {
            "type": "m.room.encrypted",
            "sender": sender,
            "content": {
                "algorithm": "m.olm.v1.curve25519-aes-sha2",
                "sender_key": f"curve-{sender}",
                "ciphertext": {"bot-key": {"type": 0, "body": f"{sender}-{n}"}},
            },
        }
    )
    assert isinstance(event, nio.OlmEvent)
    return event


async def _strangers(senders: list[str]) -> None:
    """Where the senders stand: nobody is known."""


def _budget(now: list[datetime], **limits: int) -> DecryptBudget:
    return DecryptBudget(lambda: now[0], Limits(**limits))


def _bodies(events: list[nio.OlmEvent]) -> list[str]:
    return [event.ciphertext["bot-key"]["body"] for event in events]


async def _held(db: Database) -> list[str]:
    return _bodies([held.event for held in await HeldOlm(db.transactions).waiting()])


async def test_held_olm_messages_outlast_a_restart_and_come_first_in_order(db: Database):
    """Past all strangers' Olm budget a newcomer's room key is held; the bot restarts
    within the hour (its counts forgotten): at its first sync the held messages come first,
    oldest first, within the new budget - the rest stays held - and are released only once
    the checkpoint saved their keys. (Before, they were held in memory: a restart lost
    them, and with them the room key the newcomer's later messages needed.)"""
    store = HeldOlm(db.transactions)
    now = [NINE + timedelta(minutes=10)]
    budget = _budget(now, olm_per_stranger=5, olm_strangers=3)
    others = [_olm(f"@someone{n}:x", 0) for n in range(3)]
    newcomer = [_olm("@neu:x", n) for n in range(3)]
    events, released = await take(budget, store, [*others, *newcomer], _strangers)
    assert (events, released) == (others, [])
    assert await _held(db) == ["@neu:x-0", "@neu:x-1", "@neu:x-2"]
    assert budget.spend("@neu:x") is not None  # their room messages wait for the key

    now[0] += timedelta(minutes=5)  # a restart: a new process, a new budget
    budget = _budget(now, olm_per_stranger=5, olm_strangers=2)
    late = _olm("@spaet:x", 0)
    events, released = await take(budget, store, [late], _strangers)
    assert _bodies(events) == ["@neu:x-0", "@neu:x-1"]  # in order, within the budget
    assert len(released) == 2
    assert budget.spend("@neu:x") is not None  # one of theirs still held
    await store.release(released)  # the checkpoint saved their keys
    assert await _held(db) == ["@neu:x-2", "@spaet:x-0"]

    now[0] += timedelta(hours=1)
    events, released = await take(budget, store, [], _strangers)
    assert _bodies(events) == ["@neu:x-2", "@spaet:x-0"]
    await store.release(released)
    assert await _held(db) == [] and budget.holding == set()
    assert budget.spend("@neu:x") is None  # their key is there: read now


async def test_the_oldest_held_are_dropped_first_and_the_coordinators_told_how_many(
    db: Database,
):
    """Held messages are bounded as the budget: per stranger and all together. Beyond,
    the oldest go first (the newest carry the keys a person's next messages need), and the
    coordinators are told once an hour how many were dropped so far."""
    store = HeldOlm(db.transactions)
    now = [NINE]
    budget = _budget(now, olm_per_stranger=2, olm_strangers=3)
    flood = [_olm("@m:x", n) for n in range(6)]
    await take(budget, store, flood, _strangers)  # two decrypted, four to hold
    assert await _held(db) == ["@m:x-4", "@m:x-5"]
    others = [_olm("@n:x", 0), _olm("@a:x", 0), _olm("@b:x", 0)]
    await take(budget, store, others, _strangers)  # the third decrypted, then all spent
    assert await _held(db) == ["@m:x-5", "@a:x-0", "@b:x-0"]

    # The reports taken by the features, as the city's ports hand them (the notice's words
    # are handlers/limits/encrypted_work.py's).
    ports = SimpleNamespace(report=features_told(db, [COORDINATORS]))
    shared = SimpleNamespace(budget=budget, db=db, ports=ports)
    work = StrangersWork(shared)  # type: ignore[arg-type]
    await work.tell_coordinators()
    await take(budget, store, [_olm("@c:x", 0)], _strangers)
    await work.tell_coordinators()  # once an hour
    assert await _held(db) == ["@a:x-0", "@b:x-0", "@c:x-0"]
    notices = []
    for item in await db.outbox.waiting(*COORDINATORS, datetime.now(UTC) + timedelta(days=1)):
        message = decode(item.payload)
        assert isinstance(message, Message)
        notices.append(str(message.text))
    t = reader_of(None).t
    told = t.t(DROPPED_NOTICE, count=t.number(3), time=t.time(budget.until))
    assert notices.count(told) == 1, notices


async def test_a_message_handled_again_after_a_crash_is_held_once(db: Database):
    """A crash before the checkpoint hands the same sync over again: held once."""
    store = HeldOlm(db.transactions)
    for _ in range(2):
        assert await store.hold([_olm("@m:x", 0), _olm("@m:x", 1)], 5, 5) == 0
    assert await _held(db) == ["@m:x-0", "@m:x-1"]


async def test_the_senders_matrix_id_is_exported_erased_and_kept_no_longer(db: Database):
    """The sender's Matrix id is personal data: /mydata shows their held messages, erasure
    removes them (nobody else's), retention removes what is older than handled updates."""
    store = HeldOlm(db.transactions)
    await store.hold([_olm("@eva:x", 0), _olm("@jo:x", 0)], 5, 5)
    eva = await db.users.seen("matrix", "@eva:x", "!eva-chat:x", "Eva")
    exported = (await db.data_rights.export(eva))["matrix_held_olm"]
    assert [row["sender"] for row in exported] == ["@eva:x"]

    async def close() -> None:
        pass

    await db.data_rights.erase(eva, close)
    assert await _held(db) == ["@jo:x-0"]

    step = next(step for step in retention_steps() if step.name == "matrix_held_olm")
    assert await db.data_rights.retain(step, Kept(), datetime.now(UTC)) == 0
    later = datetime.now(UTC) + timedelta(days=Kept().handled_update_days + 1)
    assert await db.data_rights.retain(step, Kept(), later) == 1
    assert await _held(db) == []


async def test_known_peoples_and_running_helps_olm_messages_are_never_held(db: Database):
    store = HeldOlm(db.transactions)
    budget = _budget([NINE], olm_per_stranger=1, olm_strangers=1)
    standing = {"@eva:x": Standing.RUNNING, "@karl:x": Standing.KNOWN}

    async def learn(senders: list[str]) -> None:
        async def ask(sender: str) -> Standing:
            return standing.get(sender, Standing.STRANGER)

        await budget.learn(senders, ask)

    events = [_olm("@eva:x", n) for n in range(3)] + [_olm("@karl:x", n) for n in range(3)]
    assert (await take(budget, store, events, learn))[0] == events
    assert await _held(db) == []


async def test_held_messages_handled_in_a_sync_stay_held_until_its_checkpoint(db: Database):
    """A new hour lets the held messages through; the same sync's messages past the budget
    are held beside them without pushing them out: until the checkpoint saved their keys
    they are all that holds those keys (a crash there tries them again), and nothing was
    dropped to tell the coordinators of. (Before, the bound counted them and dropped the
    oldest - the ones just handled - as 'dropped'.)"""
    store = HeldOlm(db.transactions)
    now = [NINE]
    budget = _budget(now, olm_per_stranger=2, olm_strangers=10)
    await take(budget, store, [_olm("@neu:x", n) for n in range(4)], _strangers)
    assert await _held(db) == ["@neu:x-2", "@neu:x-3"]

    now[0] += timedelta(hours=1)
    events, released = await take(budget, store, [_olm("@neu:x", 4)], _strangers)
    assert _bodies(events) == ["@neu:x-2", "@neu:x-3"]
    # A crash now, before the checkpoint: the two handled are held still, tried again.
    assert await _held(db) == ["@neu:x-2", "@neu:x-3", "@neu:x-4"]
    assert budget.dropped_due() == 0
    await store.release(released)  # the checkpoint saved their keys
    assert await _held(db) == ["@neu:x-4"]


async def test_a_sender_whose_held_messages_went_otherwise_is_read_again(db: Database):
    """Held messages may go without being handled (retention, an erasure, an unreadable
    row): at the next hour the bot sees none held for their sender and reads that sender's
    room messages again, rather than keeping them waiting for a key that will not come for
    as long as the process runs."""
    store = HeldOlm(db.transactions)
    now = [NINE]
    budget = _budget(now, olm_per_stranger=1, olm_strangers=10)
    await take(budget, store, [_olm("@neu:x", n) for n in range(2)], _strangers)
    assert await _held(db) == ["@neu:x-1"]
    assert budget.spend("@neu:x") is not None  # waits for the held key
    await db.transactions.changed("DELETE FROM matrix_held_olm")  # retention, say

    now[0] += timedelta(hours=1)
    assert await take(budget, store, [], _strangers) == ([], [])
    assert budget.holding == set()
    assert budget.spend("@neu:x") is None
