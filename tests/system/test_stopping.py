"""A bot process stops when asked, whatever its database does: with PostgreSQL frozen (its
processes stopped, so that every query waits for ever), SIGTERM still ends ``python -m bot
run``, within its own deadline; a second signal ends it at once. Three real processes: the
fake Bot API server, a PostgreSQL of the test's own, and the bot in webhook mode (a replica,
as in tests/system/test_replicas.py)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import wait_in_log
from tests.support.crash_story import BotProcess, replica, seed_story
from tests.support.fake_telegram import FakeTelegram
from tests.support.forked_bot import launch_forked
from tests.support.postgres_server import PostgresServer

# Hang detector: the old process never ended at all with its database frozen.
GIVES_UP_AFTER = 180


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL of this test's alone: freezing the worker's shared one would stop the
    other tests."""
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def _started(tmp: Path, server: PostgresServer, fake: FakeTelegram) -> BotProcess:
    await server.create_template()
    url = server.new_database()
    await seed_story(url)  # type: ignore[arg-type]
    bot, _ = replica(tmp, "a", url, fake, launch=launch_forked)
    await bot.start()
    # Up and at work: its roles and its outbox worker query the database now and again.
    await fake.wait_for("setWebhook")
    return bot


async def _ended(process: subprocess.Popen[bytes]) -> int:
    for _ in range(GIVES_UP_AFTER * 10):
        if process.poll() is not None:
            return process.returncode
        await asyncio.sleep(0.1)
    process.kill()
    raise AssertionError("the process did not end after SIGTERM")


async def test_sigterm_ends_the_process_while_its_database_hangs(
    tmp_path, fake_telegram: FakeTelegram, own_postgres: PostgresServer
):
    bot = await _started(tmp_path, own_postgres, fake_telegram)
    assert bot.process is not None
    with own_postgres.frozen():
        bot.process.send_signal(signal.SIGTERM)
        code = await _ended(bot.process)
    log = bot.log.read_text(errors="replace")
    assert code in (0, 70), log[-3000:]


async def test_a_second_signal_ends_it_at_once(
    tmp_path, fake_telegram: FakeTelegram, own_postgres: PostgresServer
):
    bot = await _started(tmp_path, own_postgres, fake_telegram)
    assert bot.process is not None
    with own_postgres.frozen():
        bot.process.send_signal(signal.SIGTERM)
        # The first is being served: the work it waited for is cancelled now.
        await wait_in_log(bot.process, bot.log, "did not end within the grace")
        bot.process.send_signal(signal.SIGTERM)
        code = await _ended(bot.process)
    log = bot.log.read_text(errors="replace")
    assert code == 70, log[-3000:]
    assert "a second stop signal" in log
