"""Crash test: the bot as a real process, killed with SIGKILL at 20 points of a story (each
start a new process, forked from one that imported the bot once: tests/support/forked_bot.py).

The fake Telegram server keeps an update until the bot acknowledges it (the next
getUpdates offset), like Telegram: an update whose handling was cut short comes again after
the restart. Afterwards no request, decision, relayed message or reminder is lost, none is
delivered twice, and the database invariants hold.

Run alone: ``.venv/bin/python -m pytest tests/system/test_crash.py tests/system/test_outage.py``.
"""

from __future__ import annotations

from tests.support.crash_story import (
    CORA,
    RESIDENT,
    VERA,
    VLAD,
    BotProcess,
    check_story,
    kill_and_restart,
    play_story,
    seed_story,
    until_reminder_due,
)
from tests.support.fake_telegram import FakeTelegram
from tests.support.forked_bot import Zygote


async def test_story_survives_twenty_kills(tmp_path, fake_telegram: FakeTelegram):
    fake = fake_telegram
    fake.names.update({RESIDENT: "Amira", VERA: "Vera", VLAD: "Vlad", CORA: "Cora"})
    await seed_story(tmp_path / "bot.sqlite3")
    # Each of the 21 starts a process of its own, forked from one that imported the bot
    # once (two thirds of a start's CPU time were its imports).
    with Zygote() as zygote:
        bot = BotProcess(tmp_path, fake, launch=zygote.launch)
        await bot.start()
        kill_plan = iter([0.0, 0.02, 0.08, 0.25, "after"] * 4)

        async def step(send, expect) -> None:
            """Inject an update; kill the bot while it handles it or after; restart; expect."""
            mark = len(fake.calls)
            send()
            await kill_and_restart(bot, next(kill_plan), expect, mark)
            await expect(mark)

        request_id, relayed = await play_story(fake, step, messages=8)
        # The reminder falls due within a minute of seeding (a round during the story may have
        # sent it); one more kill on the way, once it is due: the restarted bot's first round
        # has it, instead of the round a minute after its start when the story ended earlier.
        await until_reminder_due(tmp_path / "bot.sqlite3")
        bot.kill()
        await bot.start()
        await fake.wait_for(
            "sendMessage", lambda c: "Nachbarschaftscafé" in c.text, chat_id=RESIDENT, timeout=150
        )
        await fake.settle(quiet=2.0, timeout=20)
        bot.stop()
    assert bot.kills >= 20

    await check_story(fake, tmp_path / "bot.sqlite3", request_id, relayed)
