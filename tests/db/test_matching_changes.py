"""The count of writes to what the matching reads (db/matching_changes.py, migration 0048):
the matching reads no table or column that is not counted (of a volunteer's profile, read
whole, it uses no field that is not), every write of a counted one - by another connection,
as the bot's process beside the web's - changes ``Database.matching_version``, and the
writes of every update that the matching does not read (a person seen, an outbox message, a
request's texts, a declined offer, a volunteer's note of when they are free, a profile saved
unchanged) do not.

SQLite only: PostgreSQL counts nothing (its version is None, nothing is kept there)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.clock import to_text
from db.matching_changes import COUNTED, PROFILE_UNUSED
from db.volunteers import Volunteer
from handlers.helping.matching import hint_cache, ranking
from handlers.helping.vocabulary import TALK
from handlers.settings import HandlerSettings

pytestmark = pytest.mark.sqlite_only

# A value another than each column's in the test (where 'other' breaks a CHECK).
OTHER = {"state": "withdrawn"}

NOW = datetime(2026, 11, 25, 10, 5, tzinfo=UTC)


async def _volunteer(db: Database, name: str, **profile: object) -> int:
    user = await db.users.seen("memory", name, name, name.title())
    await db.volunteers.save(
        user.id,
        **{
            "categories": ("shopping", "tech"),
            "stadtbezirke": ("Hörde",),
            "languages": ("de",),
            "talk_shift": (),
            **profile,
        },
    )
    return user.id


async def _city(db: Database) -> tuple[list[int], list[int], int]:
    """Two volunteers (one on a talk shift), two requests, an offer, a taken request: the
    volunteers, the requests, the requester."""
    volunteers = [
        await _volunteer(db, "hanna"),
        await _volunteer(db, "holger", talk_shift=("mon_morning",)),
    ]
    requester = (await db.users.seen("memory", "rita", "rita", "Rita")).id
    requests = []
    for kind in ("shopping", TALK):
        request = await db.requests.create(
            requester, requester, description="Bitte", category=kind, stadtbezirk="Hörde"
        )
        requests.append(request.id)
    await db.volunteers.record_offer(requests[0], volunteers[0], 1, to_text(NOW))
    await db.execute(
        "UPDATE help_requests SET state = 'matched', volunteer_id = ? WHERE id = ?",
        (volunteers[1], requests[1]),
    )
    return volunteers, requests, requester


@contextmanager
def _other(database_url: str) -> Iterator[sqlite3.Connection]:
    """Another process's connection, writing in its own transactions."""
    conn = sqlite3.connect(database_url, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


async def test_the_matching_reads_only_what_is_counted(db: Database):
    await _city(db)
    requests = [await db.requests.get(n) for n in (1, 2)]
    reads: set[tuple[str, str]] = set()

    def watch(action: int, table: str | None, column: str | None, *_: object) -> int:
        if action == sqlite3.SQLITE_READ and table:
            reads.add((table, column or ""))
        return sqlite3.SQLITE_OK

    settings = HandlerSettings(require_verified_volunteers=True)
    searches = [
        ranking.Search(request, reach)
        for request in requests
        if request is not None
        for reach in (ranking.LOCAL, ranking.RELATED_KINDS)
    ]
    searches.append(ranking.Search(searches[-1].request, talk=True))
    await db.transactions.run(lambda conn: conn.set_authorizer(watch))
    try:
        found = await ranking.candidates_of_page(db, settings, searches, NOW)
        await ranking.unchanged_until(db, NOW)
    finally:
        await db.transactions.run(lambda conn: conn.set_authorizer(None))
    # Looked for something, and read the volunteers, their offers and requests.
    assert len(found) == len(searches)
    assert {"volunteers", "users", "help_requests", "request_notifications"} <= {
        table for table, _ in reads
    }
    uncounted = sorted(read for read in reads if not _counted(*read))
    assert not uncounted, f"the matching reads what 0048 does not count: {uncounted}"


def _counted(table: str, column: str) -> bool:
    """Whether the writes to ``table.column`` are counted (no column: its rows, counted as
    they come and go), or it is a profile's field the rules do not use."""
    if table not in COUNTED:
        return False
    return not column or column in COUNTED[table] or (table, column) in _PROFILE_READ


# A profile's columns the rules do not use, read with its row (the test below).
_PROFILE_READ = {("volunteers", column) for column in PROFILE_UNUSED}


async def test_the_matching_uses_only_the_counted_fields_of_a_profile(
    db: Database, monkeypatch: pytest.MonkeyPatch
):
    """SQLite sees a profile's every column read (the row is read whole); which of its
    fields the rules then use is watched here, in every kind of search the desk's hints
    make: its reaches, talk now, the evening and after it, confirmed volunteers and
    certificates required. A field used but not counted would leave kept hints stale."""
    volunteers, requests, _requester = await _city(db)
    await db.volunteers.verify(volunteers[0], volunteers[1])
    await db.volunteers.set_certificate(volunteers[0], "2026-11-01", "2029-10-31")
    settings = HandlerSettings(
        require_verified_volunteers=True, certificate_required_for=frozenset({"shopping"})
    )
    page = [await db.requests.get(n) for n in requests]
    searches = [
        ranking.Search(request, reach, evening=evening, evening_only=only)
        for request in page
        if request is not None
        for reach in (ranking.LOCAL, ranking.WIDER, ranking.RELATED_KINDS)
        for evening, only in ((False, False), (True, False), (True, True))
    ]
    searches += [ranking.Search(search.request, talk=True) for search in searches[::9]]
    used: set[str] = set()
    names = frozenset(f.name for f in fields(Volunteer))
    read = object.__getattribute__

    def watch(self: Volunteer, name: str) -> object:
        if name in names:
            used.add(name)
        return read(self, name)

    monkeypatch.setattr(Volunteer, "__getattribute__", watch)
    for verified in (True, False):
        each = replace(settings, require_verified_volunteers=verified)
        await ranking.candidates_of_page(db, each, searches, NOW)
        await hint_cache.found(db, each, searches, NOW)
    monkeypatch.undo()
    assert {"languages", "evenings", "certificate_expires_on", "quiet_start"} <= used, used
    unused = used & PROFILE_UNUSED
    assert not unused, f"the matching uses what 0052 does not count: {unused}"


async def test_each_write_the_matching_reads_changes_the_version_and_no_other(
    db: Database, database_url: str
):
    volunteers, requests, requester = await _city(db)
    stranger = (await db.users.seen("memory", "sam", "sam", "Sam")).id
    version = await db.matching_version()
    assert version is not None

    async def changed(sql: str, *params: object) -> bool:
        nonlocal version
        with _other(database_url) as other:
            assert other.execute(sql, params).rowcount == 1, sql
        before, version = version, await db.matching_version()
        return version != before

    # Unrelated writes, as the bot's process makes on every update.
    await db.users.seen("memory", "rita", "rita", "Rita")
    assert await db.matching_version() == version, "a person seen"
    assert not await changed(
        "UPDATE users SET seen_at = ?, first_name = 'R' WHERE id = ?", "x", requester
    )
    assert not await changed("UPDATE users SET chat_id = chat_id WHERE id = ?", requester)
    assert not await changed(
        "INSERT INTO users (platform, platform_user_id, chat_id, first_name, created_at,"
        " seen_at) VALUES ('memory', 'new', 'new', 'Neu', ?, ?)",
        to_text(NOW),
        to_text(NOW),
    )
    assert not await changed(
        "INSERT INTO outbox (platform, chat_id, payload, created_at, next_attempt_at)"
        " VALUES ('memory', 'rita', '{}', ?, ?)",
        to_text(NOW),
        to_text(NOW),
    )
    assert not await changed(
        "UPDATE help_requests SET description = 'Anders', updated_at = ? WHERE id = ?",
        to_text(NOW),
        requests[0],
    )
    assert not await changed(
        "UPDATE request_notifications SET declined = 1, declined_at = ? WHERE request_id = ?",
        to_text(NOW),
        requests[0],
    )
    # A volunteer's columns the rules do not use (0052), and a profile saved unchanged.
    for column in sorted(PROFILE_UNUSED):
        sql = f"UPDATE volunteers SET {column} = ? WHERE user_id = ?"
        assert not await changed(sql, 1, volunteers[0]), f"volunteers.{column}"
    assert not await changed(
        "UPDATE volunteers SET categories = categories, paused = paused WHERE user_id = ?",
        volunteers[0],
    ), "a profile saved unchanged"

    # Every column the matching reads, each in turn (a value of its own, then back).
    for table, columns in COUNTED.items():
        key, row = {
            "volunteers": ("user_id", volunteers[0]),
            "users": ("id", stranger),
            "help_requests": ("id", requests[0]),
            "request_notifications": ("request_id", requests[0]),
        }[table]
        for column in sorted(columns - {key}):
            value = OTHER.get(column, "other")
            assert await changed(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", value, row), (
                f"{table}.{column}"
            )
    assert await changed("UPDATE users SET id = 9999 WHERE id = ?", stranger), "users.id"
    assert await changed("DELETE FROM users WHERE id = 9999"), "a user deleted"
    assert await changed(
        "UPDATE request_notifications SET request_id = ? WHERE request_id = ?",
        requests[1],
        requests[0],
    ), "request_notifications.request_id"
    assert await changed("DELETE FROM request_notifications WHERE request_id = ?", requests[1])
    assert await changed(
        "INSERT INTO request_notifications (request_id, volunteer_id, outbox_id, offered_at)"
        " VALUES (?, ?, 1, ?)",
        requests[0],
        volunteers[1],
        to_text(NOW - timedelta(hours=1)),
    ), "an offer"
    assert await changed("DELETE FROM volunteers WHERE user_id = ?", volunteers[0])
    assert await changed(
        "INSERT INTO volunteers (user_id, categories, created_at) VALUES (?, ';tech;', ?)",
        volunteers[0],
        to_text(NOW),
    ), "a volunteer"
    assert await changed(
        "INSERT INTO help_requests (requester_id, category, description, state, created_at,"
        " updated_at) VALUES (?, 'tech', 'Neu', 'review', ?, ?)",
        requester,
        to_text(NOW),
        to_text(NOW),
    ), "a request"
    assert await changed("DELETE FROM help_requests WHERE description = 'Neu'"), "deleted"


async def test_no_version_inside_a_transaction_that_wrote(db: Database):
    """Counts this connection wrote but has not committed may still be rolled back, to a
    value that would then stamp what was worked out from its writes: nothing is kept."""
    volunteers, _, _ = await _city(db)
    before = await db.matching_version()
    async with db.transactions.transaction():
        await db.volunteers.set_paused(volunteers[0], True)
        assert await db.matching_version() is None
    assert await db.matching_version() not in (None, before)


async def test_each_write_the_matching_reads_notes_the_volunteers_it_was_about(
    db: Database, database_url: str
):
    """Migration 0050's notes (``Database.matching_touched``) beside 0048's counts: the kept
    hints read again only the volunteers noted, so a write counted but not noted - a table
    rebuilt by a later migration with 0048's triggers made again and 0050's forgotten -
    leaves a hint the search would no longer give (the version moved, nobody read again)."""
    volunteers, requests, _requester = await _city(db)
    first, second = volunteers
    mark, _ = await db.matching_touched(None)

    async def noted(sql: str, *params: object) -> set[int] | None:
        nonlocal mark
        with _other(database_url) as other:
            assert other.execute(sql, params).rowcount == 1, sql
        mark, about = await db.matching_touched(mark)
        return about

    # Every column of a profile the rules use, a volunteer's ban and chat.
    for column in sorted(COUNTED["volunteers"] - {"user_id"}):
        sql = f"UPDATE volunteers SET {column} = 'other' WHERE user_id = ?"
        assert await noted(sql, first) == {first}, f"volunteers.{column}"
    # Not the columns they do not use (0052), nor a profile saved unchanged: no note at all.
    before = mark
    for column in sorted(PROFILE_UNUSED):
        sql = f"UPDATE volunteers SET {column} = 'other' WHERE user_id = ?"
        assert await noted(sql, first) == set(), f"volunteers.{column}"
    sql = "UPDATE volunteers SET languages = languages, evenings = evenings WHERE user_id = ?"
    assert await noted(sql, first) == set(), "a profile saved unchanged"
    assert mark == before
    for column in ("banned_at", "chat_id"):
        sql = f"UPDATE users SET {column} = 'other' WHERE id = ?"
        assert await noted(sql, second) == {second}, f"users.{column}"
    # Offers and answers: each column the caps, estimates and hand-backs read.
    offer = "request_id = ? AND volunteer_id = ?"
    for column, value in (
        ("outbox_id", 7),
        ("offered_at", "other"),
        ("accepted_at", "other"),
        ("handed_back", 1),
    ):
        sql = f"UPDATE request_notifications SET {column} = ? WHERE {offer}"
        assert await noted(sql, value, requests[0], first) == {first}, column
    sql = f"UPDATE request_notifications SET volunteer_id = ? WHERE {offer}"
    assert await noted(sql, second, requests[0], first) == {first, second}
    sql = "UPDATE request_notifications SET request_id = ? WHERE volunteer_id = ?"
    assert await noted(sql, requests[1], second) == {second}
    assert await noted("DELETE FROM request_notifications WHERE volunteer_id = ?", second) == {
        second
    }
    sql = (
        "INSERT INTO request_notifications (request_id, volunteer_id, outbox_id, offered_at)"
        " VALUES (?, ?, 1, ?)"
    )
    assert await noted(sql, requests[0], first, to_text(NOW)) == {first}, "an offer"
    # Requests a volunteer holds: taken, handed on, closed, deleted.
    assert await noted("UPDATE help_requests SET state = 'done' WHERE id = ?", requests[1]) == {
        second
    }
    sql = "UPDATE help_requests SET volunteer_id = ? WHERE id = ?"
    assert await noted(sql, first, requests[1]) == {first, second}
    assert await noted("DELETE FROM help_requests WHERE id = ?", requests[1]) == {first}
    # A volunteer and an account gone, a volunteer registered.
    assert await noted("DELETE FROM volunteers WHERE user_id = ?", first) == {first}
    sql = "INSERT INTO volunteers (user_id, categories, created_at) VALUES (?, ';tech;', ?)"
    assert await noted(sql, first, to_text(NOW)) == {first}
    assert await noted("UPDATE users SET id = 9999 WHERE id = ?", second) == {second, 9999}
    assert await noted("DELETE FROM users WHERE id = 9999") == {9999}
