"""Replica fault test: three real bot processes on one PostgreSQL database, in webhook
mode behind a load balancer (the fake Bot API posts each update to the next process in
turn, and again to another when one does not answer 200), playing the crash test's story.

One process is SIGKILLed at several points and restarted; another is stopped for good
mid-story. Every step completes, nothing is lost, nothing is delivered twice except a
send a kill cut off in mid-request (flagged in doubt, as in tests/system/test_crash.py), the
reminder is sent once (whichever process holds the scheduler role), and `db check` passes.
"""

from __future__ import annotations

import pytest

from bot.delivery import SEND_SECONDS
from db.outbox import LEASE_MARGIN_SECONDS
from tests.support.crash_story import (
    CORA,
    RESIDENT,
    SECRET,
    VERA,
    VLAD,
    check_story,
    kill_and_restart,
    play_story,
    replica,
    seed_story,
    until_outbox_empty,
)
from tests.support.fake_telegram import FakeTelegram, LoadBalancedWebhook
from tests.support.forked_bot import Zygote

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


async def test_three_replicas_survive_kills_and_a_lost_member(
    tmp_path, fake_telegram: FakeTelegram, database_url: str
):
    fake = fake_telegram
    fake.names.update({RESIDENT: "Amira", VERA: "Vera", VLAD: "Vlad", CORA: "Cora"})
    await seed_story(database_url)  # type: ignore[arg-type]
    # Each of the 16 starts (three members, the flaky one's 13 restarts) a process of its
    # own, forked from one that imported the bot once (two thirds of a start's CPU time
    # were its imports).
    zygote = Zygote()
    # Reminder rounds every few seconds instead of every minute: whichever member holds the
    # scheduler sends the reminder soon after it falls due, not up to a minute later.
    rounds = {"NACHBARBOT_EVENTS__REMINDER_ROUND_SECONDS": "3"}
    members = [
        replica(tmp_path, n, database_url, fake, env=rounds, launch=zygote.launch) for n in "abc"
    ]
    replicas = [bot for bot, _ in members]
    flaky, leaving, _steady = replicas  # the third runs throughout
    balancer = LoadBalancedWebhook(fake, [target for _, target in members], secret=SECRET)
    kill_plan = iter([0.0, 0.05, 0.2, "after"] * 3)

    async def step(send, expect) -> None:
        """Inject an update; while kills are planned, kill the flaky member while it
        handles it or after, and restart it; expect."""
        mark = len(fake.calls)
        send()
        when = next(kill_plan, None)
        if when is not None:
            await kill_and_restart(flaky, when, expect, mark)
        await expect(mark)

    try:
        # Started inside the try: a member that fails to start leaves none running.
        for bot in replicas:
            await bot.start()
        balancer.start()
        # One member leaves for good once the request is posted (an upgrade that never
        # came back, a machine gone).
        request_id, relayed = await play_story(
            fake, step, messages=6, timeout=45, after_posting=leaving.stop
        )
        # The reminder falls due within a minute of seeding (a round during the story may
        # have sent it); the scheduler's holder may be the one that is killed now.
        flaky.kill()
        await flaky.start()
        await fake.wait_for(
            "sendMessage", lambda c: "Nachbarschaftscafé" in c.text, chat_id=RESIDENT, timeout=150
        )
        # That kill may cut off a send under way (a message committed with the last step's
        # reply): no member takes it over before its lease is over, SEND_SECONDS and
        # LEASE_MARGIN_SECONDS after it began (db/outbox.py), and the taker's send has a
        # lease of its own - the reminder may well come before that.
        await until_outbox_empty(database_url, within=2 * (SEND_SECONDS + LEASE_MARGIN_SECONDS))
        await fake.settle(quiet=3.0, timeout=30)
    finally:
        await balancer.stop()
        for bot in replicas:
            bot.stop()
        zygote.close()
    assert flaky.kills >= 10

    await check_story(fake, database_url, request_id, relayed)
