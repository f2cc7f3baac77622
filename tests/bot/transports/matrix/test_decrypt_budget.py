"""The hour's counts of the work on strangers' encrypted events
(bot/transports/matrix/decrypt_budget.py), on a clock the test moves: the events the Synapse
tests cannot wait for (an hour ending)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import nio

from bot.transports.matrix import decrypt_budget
from bot.transports.matrix.decrypt_budget import ALL, OWN, DecryptBudget
from bot.transports.matrix.inbound import Inbound
from bot.transports.matrix.strangers_work import StrangersWork
from db import Database
from db.transport_state import GREET, UNDECRYPTED, MatrixRoom
from handlers.messages import Message


async def _known(sender: str) -> bool:
    return sender == "@eva:x"


async def test_the_hours_budget_stops_strangers_not_known_people_and_ends_with_the_hour(
    monkeypatch,
):
    monkeypatch.setattr(decrypt_budget, "PER_STRANGER", 2)
    monkeypatch.setattr(decrypt_budget, "ALL_STRANGERS", 3)
    now = [datetime(2026, 11, 28, 9, 40, tzinfo=UTC)]
    budget = DecryptBudget(lambda: now[0])
    await budget.learn(["@eva:x", "@mallory:x", "@trudy:x"], _known)
    assert [budget.spend("@mallory:x") for _ in range(3)] == [None, None, OWN]
    assert budget.spend("@trudy:x") is None
    assert budget.spend("@trudy:x") == ALL  # all strangers' three are spent
    assert [budget.spend("@eva:x") for _ in range(10)] == [None] * 10  # never counted
    assert budget.until == datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    # Told once an hour each: the coordinators of both limits, each stranger once.
    assert budget.notices_due() == (True, ["@mallory:x"])
    assert budget.spend("@mallory:x") == OWN and budget.spend("@trudy:x") == ALL
    assert budget.notices_due() == (False, [])
    assert budget.may_answer("@mallory:x") and not budget.may_answer("@mallory:x")
    # The next hour begins with nothing spent.
    now[0] += timedelta(minutes=25)
    assert budget.spend("@mallory:x") is None and budget.spend("@trudy:x") is None
    assert budget.notices_due() == (False, [])
    assert budget.may_answer("@mallory:x")


async def test_a_failed_question_of_who_is_known_loses_nothing(monkeypatch):
    """Who is known is asked inside matrix-nio's handling of a sync, after its token moved
    on: an error there (the database away a moment) must not lose the sync's events. The
    senders not asked count as strangers; someone known stays known."""
    monkeypatch.setattr(decrypt_budget, "PER_STRANGER", 2)
    now = [datetime(2026, 11, 28, 9, 0, tzinfo=UTC)]
    budget = DecryptBudget(lambda: now[0])
    await budget.learn(["@eva:x"], _known)
    now[0] += timedelta(seconds=decrypt_budget.KNOWN_SECONDS + 1)

    async def unreachable(sender: str) -> bool:
        raise OSError("the database is away")

    await budget.learn(["@eva:x", "@mallory:x"], unreachable)
    assert [budget.spend("@eva:x") for _ in range(5)] == [None] * 5
    assert [budget.spend("@mallory:x") for _ in range(3)] == [None, None, OWN]


class _Lines:
    """The lines the bot sends (the outbound part, for this unit test)."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, room_id: str, message: Message) -> None:
        self.sent.append(room_id)


