"""The PostgreSQL server goes away under a running bot (issue 99, point 6c): a restart, a
machine gone, a failover. The bot - a real ``python -m bot run`` polling the fake Bot API
server - says so in one line, naming libpq's reason and what comes next, not a psycopg
traceback every delivery round; it keeps running, and once the server is there again it
says so and answers again. Its own server, stopped as a machine goes down (``pg_ctl stop
-m immediate``) and started again on the same data."""

from __future__ import annotations

import subprocess

from db.postgres import Outage
from tests.support.cli import wait_in_log
from tests.support.crash_story import BotProcess
from tests.support.fake_telegram import FakeTelegram
from tests.support.postgres_server import PostgresServer, find_binary

RESIDENT = 1001
GONE = Outage.GONE.split(" (", 1)[0]  # "database: … does not answer"
# The cluster's lock loop tries every 2 s while the server is gone: so many tries are
# several delivery rounds too.
TRIES = "cluster: cannot take the process lock"


def _machine_down(server: PostgresServer) -> None:
    """The server stops at once, its data kept (``PostgresServer.stop`` removes it)."""
    data = str(server.folder / "data")
    stop = server._command(find_binary("pg_ctl"), "-D", data, "-m", "immediate", "stop")
    subprocess.run(stop, check=True, capture_output=True, timeout=60)


async def test_a_bot_whose_database_goes_says_it_once_and_goes_on_when_it_is_back(
    tmp_path, fake_telegram: FakeTelegram
):
    fake = fake_telegram
    server = PostgresServer()
    server.start()
    bot = None
    try:
        server.admin("CREATE DATABASE nachbarbot")
        settings = (
            f'[bot]\ndatabase = "{server.url("nachbarbot")}"\nlog_level = "WARNING"\n'
            f'[telegram]\napi_base_url = "{fake.url}"\npoll_timeout = 1\n'
        )
        bot = BotProcess(tmp_path, fake, settings=settings)
        await bot.start()
        assert bot.process is not None
        mark = len(fake.calls)
        fake.send_text(RESIDENT, "/start")
        await fake.wait_for("sendMessage", chat_id=RESIDENT, after=mark)

        _machine_down(server)
        await wait_in_log(bot.process, bot.log, GONE, within=120)
        await wait_in_log(bot.process, bot.log, TRIES, before=4, within=120)
        log = bot.log.read_text()
        assert log.count(GONE) == 1, log[-3000:]
        assert "Traceback" not in log, log[-3000:]
        said = next(line for line in log.splitlines() if GONE in line)
        assert "target_session_attrs=read-write" in said and "closed the connection" in said

        server._launch()  # the same server, started again
        await wait_in_log(bot.process, bot.log, Outage.BACK, within=120)
        mark = len(fake.calls)
        fake.send_text(RESIDENT, "/start")
        await fake.wait_for("sendMessage", chat_id=RESIDENT, after=mark, timeout=60)
        log = bot.log.read_text()
        assert "Traceback" not in log, log[-3000:]
    finally:
        if bot is not None:
            bot.stop()
        server.stop()
