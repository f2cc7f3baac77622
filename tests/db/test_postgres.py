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


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_an_updates_statements_are_prepared_on_their_connection(database_url: str):
    """The pool's connections prepare what they run often (psycopg's prepare_threshold): the
    statement every update begins with, and its BEGIN, are parsed and planned once per
    connection, not once per update. A statement whose columns come from ``*`` never is: a
    migration adding a column would make its prepared form fail."""
    db = await Database.open(database_url, min_size=1, max_size=1)  # one connection
    try:
        for n in range(postgres.PREPARE_THRESHOLD + 1):
            async with db.transaction():
                arrival = await db.users.arrive(
                    "telegram", "5101", "5101", "Amira", update_id=f"{n}"
                )
            assert await db.users.get(arrival.user.id) == arrival.user  # SELECT users.*
        rows = await db.fetch_all("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in rows]
        assert any(s.startswith("INSERT INTO users") for s in statements), statements
        assert "BEGIN" in statements
        assert not any("users.*" in s for s in statements), statements
    finally:
        await db.close()
