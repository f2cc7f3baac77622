"""A PostgreSQL standby and a failover, as docs/postgresql.md ("What is made highly
available") describes them (issue 78, point 6), through the real ``python -m bot`` against
two clusters the test starts on 127.0.0.1:

- the primary, with synchronous replication (``synchronous_standby_names = '*'``,
  ``synchronous_commit = remote_apply``): a commit returns once the standby has applied it;
- the standby, ``pg_basebackup -R`` of the running primary;
- a bot pointed at the standby refuses with "this server is a standby" and exit code 1,
  no traceback, whatever the command;
- the multi-host URL ``postgresql://…@standby,primary/…?target_session_attrs=read-write``
  skips the standby while the primary runs; after the primary is stopped (``pg_ctl stop -m
  immediate``, as a machine going down) and the standby promoted, the same URL finds the
  promoted server, with every committed row, and the bot writes there.
"""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg

from db import Database
from tests.support.cli import run_bot
from tests.support.postgres_server import PostgresServer
from tests.support.postgres_standby import Standby

STANDBY = "this server is a standby"


def _query(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return [tuple(row) for row in conn.execute(sql.encode()).fetchall()]


async def _seen(url: str, who: str) -> None:
    """A resident who wrote to the bot (committed through the bot's own store)."""
    db = await Database.open(url, min_size=1, max_size=1)
    try:
        await db.users.seen("telegram", who, who, who)
    finally:
        await db.close()


async def _synchronous(url: str) -> None:
    """Until the primary at ``url`` has a standby it waits for (a guard against a hang,
    never a measure)."""
    for _ in range(3000):
        if _query(url, "SELECT 1 FROM pg_stat_replication WHERE sync_state = 'sync'"):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the standby never became synchronous")


def _coordinators(url: str) -> list[tuple[Any, ...]]:
    return _query(
        url,
        "SELECT u.platform_user_id FROM user_roles r JOIN users u ON u.id = r.user_id"
        " WHERE r.role = 'coordinator' ORDER BY 1",
    )


async def test_a_standby_is_refused_and_the_multi_host_url_finds_the_promoted_server():
    primary = PostgresServer(settings="-c synchronous_commit=remote_apply")
    standby = Standby(primary)
    primary.start()
    try:
        primary.admin("CREATE DATABASE nachbarbot")
        migrated = run_bot("db", "migrate", database=primary.url("nachbarbot"))
        assert migrated.returncode == 0, migrated.stderr
        await _seen(primary.url("nachbarbot"), "early")
        standby.start()
        # Only now: the standby's copy must not wait for a standby of its own once promoted.
        primary.admin("ALTER SYSTEM SET synchronous_standby_names = '*'")
        primary.admin("SELECT pg_reload_conf()")
        # A commit waits for the standby only once the primary counts it as synchronous
        # (after the reload and the standby's connection, in no promised order): until then
        # "later" could be acknowledged before the standby had it.
        await _synchronous(primary.url("postgres"))
        both = (
            f"postgresql://nachbarbot@127.0.0.1:{standby.port},127.0.0.1:{primary.port}"
            "/nachbarbot?target_session_attrs=read-write"
        )
        # Through the multi-host URL, standby first: written on the primary, and the commit
        # returned once the standby had applied it.
        await _seen(both, "later")

        on_standby = standby.url("nachbarbot")
        before = _query(on_standby, "SELECT platform_user_id FROM users ORDER BY 1")
        assert before == [("early",), ("later",)]
        for command in (
            ("db", "check"),
            ("db", "migrate"),
            ("roles", "grant", "telegram:later", "coordinator"),
        ):
            refused = run_bot(*command, database=on_standby)
            assert refused.returncode == 1, (command, refused.stdout, refused.stderr)
            assert STANDBY in refused.stderr and f"127.0.0.1:{standby.port}" in refused.stderr
            assert "Traceback" not in refused.stderr, refused.stderr
        assert _coordinators(on_standby) == []

        checked = run_bot("db", "check", database=both)
        assert checked.returncode == 0, checked.stderr

        primary.stop()  # the primary's machine goes down
        standby.promote()
        granted = run_bot("roles", "grant", "telegram:later", "coordinator", database=both)
        assert granted.returncode == 0, granted.stderr
        checked = run_bot("db", "check", database=both)
        assert checked.returncode == 0, checked.stderr
        assert _query(on_standby, "SELECT platform_user_id FROM users ORDER BY 1") == before
        assert _coordinators(on_standby) == [("later",)]
    finally:
        standby.stop()
        primary.stop()
