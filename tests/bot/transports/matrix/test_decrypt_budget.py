"""The hour's counts of the work on strangers' encrypted events
(bot/transports/matrix/decrypt_budget.py), on a clock the test moves: the events the Synapse
tests cannot wait for (an hour ending)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.transports.matrix import decrypt_budget
from bot.transports.matrix.decrypt_budget import ALL, OWN, DecryptBudget


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
