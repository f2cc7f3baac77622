"""The parsed volunteers kept in memory (db/volunteers.py ``_PARSED``, the LRU of up to
20,000 profiles the searches and the desk's matching hints read) hold personal data - where
a volunteer is, their kinds of help and languages - and keep nothing of a person the
database no longer has (issue 77 leftovers, point 3): the erasure, through its owner
(``DataRights.erase``, which /delete, the desk and the inactive accounts' erasure all call),
drops the person's profiles, and a changed profile drops the one of before. Another process
on the same database is told nothing: there a profile nobody reads goes within two turns."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

import pytest

from db import Database, volunteers
from tests.support.help_story import register_volunteer
from tests.support.memory_transport import MemoryTransport, button_data


@pytest.fixture(autouse=True)
def cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache of this test alone (it is the process's: other tests' people are in it)."""
    monkeypatch.setattr(volunteers, "_PARSED", OrderedDict())
    monkeypatch.setattr(volunteers, "_UNREAD", {})
    monkeypatch.setattr(volunteers, "_turned", [time.monotonic()])


def _kept_of(user_id: int) -> list[Any]:
    """The parsed profiles of ``user_id`` the cache keeps, read lately or not."""
    kept = [*volunteers._PARSED.values(), *volunteers._UNREAD.values()]
    return [v for v in kept if v.user_id == user_id]


async def _searched(db: Database) -> list[int]:
    """A search as the offers and the desk's hints make it: whom it serves."""
    found = await db.volunteers.candidates("shopping", None, require_verified=False)
    by_kind = await db.volunteers.candidates_by_kind(["shopping"], require_verified=False)
    return [v.user_id for v in [*found, *by_kind["shopping"]]]


async def test_an_erased_volunteer_is_neither_served_nor_kept(story: MemoryTransport, db: Database):
    vera = await register_volunteer(story, db, "vera")
    vlad = await register_volunteer(story, db, "vlad")
    assert vera in await _searched(db)
    assert _kept_of(vera) and _kept_of(vlad)

    out = await story.press("vera", "settings:delete")
    assert "delete:yes" in button_data(out)
    await story.press("vera", "delete:yes")
    assert await db.volunteers.get(vera) is None

    assert not _kept_of(vera)
    assert vera not in await _searched(db)
    assert not _kept_of(vera)
    # The others' stay: the cache is still one.
    assert _kept_of(vlad)


async def test_a_changed_profile_leaves_only_the_new_one_in_memory(
    story: MemoryTransport, db: Database
):
    vera = await register_volunteer(story, db, "vera")
    await _searched(db)
    [before] = _kept_of(vera)
    await db.volunteers.save(vera, languages=("ar", "tr"))
    assert not _kept_of(vera)
    await _searched(db)
    [after] = _kept_of(vera)
    assert after.languages == ("ar", "tr") and before.languages != after.languages
    await db.volunteers.set_paused(vera, True)
    assert not _kept_of(vera)


async def test_a_profile_gone_in_another_process_leaves_this_ones_memory_within_two_turns(
    story: MemoryTransport, db: Database
):
    vera = await register_volunteer(story, db, "vera")
    vlad = await register_volunteer(story, db, "vlad")
    await _searched(db)
    # Vera's row goes in another process: its erasure tells this process nothing.
    await db.execute("DELETE FROM volunteers WHERE user_id = ?", (vera,))
    assert vera not in await _searched(db)
    for turn in (1, 2):
        volunteers._turned[0] -= volunteers.PARSED_TURN_SECONDS
        assert vlad in await _searched(db)
        assert bool(_kept_of(vera)) == (turn == 1), turn
    # The profiles read meanwhile stay, parsed once.
    [kept] = _kept_of(vlad)
    assert any(v is kept for v in await db.volunteers.candidates("shopping", None, False))
