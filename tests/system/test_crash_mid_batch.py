"""Crash mid-batch on PostgreSQL: the bot as a real process (``python -m bot run`` polling
the fake Bot API) handles one batch of four residents' updates, two chats at a time
(bot/transports/telegram_polling.py, db/postgres.py ``updates_at_once``), and is SIGKILLed
while two chats' updates are in flight - Anna's first waits for her lock (another process
holds it), Dana's answer is being sent - Boris's and Cem's are done, and Anna's second has
not begun; then started again.

The fake server keeps an update until the bot confirms it (the next getUpdates offset), as
Telegram does: the whole batch comes again, the updates handled before the kill are
answered from what was kept (or not at all, once sent), the rest anew. Afterwards every
update was answered, none twice but the send the kill cut off in mid-request (the Bot API
offers no way to know whether it arrived: tests/system/test_crash.py allows the same), and
each chat's answers came in the order of its updates. Were the batch confirmed before all
its updates were handled, Anna's would be lost; were it handled one update at a time,
Boris's would wait behind Anna's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import psycopg
import pytest

from db import Database
from db.postgres import PERSON_CLASS, person_lock
from tests.support.crash_story import GROUP, BotProcess
from tests.support.fake_telegram import Call, FakeTelegram
from tests.support.forked_bot import launch_forked

ANNA, BORIS, CEM, DANA = 4001, 4002, 4003, 4004
# A hang detector, not a speed bound (a start has taken over 30 s on a busy machine).
GUARD = 180.0

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


async def residents(url: str) -> None:
    """Four residents who already chose German and agreed."""
    db = await Database.open(url)
    try:
        for person in (ANNA, BORIS, CEM, DANA):
            user = await db.users.seen("telegram", str(person), str(person), f"P{person}")
            await db.users.set_language(user.id, "de")
            await db.users.record_consent(user.id)
    finally:
        await db.close()


async def until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    """Until the (async) ``condition`` holds; fails after GUARD seconds, naming ``what``."""
    deadline = time.monotonic() + GUARD
    while not await condition():
        assert time.monotonic() < deadline, f"{what}: not within {GUARD} s"
        await asyncio.sleep(0.1)


def answers(fake: FakeTelegram, person: int) -> list[str]:
    return [call.text for call in fake.calls_to("sendMessage", chat_id=person)]


async def test_a_batch_cut_off_by_a_kill_is_answered_once_each_chat_in_order(
    tmp_path, fake_telegram: FakeTelegram, database_url: str
):
    fake = fake_telegram
    await residents(database_url)
    settings = (
        f'[bot]\ndatabase = "{database_url}"\nlog_level = "WARNING"\n'
        f'[telegram]\napi_base_url = "{fake.url}"\npoll_timeout = 1\n'
        f'[help]\ntelegram_backchannel = "{GROUP}"\n'
    )
    bot = BotProcess(tmp_path, fake, settings=settings, launch=launch_forked)
    # Dana's first answer waits at the server until the kill: the bot is in the middle of
    # sending it (the server takes it, unanswered, only after the kill).
    dana_sending = asyncio.Event()
    killed = asyncio.Event()

    async def hold(call: Call) -> None:
        to_dana = call.method == "sendMessage" and str(call.params.get("chat_id")) == str(DANA)
        if to_dana and not dana_sending.is_set():
            dana_sending.set()
            await killed.wait()

    fake.hold = hold
    # One batch: all wait before the bot's first getUpdates. The lanes taken first are
    # Anna's and Boris's; while Anna's first update waits for her lock, Boris's, Cem's and
    # Dana's follow in the other lane, and Anna's second waits behind her first.
    fake.send_text(ANNA, "/help")
    boris, cem = fake.send_text(BORIS, "/help"), fake.send_text(CEM, "/privacy")
    fake.send_text(ANNA, "/privacy")
    fake.send_text(DANA, "/help")
    anna_lock = person_lock(None, f"telegram:{ANNA}")
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as other:

        async def anna_waits() -> bool:
            cursor = await other.execute(
                "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND classid = %s AND objid::int = %s",
                (PERSON_CLASS, anna_lock[1]),
            )
            return await cursor.fetchone() is not None

        async def boris_and_cem_answered() -> bool:
            cursor = await other.execute(
                "SELECT count(*) FROM processed_updates WHERE platform = 'telegram'"
                " AND update_id IN (%s, %s) AND answered_at IS NOT NULL",
                (str(boris), str(cem)),
            )
            row = await cursor.fetchone()
            return row is not None and row[0] == 2

        async def dana_being_sent() -> bool:
            return dana_sending.is_set()

        # Another process is handling an update of Anna's: her lock is taken.
        await other.execute("BEGIN")
        await other.execute("SELECT pg_advisory_xact_lock(%s, %s)", anna_lock)
        try:
            await bot.start()
            await until(anna_waits, "Anna's first update waiting for her lock")
            await until(boris_and_cem_answered, "Boris and Cem answered")
            await until(dana_being_sent, "Dana's answer on its way")
            bot.kill()
            killed.set()
            await other.execute("ROLLBACK")
            await bot.start()
            # What the commands answer, from the chats the kill did not touch.
            help_text, privacy_text = answers(fake, BORIS)[0], answers(fake, CEM)[0]
            await fake.wait_for(
                "sendMessage", lambda c: c.text == privacy_text, chat_id=ANNA, timeout=GUARD
            )

            async def all_confirmed() -> bool:
                return not fake.unconfirmed()

            await until(all_confirmed, "the batch confirmed")
            await fake.settle(quiet=1.0, timeout=30)
        finally:
            killed.set()
            bot.stop()
    # Each update answered once; Dana's twice at most: the kill cut its send off.
    assert answers(fake, ANNA) == [help_text, privacy_text]
    assert answers(fake, BORIS) == [help_text]
    assert answers(fake, CEM) == [privacy_text]
    assert answers(fake, DANA) in ([help_text], [help_text] * 2)
