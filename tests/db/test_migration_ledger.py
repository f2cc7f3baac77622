"""db/migration_ledger.py's memory of the migration files' checksums (``checksum``): keyed by
the files it is given and their signatures, it stays bounded however many files, or versions
of one file, a long-lived process reads."""

from __future__ import annotations

import hashlib
import os

from db import migration_ledger
from db.migration_ledger import CHECKSUMS_KEPT, checksum


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_file_written_again_is_one_entry_with_its_new_checksum(tmp_path, monkeypatch):
    monkeypatch.setattr(migration_ledger, "_checksums", {})
    migration = tmp_path / "0001_users.sql"
    for version in range(50):
        text = f"CREATE TABLE users_{version} (id INTEGER);".encode()
        migration.write_bytes(text)
        # A new signature even within the file system's time granularity.
        os.utime(migration, ns=(version * 10**9, version * 10**9))
        assert checksum(migration) == _sha(text)
    assert len(migration_ledger._checksums) == 1


def test_ever_new_files_keep_at_most_the_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(migration_ledger, "_checksums", {})
    first = tmp_path / "m0.sql"
    first.write_text("SELECT 0;")
    checksum(first)
    for number in range(1, CHECKSUMS_KEPT + 100):
        each = tmp_path / f"m{number}.sql"
        each.write_text(f"SELECT {number};")
        assert checksum(each) == _sha(f"SELECT {number};".encode())
        assert len(migration_ledger._checksums) <= CHECKSUMS_KEPT
    # The file read longest ago went first, and is read again (not a stale answer) when asked.
    assert str(first) not in migration_ledger._checksums
    first.write_text("SELECT 'changed';")
    assert checksum(first) == _sha(b"SELECT 'changed';")
