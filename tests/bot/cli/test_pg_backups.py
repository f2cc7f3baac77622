"""bot/cli/pg_backups.py where a dump cannot be written: ``db restore`` on PostgreSQL first
dumps the database as it was beside the backup, and a backup on a medium mounted read-only
made that dump fail - the refusal was then lost to a traceback from removing the dump's
temporary file, which could not be removed either; and a connection still listed as it
closes. The whole paths are in test_backup_restore_postgresql.py."""

from __future__ import annotations

import threading

import psycopg
import pytest

from bot.cli import pg_backups
from bot.cli.pg_backups import Refused, _alone, _dump


def test_a_dump_that_cannot_be_written_is_refused_in_a_line(tmp_path):
    target = tmp_path / "b.dump.before-restore-2026-11-28T034538Z.dump"
    # Its temporary file cannot be written, nor removed (a folder by that name stands for a
    # read-only folder: root, running the tests, writes into any other).
    (tmp_path / f".{target.name}.partial").mkdir()
    with pytest.raises(Refused, match="pg_dump failed"):
        _dump("postgresql://nobody@127.0.0.1:1/none", target)
    assert not target.exists()


def test_a_connection_closing_as_the_restore_looks_is_not_another_client(
    postgres_server, monkeypatch
):
    """The restore's own pg_dump of the database set aside was still listed a moment after
    it exited, and the restore was refused for it (CI): a connection that goes within the
    grace is not another client's; one that stays is refused, by its name."""
    url = postgres_server.new_database()
    try:
        closing = psycopg.connect(url, autocommit=True, application_name="pg_dump")
        closer = threading.Timer(0.5, closing.close)
        closer.start()
        try:
            _alone(url)  # waits for it, without a refusal
        finally:
            closer.join()
        monkeypatch.setattr(pg_backups, "CLOSING_SECONDS", 1.0)  # the refusal sooner
        staying = psycopg.connect(url, autocommit=True, application_name="a running bot")
        with staying, pytest.raises(Refused, match="other connections open: a running bot"):
            _alone(url)
    finally:
        postgres_server.drop(url)
