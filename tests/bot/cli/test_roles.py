"""``roles grant|revoke`` as an operator runs them (docs/operations.md): the command says
what it changed - and that it changed nothing, when the person already had (or never had)
the role - and taking the volunteer role ends the volunteering the way the volunteer's own
"stop volunteering" does, so ``db check`` finds no profile left without its role."""

from __future__ import annotations

from db import Database
from tests.support.cli import run_bot
from tests.support.helping_people import person


async def _roles_of(path, name: str) -> frozenset[str]:
    db = await Database.open(path)
    try:
        return (await db.users.find("console", name)).roles
    finally:
        await db.close()


async def test_revoking_the_volunteer_role_ends_the_profile_too(tmp_path):
    path = tmp_path / "nachbarbot.sqlite3"
    db = await Database.open(path)
    vera = await person(db, "vera")
    await db.users.grant_role(vera.id, "volunteer")
    await db.volunteers.save(vera.id, categories=("shopping",), stadtbezirke=("Innenstadt-Nord",))
    await db.close()

    taken = run_bot("roles", "revoke", "console:vera", "volunteer", database=path)
    assert taken.returncode == 0, taken.stderr
    assert "volunteer" not in await _roles_of(path, "vera")
    db = await Database.open(path)
    try:
        assert await db.volunteers.get(vera.id) is None
    finally:
        await db.close()
    check = run_bot("db", "check", database=path)
    assert check.returncode == 0, check.stdout + check.stderr


async def test_a_role_change_that_changes_nothing_says_so(tmp_path):
    path = tmp_path / "nachbarbot.sqlite3"
    db = await Database.open(path)
    await person(db, "amira")
    await db.close()

    first = run_bot("roles", "grant", "console:amira", "coordinator", database=path)
    again = run_bot("roles", "grant", "console:amira", "coordinator", database=path)
    never = run_bot("roles", "revoke", "console:amira", "admin", database=path)
    assert first.returncode == again.returncode == never.returncode == 0
    assert "nothing changed" not in first.stdout
    assert "nothing changed" in again.stdout and "nothing changed" in never.stdout
    assert await _roles_of(path, "amira") >= {"coordinator"}
    assert "admin" not in await _roles_of(path, "amira")
