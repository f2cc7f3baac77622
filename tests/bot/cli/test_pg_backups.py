"""bot/cli/pg_backups.py where a dump cannot be written: ``db restore`` on PostgreSQL first
dumps the database as it was beside the backup, and a backup on a medium mounted read-only
made that dump fail - the refusal was then lost to a traceback from removing the dump's
temporary file, which could not be removed either. The whole paths are in
test_backup_restore_postgresql.py."""

from __future__ import annotations

import pytest

from bot.cli.pg_backups import Refused, _dump


def test_a_dump_that_cannot_be_written_is_refused_in_a_line(tmp_path):
    target = tmp_path / "b.dump.before-restore-2026-11-28T034538Z.dump"
    # Its temporary file cannot be written, nor removed (a folder by that name stands for a
    # read-only folder: root, running the tests, writes into any other).
    (tmp_path / f".{target.name}.partial").mkdir()
    with pytest.raises(Refused, match="pg_dump failed"):
        _dump("postgresql://nobody@127.0.0.1:1/none", target)
    assert not target.exists()
