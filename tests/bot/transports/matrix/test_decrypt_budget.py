"""The hour's counts of the work on encrypted events
(bot/transports/matrix/decrypt_budget.py), on a clock the test moves: the events the Synapse
tests cannot wait for (an hour ending), and the budgets' arithmetic: per sender and overall
for each group, running help before known people before strangers, strangers' Olm messages
held for the next hour."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import nio

from bot.transports.matrix import decrypt_budget
from bot.transports.matrix.decrypt_budget import ALL, OWN, DecryptBudget, Held, Limits
from bot.transports.matrix.inbound import Inbound
from bot.transports.matrix.strangers_work import StrangersWork
from db import Database
from db.transport_state import GREET, UNDECRYPTED, MatrixRoom
from handlers.channels import NotReadThisHour, Standing
from handlers.messages import Message

# Where the test's people stand: Eva has help under way, Karl agreed to the notice.
STANDING = {"@eva:x": Standing.RUNNING, "@karl:x": Standing.KNOWN}


async def _known(sender: str) -> Standing:
    return STANDING.get(sender, Standing.STRANGER)


async def test_the_hours_budget_stops_strangers_not_known_people_and_ends_with_the_hour():
    now = [datetime(2026, 11, 28, 9, 40, tzinfo=UTC)]
    budget = DecryptBudget(lambda: now[0], Limits(per_stranger=2, strangers=3))
    await budget.learn(["@eva:x", "@mallory:x", "@trudy:x"], _known)
    assert [budget.spend("@mallory:x") for _ in range(3)] == [None, None, OWN]
    assert budget.spend("@trudy:x") is None
    assert budget.spend("@trudy:x") == ALL  # all strangers' three are spent
    assert [budget.spend("@eva:x") for _ in range(10)] == [None] * 10  # a budget of her own
    assert budget.until == datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    # Told once an hour each: the coordinators of both limits, each stranger once.
    assert budget.notices_due() == (
        [(Standing.STRANGER, 3)],
        [(Standing.STRANGER, "@mallory:x", 2)],
    )
    assert budget.spend("@mallory:x") == OWN and budget.spend("@trudy:x") == ALL
    assert budget.notices_due() == ([], [])
    assert budget.may_answer("@mallory:x") and not budget.may_answer("@mallory:x")
    # The next hour begins with nothing spent.
    now[0] += timedelta(minutes=25)
    assert budget.spend("@mallory:x") is None and budget.spend("@trudy:x") is None
    assert budget.notices_due() == ([], [])
    assert budget.may_answer("@mallory:x")


async def test_a_failed_question_of_who_is_known_loses_nothing():
    """Who is known is asked inside matrix-nio's handling of a sync, after its token moved
    on: an error there (the database away a moment) must not lose the sync's events. The
    senders not asked count as strangers; someone known stays known."""
    now = [datetime(2026, 11, 28, 9, 0, tzinfo=UTC)]
    budget = DecryptBudget(lambda: now[0], Limits(per_stranger=2))
    await budget.learn(["@eva:x"], _known)
    now[0] += timedelta(seconds=decrypt_budget.KNOWN_SECONDS + 1)

    async def unreachable(sender: str) -> Standing:
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


class _Reports:
    """What the transport reports to the features (the city's ports, for this unit test)."""

    def __init__(self) -> None:
        self.made: list[NotReadThisHour] = []

    async def __call__(self, happening: NotReadThisHour) -> None:
        self.made.append(happening)


async def test_past_its_answer_a_strangers_flood_costs_no_reads_or_writes(db: Database):
    """Each event past the budget is answered at most once an hour; after that answer the
    stranger's further events are neither read about nor written for: looking them up
    would cost more than the decryption the budget saves."""
    room = "!chat:x"
    await db.transport_state.remember_matrix_room(room, MatrixRoom(kind="direct", peer="@m:x"))
    await db.transport_state.set(GREET + room, "{}")
    budget = DecryptBudget(lambda: datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    reports = _Reports()
    shared = SimpleNamespace(budget=budget, db=db, ports=SimpleNamespace(report=reports))
    work = StrangersWork(shared)  # type: ignore[arg-type]
    await work.not_read(room, "@m:x", OWN)
    assert [(r.chat_id, r.own) for r in reports.made] == [(room, True)]
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
    assert len(reports.made) == 1 and asked == []


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
    db: Database,
):
    """Every sync that brought anyone's room key tries all kept messages again: a try
    whose room key is not in the store (it cannot decrypt) costs the waiting stranger
    nothing, so that others' keys arriving do not use up a newcomer's hour."""
    three = Limits(per_stranger=3)
    room = "!chat:x"
    await db.transport_state.set(UNDECRYPTED + room, json.dumps({"events": [_kept(1), _kept(2)]}))
    keys = _Keys()
    client = SimpleNamespace(olm=keys, decrypt_event=keys.decrypt_event, rooms={})
    budget = DecryptBudget(lambda: datetime(2026, 11, 28, 9, 0, tzinfo=UTC), three)
    shared = SimpleNamespace(
        client=client,
        budget=budget,
        db=db,
        config=SimpleNamespace(user_id="@bot:x", key_wait_seconds=3600),
        ports=SimpleNamespace(clock=lambda: 0.0),
    )
    inbound = Inbound(shared, None, _Lines(), None)  # type: ignore[arg-type]
    for _ in range(10):  # ten syncs with others' room keys, none of hers
        inbound.keys_arrived = True
        await inbound.retry_undecrypted()
    assert keys.tried == []
    assert [budget.spend("@m:x") for _ in range(4)] == [None, None, None, OWN]  # all 3 left
    # Her key came: each kept message is tried once, and counted then (here: none left).
    budget = shared.budget = DecryptBudget(lambda: datetime(2026, 11, 28, 10, 0, tzinfo=UTC), three)
    keys.sessions.add((room, "curve-m", "session-m"))
    inbound.keys_arrived = True
    await inbound.retry_undecrypted()
    assert sorted(keys.tried) == ["$m1", "$m2"]
    assert [budget.spend("@m:x") for _ in range(2)] == [None, OWN]


async def test_known_people_and_running_help_have_finite_budgets_of_their_own():
    """Agreeing to the privacy notice costs one tap: known people are counted too, per
    person and all together, in a budget larger than strangers' but finite, and running
    help in one of its own. A flood of strangers takes nothing from known people, nor
    known people's from running help. (Before, known people were never counted.)"""
    limits = Limits(per_running=4, running=6, per_known=3, known=5, per_stranger=1, strangers=2)
    budget = DecryptBudget(lambda: datetime(2026, 11, 28, 9, 0, tzinfo=UTC), limits)
    others = [f"@k{n}:x" for n in range(3)]
    standing = {**STANDING, **dict.fromkeys(others, Standing.KNOWN), "@run:x": Standing.RUNNING}

    async def ask(sender: str) -> Standing:
        return standing.get(sender, Standing.STRANGER)

    await budget.learn(["@eva:x", "@karl:x", "@run:x", "@m1:x", "@m2:x", "@m3:x", *others], ask)
    # Strangers spend all of theirs first.
    assert [budget.spend(s) for s in ("@m1:x", "@m1:x", "@m2:x", "@m3:x")] == [
        None,
        OWN,
        None,
        ALL,
    ]
    # A known person: three, then their own budget is spent.
    assert [budget.spend("@karl:x") for _ in range(4)] == [None, None, None, OWN]
    # Two more of other known people, then all known people's five are spent.
    assert [budget.spend(s) for s in others] == [None, None, ALL]
    # Running help is read still, within its own per person and overall.
    assert [budget.spend("@eva:x") for _ in range(5)] == [None] * 4 + [OWN]
    assert [budget.spend("@run:x") for _ in range(3)] == [None, None, ALL]
    ran_out, stopped = budget.notices_due()
    assert ran_out == [
        (Standing.RUNNING, 6),
        (Standing.KNOWN, 5),
        (Standing.STRANGER, 2),
    ]
    assert sorted(stopped) == [
        (Standing.RUNNING, "@eva:x", 4),
        (Standing.KNOWN, "@karl:x", 3),
        (Standing.STRANGER, "@m1:x", 1),
    ]
    # Strangers' answers do not use up those of the others.
    for n in range(Limits().answers):
        budget.may_answer(f"@s{n}:x")
    assert not budget.may_answer("@m1:x")
    assert budget.may_answer("@karl:x") and budget.may_answer("@eva:x")


def _olm(sender: str, n: int) -> nio.OlmEvent:
    return nio.OlmEvent({"type": "m.room.encrypted"}, sender, f"curve-{sender}", {"n": n})


async def test_strangers_olm_messages_have_an_hours_budget_and_wait_for_the_next_hour():
    """A stranger's Olm messages (room keys) are counted per stranger and all together an
    hour; past that they are to be held, not dropped, and handled first in the next hour
    (held_olm.py keeps them: test_held_olm.py). Known people's and running help's are never
    counted nor held, and what is no Olm message passes. (Before, every Olm message was
    decrypted at once.)"""
    now = [datetime(2026, 11, 28, 9, 0, tzinfo=UTC)]
    budget = DecryptBudget(lambda: now[0], Limits(olm_per_stranger=2, olm_strangers=3))
    await budget.learn(["@eva:x", "@karl:x"], _known)
    assert budget.held_due()  # the first sync reads what an earlier process held
    other = nio.UnknownToDeviceEvent({"sender": "@m:x"}, "@m:x", "m.dummy")
    first = [_olm("@m:x", n) for n in range(4)]
    admission = budget.admit([*first, other])
    assert (admission.events, admission.held) == ([first[0], first[1], other], first[2:])
    budget.holding = {"@m:x"}  # as held_olm.take reads it back
    assert budget.spend("@m:x") == ALL  # their room key waits for the next hour
    flood = [_olm(f"@s{n}:x", 0) for n in range(4)]
    known = [_olm("@eva:x", 0), _olm("@karl:x", 0)] * 5
    admission = budget.admit([*flood, *known])
    assert (admission.events, admission.held) == ([flood[0], *known], flood[1:])
    # Within the hour nothing held is tried again.
    assert not budget.held_due()
    ran_out, stopped = budget.notices_due()
    assert ran_out == [(Standing.STRANGER, 3)]
    assert stopped == [(Standing.STRANGER, "@m:x", 2)]
    # The next hour: the held ones first, oldest first, within its budget.
    now[0] += timedelta(hours=1)
    assert budget.held_due()
    waiting = [Held(n, event) for n, event in enumerate([first[2], first[3], *flood[1:]])]
    late = _olm("@s9:x", 0)
    admission = budget.admit([late], waiting)
    assert admission.events == [first[2], first[3], flood[1]]
    assert admission.released == [0, 1, 2]  # flood[2:] stay held, behind them the late one
    assert admission.held == [late]
    budget.holding = {"@s2:x", "@s3:x", "@s9:x"}
    assert budget.spend("@m:x") is None  # their key is there now
    assert budget.spend("@s9:x") == ALL  # held in turn


async def test_someone_known_whose_budget_is_spent_is_asked_again_each_time():
    """Where someone known stands is kept for a while - but not once their budget is
    spent: a request sent a moment ago puts them with running help at once."""
    now = [datetime(2026, 11, 28, 9, 0, tzinfo=UTC)]
    budget = DecryptBudget(lambda: now[0], Limits(per_known=1))
    standing = {"@karl:x": Standing.KNOWN}
    asked: list[str] = []

    async def ask(sender: str) -> Standing:
        asked.append(sender)
        return standing[sender]

    await budget.learn(["@karl:x"], ask)
    assert budget.spend("@karl:x") is None
    await budget.learn(["@karl:x"], ask)
    assert budget.spend("@karl:x") == OWN
    standing["@karl:x"] = Standing.RUNNING  # he sent a request
    await budget.learn(["@karl:x"], ask)
    assert budget.spend("@karl:x") is None
    await budget.learn(["@karl:x"], ask)  # running help: kept
    assert asked == ["@karl:x"] * 3


async def test_known_peoples_answers_leave_those_of_running_help():
    """Being told when to write again costs work too, so it has a budget an hour - but each
    group its own, as the decryptions: known people (one tap makes an account known) who
    used up theirs must not leave someone with help under way unanswered."""
    now = [datetime(2026, 11, 28, 9, 40, tzinfo=UTC)]
    budget = DecryptBudget(lambda: now[0])
    known = [f"@k{n}:x" for n in range(Limits().answers)]

    async def ask(sender: str) -> Standing:
        return Standing.RUNNING if sender == "@eva:x" else Standing.KNOWN

    await budget.learn([*known, "@eva:x"], ask)
    assert all(budget.may_answer(sender) for sender in known)
    assert budget.may_answer("@eva:x")


async def test_the_answers_and_the_person_notices_an_hour_are_the_limits_given():
    """How many people a group are told when to write again, and how many the coordinators
    hear of by name, are settings (``[matrix] decrypt_answers``, ``decrypt_person_notices``,
    read into Limits): not the defaults (100 and 3) when others are given."""
    now = [datetime(2026, 11, 28, 9, 40, tzinfo=UTC)]
    budget = DecryptBudget(lambda: now[0], Limits(per_stranger=1, answers=2, person_notices=1))
    strangers = [f"@s{n}:x" for n in range(4)]
    assert [budget.may_answer(sender) for sender in strangers] == [True, True, False, False]
    for sender in strangers:
        assert budget.spend(sender) is None
        assert budget.spend(sender) == OWN
    _, stopped = budget.notices_due()
    assert stopped == [(Standing.STRANGER, "@s0:x", 1)]
    now[0] += timedelta(hours=1)
    budget.limits = Limits(answers=0)
    assert not budget.may_answer("@s0:x")  # nobody is told


def test_dropped_held_messages_are_told_once_in_each_hour_that_drops_any():
    """The coordinators' notice of held Olm messages dropped (strangers_work.py
    DROPPED_NOTICE) is due at an hour's first drop, with the count so far; not again in
    that hour however many more are dropped; again in the next hour that drops any, with
    that hour's count; never in an hour without drops (docs/matrix.md says why once an
    hour)."""
    now = [datetime(2026, 11, 28, 9, 5, tzinfo=UTC)]
    budget = DecryptBudget(lambda: now[0], Limits())
    assert budget.dropped_due() == 0
    budget.note_dropped(3)
    assert budget.dropped_due() == 3
    budget.note_dropped(40)
    now[0] += timedelta(minutes=50)
    budget.note_dropped(5)
    assert budget.dropped_due() == 0  # told at 9:05 until 10:00
    now[0] += timedelta(minutes=10)  # 10:05, nothing dropped yet
    assert budget.dropped_due() == 0
    budget.note_dropped(2)
    assert budget.dropped_due() == 2  # the flood goes on: told again, this hour's count
    now[0] += timedelta(hours=1)
    assert budget.dropped_due() == 0
