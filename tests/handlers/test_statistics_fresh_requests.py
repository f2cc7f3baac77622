"""A share "matched within 24 hours" counts only the requests decided - asked 24 hours ago or
more (db/statistics._decided): one asked this morning is not late yet. On both backends (the
SQL is written per backend): the desk's and the digest's languages (language_gaps), the
tables by district and month and by language (city_figures), and the note of how many
requests are still in their first 24 hours."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from db import Database
from handlers.settings import HandlerSettings
from handlers.statistics import city_figures, this_week
from handlers.statistics import language_gaps as sl
from locales import translator
from tests.handlers.test_statistics import DISTRICTS, NOW, _request
from tests.handlers.test_statistics_languages import _volunteer

pytestmark = pytest.mark.both_backends
DAYS_AGO = NOW - timedelta(days=3)
TODAY = NOW - timedelta(hours=3)


async def _busy_day(db: Database) -> None:
    """German well served; Polish: three requests a week ago, taken in an hour, and
    twenty asked this morning, nobody yet; Persian really short: nineteen asked days ago,
    fifteen still waiting."""
    for _ in range(10):
        await _request(db, created=DAYS_AGO, state="matched", wait_minutes=60)
    for _ in range(3):
        await _request(db, created=DAYS_AGO, state="matched", wait_minutes=60, languages=("pl",))
    for _ in range(20):
        await _request(db, created=TODAY, languages=("pl",))
    for _ in range(4):
        await _request(db, created=DAYS_AGO, state="matched", wait_minutes=60, languages=("fa",))
    for _ in range(15):
        await _request(db, created=DAYS_AGO, languages=("fa",))
    for code in ("de", "pl", "fa"):
        for number in range(12):
            await _volunteer(db, f"{code}{number}", code)


async def test_requests_of_the_last_day_are_not_yet_unmatched(db: Database):
    await _busy_day(db)
    rows = await sl.languages(db, NOW, verified=True)
    by_code = {row.code: row for row in rows}
    polish, persian = by_code["pl"], by_code["fa"]
    # Polish: all 23 asked, the share counted from the three decided ones - all taken.
    assert (polish.asked, polish.counted, polish.matched) == (23, 3, 3)
    assert polish.percent == 100 and polish.behind is None and not polish.short
    assert persian.percent == 21 and persian.behind == 79 and persian.short
    # Persian right after German, before the languages with fresh requests only.
    assert [row.code for row in rows][:2] == ["de", "fa"]
    assert [row.code for row in sl.short(rows)] == ["fa"]
    assert sl.fresh(rows) == 20
    assert "20 requests are still in their first 24 hours" in str(
        sl.fresh_note(translator("en"), rows)
    )


async def test_a_language_asked_only_today_reads_no_share(db: Database):
    for _ in range(10):
        await _request(db, created=DAYS_AGO, state="matched", wait_minutes=60)
    for _ in range(7):
        await _request(db, created=TODAY, languages=("tr",))
    rows = {row.code: row for row in await sl.languages(db, NOW, verified=True)}
    t = translator("en")
    assert sl.share_text(t, rows["tr"]) == "–"
    # Nobody speaks Turkish: said as none (issue 100, point 7), not "fewer than 5".
    assert rows["tr"].behind is None and sl.reasons(t, rows["tr"]) == [
        "No volunteer who takes requests speaks it: 5 are needed."
    ]


async def test_the_digest_counts_the_share_of_decided_requests(db: Database):
    await _busy_day(db)
    settings = HandlerSettings(backchannels=frozenset({("memory", "group")}))
    assert await this_week.digest(db, settings, NOW) == 1
    text = json.loads((await db.fetch_all("SELECT payload FROM outbox"))[-1][0])["text"]
    t = translator("de")
    polish = f"{t.language('pl')}: {t.number(23)} · {t.percent(1)} · {t.number(12)}"
    assert polish.lower() in text.lower(), text
    assert "⚠️ " + t.language("pl") not in text
    fresh = t.tn(
        "{count} request is still in its first 24 hours: it counts in the share matched"
        " within 24 hours once those have passed.",
        "{count} requests are still in their first 24 hours: they count in the share"
        " matched within 24 hours once those have passed.",
        20,
        count=t.number(20),
    )
    assert str(fresh) in text


async def test_the_tables_by_month_and_by_language_count_decided_requests(db: Database):
    """The statistics' tables "matched within 2 hours / 24 hours": a request asked three
    hours ago counts in the 2-hour share, not yet in the 24-hour one; one published an
    hour ago in neither share by language."""
    for _ in range(4):
        await _request(db, created=DAYS_AGO, state="matched", wait_minutes=30, district="Hörde")
    for _ in range(4):
        await _request(db, created=TODAY, district="Hörde")
    for _ in range(4):
        await _request(db, created=NOW - timedelta(minutes=30), district="Hörde")
    figures = await city_figures.figures(
        db, city_figures.Period.recent(NOW), NOW, districts=DISTRICTS
    )
    month = city_figures.key(*city_figures.local_month(NOW))
    assert figures.within_day[("Hörde", month)] == (4, 4)
    assert figures.within_two_hours[("Hörde", month)] == (8, 4)
    assert figures.within_day_by_language["de"] == (12, 4, 4)
    # The tables say so, in the reader's language.
    for lang in ("de", "fa"):
        t = translator(lang)
        said = str(city_figures.decided_note(t))
        for name in ("matched-2h", "matched-24h", "matched-24h-language"):
            assert said in str(city_figures.table(figures, t, name).note), (lang, name)


async def test_the_digest_says_a_wait_of_days_in_days(db: Database):
    """A median wait of 96.9 hours reads "4 Tage" in the digest's headline and in the
    statistics' table of waits, not "96,9 Stunden"."""
    for _ in range(3):
        await _request(
            db,
            created=NOW - timedelta(days=5),
            state="matched",
            wait_minutes=round(96.9 * 60) - 5,
        )
    settings = HandlerSettings(backchannels=frozenset({("memory", "group")}))
    assert await this_week.digest(db, settings, NOW) == 1
    text = json.loads((await db.fetch_all("SELECT payload FROM outbox"))[-1][0])["text"]
    t = translator("de")
    assert "4 Tage" in text and "96,9" not in text, text
    figures = await city_figures.figures(
        db, city_figures.Period.recent(NOW), NOW, districts=DISTRICTS
    )
    cells = [
        cell.text
        for _, row in city_figures.table(figures, t, "time-to-helper").rows
        for cell in row
    ]
    assert "4 Tage" in cells and not any("96,9" in cell for cell in cells), cells
