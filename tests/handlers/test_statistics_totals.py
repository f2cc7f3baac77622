"""No total in the statistics gives a hidden figure back (handlers/statistics/city_figures.py): the
languages table's note names the period's requests and the volunteers, and says "–" where
the requests table hides that total or the volunteers are fewer than three."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db import Database
from db.clock import to_text
from handlers.settings import HandlerSettings
from handlers.statistics import city_figures
from handlers.statistics.city_figures import Period
from locales import translator

NOW = datetime(2025, 11, 20, 12, 0, tzinfo=UTC)
DISTRICTS = city_figures.city_districts(HandlerSettings())


async def _requests(db: Database, count: int) -> None:
    requester = await db.users.seen("memory", "rita", "rita", "Rita")
    for _ in range(count):
        request = await db.requests.create(
            requester.id, requester.id, category="shopping", languages=("de",), stadtbezirk="Hörde"
        )
        await db.execute(
            "UPDATE help_requests SET state = 'expired', created_at = ? WHERE id = ?",
            (to_text(NOW - timedelta(days=5)), request.id),
        )


async def _volunteers(db: Database, count: int) -> None:
    for number in range(count):
        user = await db.users.seen("memory", f"v{number}", f"v{number}", f"V{number}")
        await db.volunteers.save(user.id, languages=("de",))


async def _languages_note(db: Database) -> str:
    figures = await city_figures.figures(db, Period.recent(NOW), NOW, districts=DISTRICTS)
    return str(city_figures.table(figures, translator("en"), "languages").note)


async def test_the_languages_note_hides_totals_the_other_tables_hide(db: Database):
    await _requests(db, 2)
    await _volunteers(db, 1)
    note = await _languages_note(db)
    # Two requests in the period: the requests table hides its total, so must the note.
    assert "Of – requests in the period and – volunteers" in note, note
    assert "2" not in note and "1" not in note


async def test_the_languages_note_shows_totals_of_three_and_more(db: Database):
    await _requests(db, 3)
    await _volunteers(db, 4)
    note = await _languages_note(db)
    assert "Of 3 requests in the period and 4 volunteers" in note, note
