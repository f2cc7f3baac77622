"""The statistics' headline and honest charts on a known data set: this week's figures
(handlers/statistics/this_week.py over db/statistics.py), the gap a coordinator should act on
without a figure about one or two people, shares drawn on 0-100 %, the newest month first."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.web import charts
from db import Database
from handlers.statistics import city_figures, this_week
from handlers.statistics.city_figures import Period
from locales import translator
from tests.handlers.test_statistics import DISTRICTS, NOW, _request

# The week's SQL (seconds between timestamps) is written per backend.
pytestmark = pytest.mark.both_backends


async def _volunteers(db: Database, *languages: tuple[str, ...]) -> None:
    for number, spoken in enumerate(languages):
        user = await db.users.seen("memory", f"v{number}", f"v{number}", f"V{number}")
        await db.volunteers.save(user.id, languages=spoken)


async def _week_data(db: Database) -> None:
    # This week: three matched (15, 25 and 65 minutes from asking, review included) and
    # three in review in Arabic, one, two and three days old.
    for wait in (10, 20, 60):
        await _request(db, created=NOW - timedelta(days=2), state="matched", wait_minutes=wait)
    for days in (1, 2, 3):
        await _request(db, created=NOW - timedelta(days=days), state="review", languages=("ar",))
    # Older: four published in Persian, ten days waiting; two in Ukrainian, twenty days (too
    # few to be named); one asked ten days ago that found a helper yesterday.
    for _ in range(4):
        await _request(db, created=NOW - timedelta(days=10, minutes=5), languages=("fa",))
    for _ in range(2):
        await _request(db, created=NOW - timedelta(days=20, minutes=5), languages=("uk",))
    await _request(
        db,
        created=NOW - timedelta(days=10, minutes=5),
        state="matched",
        wait_minutes=9 * 24 * 60,
    )


async def test_the_weeks_headline_and_the_gap_with_a_true_zero(db: Database):
    await _week_data(db)
    await _volunteers(db, ("de",), ("de",), ("de", "en"), ("en",), ("en",))
    week = await this_week.week(db, NOW)
    assert (week.asked, week.helped, week.in_review) == (6, 4, 3)
    assert week.wait.median == pytest.approx(25)
    # Persian waits longest (ten days on average); Ukrainian's two are not named.
    assert week.slowest is not None and week.slowest.language == "fa"
    assert week.slowest.waiting == 4
    assert week.slowest.minutes == pytest.approx(10 * 24 * 60 + 5, abs=1)
    # Four in Persian wait and nobody speaks it; no language has one or two volunteers, so
    # the zero is said.
    assert week.gap == this_week.Gap("fa", 4, nobody=True)
    sentence = str(this_week.gap_sentence(translator("en"), week.gap))
    assert "4 requests in Persian" in sentence and "no volunteer speaks it" in sentence


async def test_the_gap_says_a_zero_beside_one_or_two_and_hides_one_or_two(db: Database):
    """A zero names nobody (issue 100, point 7): with one volunteer who speaks Arabic,
    nobody who speaks Persian is still "no volunteer speaks it" (it was "fewer than 3");
    one who speaks Persian is "fewer than 3", never "1"."""
    await _week_data(db)
    await _volunteers(db, ("de",), ("de",), ("de",), ("ar",))
    week = await this_week.week(db, NOW)
    assert week.gap == this_week.Gap("fa", 4, nobody=True)
    sentence = str(this_week.gap_sentence(translator("en"), week.gap))
    assert "no volunteer speaks it" in sentence, sentence
    await _volunteers(db, ("de",), ("de",), ("de",), ("ar",), ("fa",))
    week = await this_week.week(db, NOW)
    assert week.gap == this_week.Gap("fa", 4, nobody=False)
    sentence = str(this_week.gap_sentence(translator("en"), week.gap))
    assert "fewer than 3 volunteers" in sentence and "no volunteer" not in sentence


async def test_a_quiet_week_hides_small_counts(db: Database):
    # Two asked this week, one found a helper: each is about one or two people.
    await _request(db, created=NOW - timedelta(days=1), state="matched", wait_minutes=5)
    await _request(db, created=NOW - timedelta(days=1), state="review", languages=("ar",))
    week = await this_week.week(db, NOW)
    t = translator("de")
    assert [this_week.count_text(t, n) for n in (week.asked, week.helped)] == ["–", "–"]
    assert this_week.count_text(t, 0) == "–"
    assert this_week.count_text(t, 3) == "3"
    assert week.wait.median is None and week.slowest is None and week.gap is None


def _bars(svg: str) -> list[float]:
    return [
        float(width) for width in re.findall(rf'width="([\d.]+)" height="{charts.BAR - 2}"', svg)
    ]


async def test_a_share_is_drawn_on_its_whole_scale_and_the_newest_month_first(db: Database):
    """One of seventeen requests this month found a helper within a day: 6 %, drawn as 6 %
    of the bar's room (today it was as wide as the largest figure). Months run newest
    first, in every table and chart."""
    created = NOW - timedelta(days=3)
    await _request(db, created=created, state="matched", wait_minutes=30)
    for _ in range(16):
        await _request(db, created=created)
    figures = await city_figures.figures(db, Period.recent(NOW), NOW, districts=DISTRICTS)
    t = translator("en")
    tables = {table.id: table for table in city_figures.tables(figures, t)}
    room = charts.WIDTH - charts.VALUE
    for name in ("matched-24h-language", "matched-24h", "matched-2h"):
        chart = tables[name].chart
        svg = charts.svg(chart, name, "title", "desc", rtl=False, empty="none")
        assert _bars(svg) == [pytest.approx(0.06 * room, abs=0.5)], name
    # Counts still fill the room with their largest value.
    requests = charts.svg(tables["requests"].chart, "r", "t", "d", rtl=False, empty="none")
    assert max(_bars(requests)) == pytest.approx(room)
    november = city_figures._month_label(t, (2025, 11))
    assert tables["requests"].header[1] == november
    assert tables["matched-24h"].chart.categories[0] == november
    assert tables["hours-by-month"].rows[0][0] == november
