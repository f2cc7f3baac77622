"""`db check` and `doctor`: one line per check, exit 1 when something is wrong."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import psycopg

from db import Database
from tests.support.cli import run_bot
from tests.support.fake_telegram import TOKEN, FakeTelegram


def test_db_check_passes_on_a_fresh_database(database_url):
    result = run_bot("db", "check", database=database_url)
    assert result.returncode == 0, result.stdout
    lines = result.stdout.strip().splitlines()
    if not database_url.startswith("postgresql"):
        # The SQLite file was not there: the check says it made it (a lost file would read
        # 'ok' otherwise; test_operator_slips).
        assert lines.pop(0).startswith("WARN  database file - "), lines
    assert len(lines) >= 10 and all(line.startswith("ok") for line in lines)
    assert "ok    schema version" in result.stdout
    assert "ok    no pending reminder for a cancelled event" in result.stdout


def test_db_check_finds_broken_invariants(database_url):
    async def damage() -> None:
        db = await Database.open(database_url)
        user = await db.users.seen("telegram", "1", "1")
        request = await db.requests.create(user.id, user.id, category="shopping")
        # Written behind the stores' backs, as a bug or a crash in the middle might.
        await db.execute(
            "UPDATE help_requests SET volunteer_id = ? WHERE id = ?", (user.id, request.id)
        )
        await db.execute(
            "INSERT INTO outbox (platform, chat_id, payload, created_at, next_attempt_at)"
            " VALUES ('telegram', '', '{}', '2026-01-01', '2026-01-01')"
        )
        await db.close()

    asyncio.run(damage())
    result = run_bot("db", "check", database=database_url)
    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert any("no open or unchecked request with a volunteer" in line for line in failed)
    assert any("no outbox entry without a recipient" in line for line in failed)


def test_db_check_finds_an_identity_sequence_behind_the_ids(postgres_server):
    # Rows restored with their ids, the sequence left where it was: the next insert would
    # fail on a duplicate id (or, worse, edit the wrong message by its id).
    url = postgres_server.new_database()
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO outbox (id, platform, chat_id, payload, created_at,"
                " next_attempt_at) VALUES (40, 'telegram', '1', '{}', 'then', 'then')"
            )
        result = run_bot("db", "check", database=url)
        assert result.returncode == 1
        assert (
            "FAIL  identity sequences ahead of the ids - the next insert would reuse an id"
            " in outbox" in result.stdout
        )
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT setval(pg_get_serial_sequence('outbox', 'id'), 40)")
        assert run_bot("db", "check", database=url).returncode == 0
    finally:
        postgres_server.drop(url)


def test_doctor_and_backup_on_postgresql(postgres_server, tmp_path):
    url = postgres_server.new_database()
    try:
        doctor = run_bot("doctor", database=_with_password(url, "pw-secret"))
        assert doctor.returncode == 0, doctor.stdout
        assert "ok    database collation - C" in doctor.stdout
        assert "ok    foreign keys" in doctor.stdout
        dump = tmp_path / "copy.dump"
        backup = run_bot("db", "backup", str(dump), database=_with_password(url, "pw-secret"))
        assert backup.returncode == 0, backup.stderr
        assert dump.exists() and "nachbarbot:***@" in backup.stdout
        migrate = run_bot("db", "migrate", database=_with_password(url, "pw-secret"))
        assert migrate.returncode == 0
        assert "nachbarbot:***@" in migrate.stdout
        for result in (doctor, backup, migrate):
            assert "pw-secret" not in result.stdout + result.stderr
    finally:
        postgres_server.drop(url)


def _with_password(url: str, password: str) -> str:
    # The test cluster trusts every connection: the password is only carried along.
    return url.replace("nachbarbot@", f"nachbarbot:{password}@")


async def test_doctor_against_the_fake_telegram_server(tmp_path, fake_telegram: FakeTelegram):
    config = tmp_path / "bot.toml"
    config.write_text(
        f'[telegram]\napi_base_url = "{fake_telegram.url}"\n'
        '[help]\ntelegram_backchannel = "-100"\n',
        encoding="utf-8",
    )
    # The caller's NACHBARBOT_* settings left out (run_bot), the token and database given.
    env = {"NACHBARBOT_TELEGRAM__TOKEN": TOKEN}

    def doctor() -> subprocess.CompletedProcess[str]:
        return run_bot("--config", str(config), "doctor", database=tmp_path / "d.sqlite3", env=env)

    result = await asyncio.to_thread(doctor)
    assert "ok    telegram token - @nachbar_bot" in result.stdout
    assert "FAIL  telegram backchannel" in result.stdout and result.returncode == 1
    assert "skip  matrix" in result.stdout
    fake_telegram.admin_in.add("-100")
    result = await asyncio.to_thread(doctor)
    assert "ok    telegram backchannel" in result.stdout
    assert "telegram backchannel topic" not in result.stdout  # none configured
    assert result.returncode == 0, result.stdout

    # A topic for the bot's posts in a group without topics: every post would miss it.
    config.write_text(
        f'[telegram]\napi_base_url = "{fake_telegram.url}"\nbackchannel_topic = 9\n'
        '[help]\ntelegram_backchannel = "-100"\n',
        encoding="utf-8",
    )
    result = await asyncio.to_thread(doctor)
    assert "FAIL  telegram backchannel topic" in result.stdout and result.returncode == 1
    fake_telegram.forums["-100"] = {9}
    result = await asyncio.to_thread(doctor)
    assert "ok    telegram backchannel topic" in result.stdout
    assert result.returncode == 0, result.stdout


async def test_backup_while_running(tmp_path):
    import stat

    db = await Database.open(tmp_path / "live.sqlite3")
    try:
        user = await db.users.seen("telegram", "1", "1", "Ada")
        # Another transaction is open while the copy is taken.
        await db.conn.execute("BEGIN")
        await db.conn.execute(
            "UPDATE users SET first_name = 'Uncommitted' WHERE id = ?", (user.id,)
        )
        copy = tmp_path / "backup.sqlite3"
        result = await asyncio.to_thread(
            run_bot, "db", "backup", str(copy), database=tmp_path / "live.sqlite3"
        )
        assert result.returncode == 0, result.stderr
        await db.conn.execute("ROLLBACK")
    finally:
        await db.close()
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    restored = await Database.open(copy)
    try:
        found = await restored.users.find("telegram", "1")
        assert found is not None and found.first_name == "Ada"
    finally:
        await restored.close()
    again = run_bot("db", "backup", str(copy), database=tmp_path / "live.sqlite3")
    assert again.returncode == 1 and "exists" in again.stderr


def test_doctor_warns_when_new_requests_reach_no_coordinators_chat(tmp_path):
    """An operator with the phone line or SMS alone: no coordinators' group or room, so
    requests wait on the desk (WARN), or reach nobody when the desk is off too (FAIL)."""
    from bot.cli.checks import coordinators_channel_check
    from bot.config import Config, PhoneSection, SmsSection, WebSection

    alone = coordinators_channel_check(
        Config(sms=SmsSection(enabled=True), web=WebSection(port=8765))
    )
    assert alone[1] == "WARN"
    assert "http://127.0.0.1:8765/desk" in alone[2] and "desk-link" in alone[2]
    nobody = coordinators_channel_check(Config(phone=PhoneSection(enabled=True)))
    assert nobody[1] == "FAIL" and "reach nobody" in nobody[2]
    assert coordinators_channel_check(Config())[1] == "skip"

    config = tmp_path / "bot.toml"
    config.write_text(
        '[sms]\nenabled = true\nurl = "http://127.0.0.1:13013/cgi-bin/sendsms"\n'
        "[web]\nport = 8765\n",
        encoding="utf-8",
    )
    result = run_bot(
        "--config",
        str(config),
        "doctor",
        database=tmp_path / "d.sqlite3",
        env={"NACHBARBOT_SMS__INCOMING_SECRET": "s3cret"},
    )
    assert "WARN  coordinators' channel - none set" in result.stdout, result.stdout


def test_doctor_warns_when_requests_without_german_arrive_and_nothing_translates(database_url):
    """Requests from people without German and no translation engine: volunteers who share
    none of their languages cannot read them (issue 63, point 5). Only German ones: the
    engine is simply off. On both backends (the languages are counted in SQL)."""
    database = database_url

    async def ask(languages: tuple[str, ...]) -> None:
        db = await Database.open(database)
        user = await db.users.seen("telegram", "1", "1")
        request = await db.requests.create(
            user.id, user.id, category="shopping", languages=languages
        )
        await db.execute("UPDATE help_requests SET state = 'open' WHERE id = ?", (request.id,))
        await db.close()

    asyncio.run(ask(("de", "ar")))
    result = run_bot("doctor", database=database)
    assert "skip  translation engine - translation.engine not set (off)" in result.stdout, (
        result.stdout
    )
    asyncio.run(ask(("ar",)))
    result = run_bot("doctor", database=database)
    assert "WARN  translation engine - translation.engine not set, while 1 of" in result.stdout, (
        result.stdout
    )


# A process that keeps the SQLite database open (as the bot's connection does, WAL) until
# its input ends; its further arguments are what /proc/PID/cmdline shows doctor.
_HOLD = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA journal_mode=WAL');"
    " c.execute('SELECT count(*) FROM sqlite_master').fetchall(); print('open', flush=True);"
    " sys.stdin.read()"
)


def test_doctor_on_sqlite_names_the_processes_that_hold_the_database(tmp_path):
    """Found in a black-box pass: `doctor` on SQLite said "process nachbarbot vm:PID holds
    call-backs, matrix-sync, polling, scheduler" with its own PID, no bot running. It says
    now that no bot runs, or names each process that has the database open - the one
    running the bot's `run` as the holder of every role."""
    database = tmp_path / "d.sqlite3"
    assert run_bot("db", "migrate", database=database).returncode == 0
    alone = run_bot("doctor", database=database)
    lines = [line for line in alone.stdout.splitlines() if "process" in line]
    assert lines == [
        "ok    bot process - no bot runs on this database: none holds call-backs,"
        " matrix-sync, polling, scheduler"
    ], alone.stdout

    for tail, holds in (((), False), (("-m", "bot", "--config", "x.toml", "run"), True)):
        holder = subprocess.Popen(
            [sys.executable, "-c", _HOLD, str(database), *tail],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "open\n"
            seen = run_bot("doctor", database=database).stdout
        finally:
            assert holder.stdin is not None
            holder.stdin.close()
            holder.wait(timeout=60)
        mine = [
            line for line in seen.splitlines() if line.startswith(f"ok    process {holder.pid} ")
        ]
        assert len(mine) == 1, seen
        assert ("nachbarbot run has the database open - holds call-backs" in mine[0]) == holds
        assert ("no bot runs on this database" in seen) != holds, seen
