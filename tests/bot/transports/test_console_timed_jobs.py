"""The console demo keeps the times it promises (issue 100, point 6): it runs the city's
timed jobs as ``run`` does (bot/timed_jobs.py). A request the flood rule held until a moment
now past goes on to review while the console waits for its next line: the requester is
told, the group gets it for review. A real console process fed through a pipe left open.
Failed before: the console ran no jobs, and the held request stayed held for ever."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from db import Database
from db.clock import to_text
from db.request_states import REVIEW
from handlers.helping import posting_limits
from tests.support.cli import ROOT, run_bot, stop_bot, wait_in_log


async def test_a_held_request_goes_on_at_its_time_while_the_console_waits(tmp_path):
    database = tmp_path / "console.sqlite3"
    assert run_bot("console", database=database, input="").returncode == 0  # made, migrated
    db = await Database.open(database)
    try:
        amira = await db.users.seen("console", "amira", "amira", "Amira")
        await db.users.set_language(amira.id, "en")
        past = to_text(datetime.now(UTC) - timedelta(minutes=1))
        held = await db.requests.create(
            amira.id,
            amira.id,
            held=(posting_limits.FLOOD, past),
            category="shopping",
            description="Please help me carry the shopping upstairs",
        )
    finally:
        await db.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
    env["NACHBARBOT_BOT__DATABASE"] = str(database)
    log = tmp_path / "console.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "console", "--user", "cora"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        # Nothing typed: the held requests' job sends it on and the console prints it.
        await wait_in_log(process, log, f"[amira] ▶️ Your request #{held.id}", within=120)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        await stop_bot(process)
    db = await Database.open(database)
    try:
        assert (await db.requests.get(held.id)).state == REVIEW
    finally:
        await db.close()
