"""db/postgres.py where the server cannot be reached: the pool's wait ends in one error
that names the server (never its password) and libpq's reason, and the commands say it as
every database error (tests/bot/cli/test_operator_slips.py)."""

from __future__ import annotations

import pytest

from db import Database, MigrationError, postgres
from tests.support.ports import free_port


async def test_a_server_that_is_down_is_named_with_its_reason(monkeypatch):
    monkeypatch.setattr(postgres, "OPEN_SECONDS", 0.5)
    url = f"postgresql://nachbarbot:s3cret@127.0.0.1:{free_port()}/nachbarbot"
    with pytest.raises(MigrationError) as refused:
        await Database.open(url)
    said = str(refused.value)
    assert isinstance(refused.value, postgres.ServerUnreachable)
    assert "s3cret" not in said and "127.0.0.1" in said
    assert "cannot be reached: " in said and "Connection refused" in said
    assert said.endswith("nothing was changed")
