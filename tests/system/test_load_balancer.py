"""The fake Bot API's load balancer (tests/support/fake_telegram.py) stops when told, even
while the bots keep calling the fake: bench/cluster_bench.py once waited forever for it."""

from __future__ import annotations

import asyncio

from tests.support.fake_telegram import FakeTelegram, LoadBalancedWebhook


async def test_the_load_balancer_stops_while_calls_keep_coming(fake_telegram: FakeTelegram):
    # No process behind it: its connections only wait for updates, woken by every call.
    balancer = LoadBalancedWebhook(fake_telegram, ["http://127.0.0.1:9/telegram"], parallel=12)
    balancer.start()
    stopping = None
    for n in range(200):
        # A call to the fake wakes every waiting connection; the stop comes right after
        # one, as the bots' last answers arrive while a benchmark stops the balancer. A
        # cancel that came just as a wait ended used to be lost, and that connection ran on.
        await fake_telegram._notify()
        await asyncio.sleep(0)
        if n == 100:
            stopping = asyncio.create_task(balancer.stop())
        await asyncio.sleep(0.001)
    assert stopping is not None
    # Only a bound for a stop that never comes (it comes at once, or never).
    await asyncio.wait_for(stopping, 60)
    assert all(task.done() for task in balancer._tasks)
