"""A restore erases again only the accounts that existed when their erasure happened (issue
99, point 3): a person who erased herself and came back (a new account under the same chat
id, her consent, a language) is in the newest backup with her new account, and a restore of
it keeps her - and says only what it erased. On SQLite and PostgreSQL, as an operator runs
``db backup`` and ``db restore``."""

from __future__ import annotations

import asyncio

import pytest

from db.clock import utcnow
from tests.support.city_databases import add_people, erase_person, open_city, people_names
from tests.support.cli import run_bot
from tests.support.two_cities import unna_alone


async def _a_later_second(erased_at: str) -> None:
    """Until the clock has passed the second the erasure was recorded in: the test's
    person comes back after it (the issue's came back four minutes later)."""
    while utcnow() <= erased_at:
        await asyncio.sleep(0.2)


async def _comes_back(database: str, who: str) -> None:
    """Her new account, her consent and her language, as her first messages leave them."""
    await add_people(database, "unna", [who], main=True)
    db = await open_city(database, "unna", main=True)
    try:
        person = await db.users.find("telegram", who)
        assert person is not None
        await db.users.set_language(person.id, "tr")
        await db.users.record_consent(person.id)
    finally:
        await db.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_a_restore_keeps_a_person_who_came_back(backend, database_url, tmp_path):
    if backend == "postgresql":
        await _emptied(database_url)
    config = unna_alone(tmp_path / "conf", database_url)
    await add_people(database_url, "unna", ["amira", "keeps"], main=True)
    await erase_person(database_url, "unna", "amira", main=True)
    await _a_later_second(utcnow())
    await _comes_back(database_url, "amira")
    backup = tmp_path / ("b.dump" if backend == "postgresql" else "b.sqlite3")
    made = run_bot("--config", str(config), "db", "backup", str(backup))
    assert made.returncode == 0, made.stderr

    restored = await _restore(config, backup, backend, database_url)
    assert restored.returncode == 0, restored.stderr
    assert "erased again: 0 accounts erased since" in restored.stdout
    assert "not erased: 1 accounts made anew after their erasure" in restored.stdout
    assert await people_names(database_url, "unna", main=True) == ["amira", "keeps"]
    db = await open_city(database_url, "unna", main=True)
    try:
        amira = await db.users.find("telegram", "amira")
        assert amira is not None and amira.consent_at and amira.language == "tr"
    finally:
        await db.close()


async def _emptied(url: str) -> None:
    """The test's PostgreSQL database holds no one yet (made from the migrated template)."""
    db = await open_city(url, "unna", main=True)
    try:
        assert await db.fetch_all("SELECT id FROM users") == []
    finally:
        await db.close()


async def _restore(config, backup, backend: str, url: str):
    if backend == "postgresql":
        from tests.bot.cli.test_backup_restore_postgresql import _until_alone

        await asyncio.to_thread(_until_alone, config)
    return run_bot("--config", str(config), "db", "restore", str(backup))