async def test_past_its_answer_a_strangers_flood_costs_no_reads_or_writes(db: Database):
    """Each event past the budget is answered at most once an hour; after that answer the
    stranger's further events are neither read about nor written for: looking them up
    would cost more than the decryption the budget saves."""
    room = "!chat:x"
    await db.transport_state.remember_matrix_room(room, MatrixRoom(kind="direct", peer="@m:x"))
    await db.transport_state.set(GREET + room, "{}")
    budget = DecryptBudget(lambda: datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    lines = _Lines()
    work = StrangersWork(SimpleNamespace(budget=budget, db=db), lines)  # type: ignore[arg-type]
    await work.not_read(room, "@m:x", OWN)
    assert lines.sent == [room]
    assert await db.transport_state.get(GREET + room) is None  # answered, not greeted too
    asked: list[str] = []
    for store in (db.transport_state, db.users):
        for name in ("get", "set", "delete", "find"):
            if hasattr(store, name):
                real = getattr(store, name)

                async def spy(*args, real=real, name=name):
                    asked.append(name)
                    return await real(*args)

                setattr(store, name, spy)
    for _ in range(20):
        await work.not_read(room, "@m:x", OWN)
    assert lines.sent == [room] and asked == []


class _Keys:
    """matrix-nio's Olm machine as retry_undecrypted sees it: the room keys in its store
    ((room, sender key, session) ids), and the decryptions tried."""

    def __init__(self) -> None:
        self.sessions: set[tuple[str, str, str]] = set()
        self.tried: list[str] = []
        self.outgoing_to_device_messages: list[object] = []
        self.inbound_group_store = SimpleNamespace(get=self._session)

    def _session(self, room_id: str, sender_key: str, session_id: str) -> object | None:
        return object() if (room_id, sender_key, session_id) in self.sessions else None

    def decrypt_event(self, event: nio.MegolmEvent) -> nio.Event:
        self.tried.append(event.event_id)
        raise nio.EncryptionError("this test holds no real key")


def _kept(n: int) -> dict[str, object]:
    """A stranger's encrypted message as the homeserver sent it, kept for its room key."""
    return {
        "event": {
            "type": "m.room.encrypted",
            "event_id": f"$m{n}",
            "sender": "@m:x",
            "origin_server_ts": 1,
            "content": {
                "algorithm": "m.megolm.v1.aes-sha2",
                "ciphertext": "AAAA",
                "sender_key": "curve-m",
                "device_id": "DEV",
                "session_id": "session-m",
            },
        },
        "since": datetime.now(UTC).isoformat(),
    }


async def test_trying_kept_messages_again_spends_a_strangers_budget_only_with_their_key(
    db: Database, monkeypatch
):
    """Every sync that brought anyone's room key tries all kept messages again: a try
    whose room key is not in the store (it cannot decrypt) costs the waiting stranger
    nothing, so that others' keys arriving do not use up a newcomer's hour."""
    monkeypatch.setattr(decrypt_budget, "PER_STRANGER", 3)
    room = "!chat:x"
    await db.transport_state.set(UNDECRYPTED + room, json.dumps({"events": [_kept(1), _kept(2)]}))
    keys = _Keys()
    client = SimpleNamespace(olm=keys, decrypt_event=keys.decrypt_event, rooms={})
    budget = DecryptBudget(lambda: datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    shared = SimpleNamespace(
        client=client,
        budget=budget,
        db=db,
        config=SimpleNamespace(user_id="@bot:x", key_wait_seconds=3600),
        dispatcher=SimpleNamespace(clock=lambda: 0.0),
    )
    inbound = Inbound(shared, None, _Lines(), None)  # type: ignore[arg-type]
    for _ in range(10):  # ten syncs with others' room keys, none of hers
        inbound.keys_arrived = True
        await inbound.retry_undecrypted()
    assert keys.tried == []
    assert [budget.spend("@m:x") for _ in range(4)] == [None, None, None, OWN]  # all 3 left
    # Her key came: each kept message is tried once, and counted then (here: none left).
    budget = shared.budget = DecryptBudget(lambda: datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    keys.sessions.add((room, "curve-m", "session-m"))
    inbound.keys_arrived = True
    await inbound.retry_undecrypted()
    assert sorted(keys.tried) == ["$m1", "$m2"]
    assert [budget.spend("@m:x") for _ in range(2)] == [None, OWN]
