"""The statistics' figures on a known data set (handlers/statistics/city_figures.py over
db/statistics.py), and the CSV cells the desk writes (bot/web/csv_export.py)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from bot.web import charts
from bot.web.csv_export import BOM, cell, csv_text, neutralise
from db import Database
from db.clock import to_text
from db.places import Place
from handlers.settings import HandlerSettings
from handlers.statistics import city_figures
from handlers.statistics.city_figures import MEDIAN, P90, Period, percentile
from handlers.statistics.picture import picture
from locales import translator

# The statistics' SQL (percentile ranks, months in Berlin) is written per backend.
pytestmark = pytest.mark.both_backends

NOW = datetime(2025, 11, 20, 12, 0, tzinfo=UTC)
DISTRICTS = city_figures.city_districts(HandlerSettings())


async def _request(
    db: Database,
    *,
    created: datetime,
    state: str = "open",
    district: str = "Hörde",
    languages: tuple[str, ...] = ("de",),
    wait_minutes: float | None = None,
    closed: datetime | None = None,
    minutes_spent: int | None = None,
    review_minutes: float = 5,
) -> int:
    requester = await db.users.seen("memory", "rita", "rita", "Rita")
    request = await db.requests.create(
        requester.id,
        requester.id,
        category="shopping",
        description="Einkauf",
        languages=languages,
        stadtbezirk=district,
    )
    reviewed = state not in ("review", "rejected")
    opened = created + timedelta(minutes=review_minutes) if reviewed else None
    matched = opened + timedelta(minutes=wait_minutes) if wait_minutes is not None else None
    await db.execute(
        "UPDATE help_requests SET state = ?, created_at = ?, opened_at = ?, matched_at = ?,"
        " closed_at = ?, minutes_spent = ?, volunteer_id = ? WHERE id = ?",
        (
            state,
            to_text(created),
            opened and to_text(opened),
            matched and to_text(matched),
            closed and to_text(closed),
            minutes_spent,
            requester.id if state in ("matched", "done") else None,
            request.id,
        ),
    )
    return request.id


def test_percentiles_interpolate_between_ranks():
    assert percentile([10], MEDIAN) == 10
    assert percentile([10, 20], MEDIAN) == 15
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], P90) == pytest.approx(9.1)
    assert percentile([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], P90) == 90


def test_periods_are_berlin_months():
    period = Period.recent(datetime(2025, 1, 1, 0, 30, tzinfo=UTC))  # 01:30 in Berlin
    assert period.months[0] == (2024, 2) and period.months[-1] == (2025, 1)
    assert Period.recent(datetime(2024, 12, 31, 23, 30, tzinfo=UTC)).months[-1] == (2025, 1)
    year = Period.of_year(2024)
    assert year.start == "2023-12-31T23:00:00Z" and year.end == "2024-12-31T23:00:00Z"


async def test_months_in_berlin_across_a_dst_change(db: Database):
    # 31 March 2025 22:30 UTC is 1 April 00:30 in Berlin (summer time since 30 March);
    # 31 October 23:30 UTC is 1 November 00:30 (winter time since 26 October).
    await _request(db, created=datetime(2025, 3, 31, 22, 30, tzinfo=UTC))
    await _request(db, created=datetime(2025, 3, 31, 21, 30, tzinfo=UTC))
    await _request(db, created=datetime(2025, 10, 31, 23, 30, tzinfo=UTC))
    await _request(db, created=datetime(2025, 10, 31, 22, 30, tzinfo=UTC))
    await _request(db, created=datetime(2025, 3, 1, 12, 0, tzinfo=UTC), state="draft")
    figures = await city_figures.figures(db, Period.of_year(2025), NOW, districts=DISTRICTS)
    by_month = {month: n for (_district, month), n in figures.requests.items()}
    assert by_month == {"2025-03": 1, "2025-04": 1, "2025-10": 1, "2025-11": 1}
    assert figures.requests_total == 4


async def test_time_to_a_helper_median_and_p90_exact(db: Database):
    created = datetime(2025, 6, 1, 10, tzinfo=UTC)
    for minutes in (10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110):
        await _request(db, created=created, state="matched", wait_minutes=minutes)
    for minutes in (5, 15):  # too few in Eving to be shown per district
        await _request(db, created=created, state="matched", district="Eving", wait_minutes=minutes)
    await _request(db, created=created, state="open")  # no helper: no time
    figures = await city_figures.figures(db, Period.of_year(2025), NOW, districts=DISTRICTS)
    hoerde = figures.waits["Hörde"]
    # From asking: the review's five minutes are part of each time.
    assert (hoerde.count, hoerde.median, hoerde.p90) == (11, 65, 105)
    assert figures.waits["Eving"].count == 2
    assert figures.waits["Eving"].median is None and figures.waits["Eving"].p90 is None
    everything = sorted(5 + m for m in [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 5, 15])
    assert figures.wait_all.count == 13
    assert figures.wait_all.median == percentile(everything, MEDIAN) == 55
    assert figures.wait_all.p90 == pytest.approx(percentile(everything, P90)) == pytest.approx(103)
    # The chat's /stats median is the same owner's, over all time.
    assert (await city_figures.summary(db)).median_minutes_to_match == 55


async def test_matched_within_a_day_per_month_and_district(db: Database):
    june, july = datetime(2025, 6, 3, 10, tzinfo=UTC), datetime(2025, 7, 3, 10, tzinfo=UTC)
    for minutes in (30, 90, 60 * 23, 60 * 30):  # three of four within 24 hours
        await _request(db, created=june, state="matched", wait_minutes=minutes)
    await _request(db, created=june, state="open")
    for minutes in (10, 20):  # two in Eving: too few to show a share
        await _request(db, created=june, state="matched", district="Eving", wait_minutes=minutes)
    # Three in Mengede, hidden with Eving's two: else June's share over all districts less
    # the shown ones would give Eving's back (the smallest shown is hidden: Mengede's).
    for _ in range(3):
        await _request(db, created=june, state="open", district="Mengede")
    await _request(db, created=july, state="matched", wait_minutes=45)
    figures = await city_figures.figures(db, Period.of_year(2025), NOW, districts=DISTRICTS)
    assert figures.within_day[("Hörde", "2025-06")] == (5, 3)
    t = translator("en")
    table = city_figures.table(figures, t, "matched-24h")
    months = table.header[1:]
    rows = dict(table.rows)
    june_cell = rows["Hörde"][months.index(str(city_figures._month_label(t, (2025, 6))))]
    assert june_cell.value == 60
    # The median of 35, 95, 1385 and 1805 minutes from asking: 740 minutes.
    assert june_cell.text == "60% · 12.3 hours"
    assert rows["Eving"][months.index(str(city_figures._month_label(t, (2025, 6))))].text == "–"
    assert rows["Mengede"][months.index(str(city_figures._month_label(t, (2025, 6))))].text == "–"
    assert rows["Hörde"][months.index(str(city_figures._month_label(t, (2025, 7))))].text == "–"


async def test_matched_within_2_and_24_hours_count_from_asking(db: Database):
    """The review's wait is part of the figures: a request published three hours after it
    was asked and taken 30 minutes later is not matched within 2 hours; one still waiting
    for review counts as not matched; a rejected one does not count."""
    june = datetime(2025, 6, 3, 10, tzinfo=UTC)
    for minutes in (10, 20, 30):  # reviewed in 5 minutes: within 2 hours of asking
        await _request(db, created=june, state="matched", wait_minutes=minutes)
    for _ in range(2):  # three hours in review, then 30 minutes to a helper
        await _request(db, created=june, state="matched", wait_minutes=30, review_minutes=180)
    await _request(db, created=june, state="matched", wait_minutes=60 * 22, review_minutes=180)
    await _request(db, created=june, state="review")  # still waiting for a coordinator
    await _request(db, created=june, state="rejected")  # never to be matched: not counted
    figures = await city_figures.figures(db, Period.of_year(2025), NOW, districts=DISTRICTS)
    assert figures.within_two_hours[("Hörde", "2025-06")] == (7, 3)
    # 22 hours after publishing, but 25 hours after asking: not within the day.
    assert figures.within_day[("Hörde", "2025-06")] == (7, 5)
    # Times to a helper from asking: 15, 25, 35, 210, 210, 1500 minutes.
    assert figures.waits["Hörde"].median == 122.5
    t = translator("en")
    table = city_figures.table(figures, t, "matched-2h")
    june_label = str(city_figures._month_label(t, (2025, 6)))
    assert dict(table.rows)["Hörde"][table.header[1:].index(june_label)].value == 43
    assert "2 hours of asking" in table.note


async def test_unmet_is_expired_or_open_too_long(db: Database):
    old = NOW - timedelta(days=city_figures.UNMET_AFTER_DAYS, hours=1)
    recent = NOW - timedelta(days=1)
    for _ in range(3):
        await _request(db, created=old, state="expired")
        await _request(db, created=old, state="expired", district="Eving")
    await _request(db, created=old, state="open")  # open for more than three days
    await _request(db, created=recent, state="open")  # still has time
    await _request(db, created=old, state="matched", wait_minutes=30)
    await _request(db, created=old, state="withdrawn")
    figures = await city_figures.figures(db, Period.recent(NOW), NOW, districts=DISTRICTS)
    assert figures.unmet == {"Hörde": (7, 4), "Eving": (3, 3)}
    [unmet] = [
        table for table in city_figures.tables(figures, translator("en")) if table.id == "unmet"
    ]
    rows = {label: [c.value for c in cells] for label, cells in unmet.rows}
    assert rows.pop("Eving") == [3, 3, 100] and rows.pop("Hörde") == [7, 4, 57]
    # Every other district has its row too, hidden: nothing there.
    assert len(rows) == len(DISTRICTS) - 1 and all(v == [None] * 3 for v in rows.values())


async def test_no_figure_tells_about_one_or_two_people(db: Database):
    """One request in Eving is hidden, and so is Hörde's count: the total would give
    Eving's back. The city-wide time to a helper of one match is one volunteer's; so is
    one month's reported time."""
    created = datetime(2025, 5, 1, 10, tzinfo=UTC)
    for district in ("Hörde", "Hörde", "Hörde", "Eving"):
        await _request(db, created=created, district=district, state="expired")
    await _request(
        db,
        created=created,
        state="done",
        wait_minutes=10,
        closed=datetime(2025, 5, 10, tzinfo=UTC),
        minutes_spent=60,
    )
    figures = await city_figures.figures(db, Period.of_year(2025), NOW, districts=DISTRICTS)
    tables = {table.id: table for table in city_figures.tables(figures, translator("de"))}
    requests = {label: [c.value for c in cells] for label, cells in tables["requests"].rows}
    may = 12 - 5  # newest month first: December, November, ..., May
    assert requests["Eving"][may] is None and requests["Eving"][-1] is None
    assert requests["Hörde"][may] is None and requests["Hörde"][-1] is None  # 5 - 1 = 4
    assert [c.value for c in tables["requests"].footer[0][1]][may] == 5  # the month: 5 in all
    unmet = {label: [c.value for c in cells] for label, cells in tables["unmet"].rows}
    assert unmet["Eving"] == [None, None, None] and unmet["Hörde"] == [None, None, None]
    [(_, overall)] = tables["time-to-helper"].footer
    assert [c.value for c in overall] == [None, None, None]
    months = {label: [c.value for c in cells] for label, cells in tables["hours-by-month"].rows}
    assert all(values == [None, None] or values == [0, 0.0] for values in months.values())
    assert not any(v for s in tables["hours-by-month"].chart.series for v in s.values)
    assert (await city_figures.summary(db)).median_minutes_to_match is None


async def test_languages_asked_against_spoken(db: Database):
    created = NOW - timedelta(days=10)
    await _request(db, created=created, languages=("ar", "de"))
    await _request(db, created=created, languages=("ar",))
    await _request(db, created=created, languages=("uk",))
    for name, languages in (("v1", ("de", "ar")), ("v2", ("de",))):
        user = await db.users.seen("memory", name, name, name)
        await db.volunteers.save(user.id, languages=languages)
    paused = await db.users.seen("memory", "v3", "v3", "v3")
    await db.volunteers.save(paused.id, languages=("uk",))
    await db.execute("UPDATE volunteers SET paused = 1 WHERE user_id = ?", (paused.id,))
    figures = await city_figures.figures(db, Period.recent(NOW), NOW, districts=DISTRICTS)
    assert figures.asked["ar"] == 2 and figures.asked["de"] == 1 and figures.asked["uk"] == 1
    assert figures.spoken["de"] == 2 and figures.spoken["ar"] == 1 and figures.spoken["uk"] == 0
    assert (figures.requests_total, figures.volunteers_total) == (3, 2)


async def test_matched_within_a_day_by_the_requesters_language(db: Database):
    # German for everyone who speaks it (Ukrainian and German counts as German), else the
    # first language given; a request still in review was never published and does not
    # count. Ukrainian has two: hidden, and Arabic, the smallest shown, with it (else the
    # published total less the shown rows would give the two back).
    june = datetime(2025, 6, 3, 10, tzinfo=UTC)
    asked = (
        *[(("de",), m) for m in (30, 60, 60 * 30)],
        (("uk", "de"), 10),
        *[(("ar",), m) for m in (20, 60 * 30, None)],
        *[(("tr", "ar"), m) for m in (10, 10, 10, 10, None)],
        *[(("uk",), m) for m in (5, None)],
    )
    for languages, minutes in asked:
        state = "open" if minutes is None else "matched"
        await _request(db, created=june, state=state, languages=languages, wait_minutes=minutes)
    await _request(db, created=june, state="review", languages=("ar",))
    figures = await city_figures.figures(db, Period.of_year(2025), NOW, districts=DISTRICTS)
    by_language = figures.within_day_by_language
    assert by_language["de"] == (4, 4, 3) and by_language["ar"] == (3, 3, 1)
    assert by_language["tr"] == (5, 5, 4) and by_language["uk"] == (2, 2, 1)
    assert by_language["fa"] == (0, 0, 0)
    t = translator("en")
    table = city_figures.table(figures, t, "matched-24h-language")
    rows = {label: [cell.text for cell in cells] for label, cells in table.rows}
    assert rows[t.language("de")] == ["4", "75%"]
    assert rows[t.language("tr")] == ["5", "80%"]
    assert rows[t.language("ar")] == ["–", "–"] and rows[t.language("uk")] == ["–", "–"]
    assert rows[t.language("fa")] == ["–", "–"]
    assert len(rows) == len(figures.within_day_by_language)


async def test_hours_by_month_and_district_hide_small_groups(db: Database):
    created = datetime(2025, 5, 1, 10, tzinfo=UTC)
    done_in_may = datetime(2025, 5, 31, 22, 30, tzinfo=UTC)  # 1 June in Berlin
    for minutes in (60, 90, 30):
        await _request(
            db,
            created=created,
            state="done",
            wait_minutes=10,
            closed=done_in_may,
            minutes_spent=minutes,
        )
    await _request(
        db,
        created=created,
        state="done",
        district="Eving",
        wait_minutes=10,
        closed=datetime(2025, 5, 10, tzinfo=UTC),
        minutes_spent=45,
    )
    figures = await city_figures.figures(db, Period.of_year(2025), NOW, districts=DISTRICTS)
    assert figures.hours_by_month == {"2025-06": (3, 180), "2025-05": (1, 45)}
    t = translator("de")
    tables = {table.id: table for table in city_figures.tables(figures, t)}
    rows = {label: cells for label, cells in tables["hours-by-district"].rows}
    # Eving's one help is one volunteer's hours; Hörde's, the total less Eving's, too.
    assert rows["Eving"][1].value is None and rows["Hörde"][1].value is None
    for _ in range(2):  # two more in Eving in May: every group has three now
        await _request(
            db,
            created=created,
            state="done",
            district="Eving",
            wait_minutes=10,
            closed=datetime(2025, 5, 10, tzinfo=UTC),
            minutes_spent=45,
        )
    figures = await city_figures.figures(db, Period.of_year(2025), NOW, districts=DISTRICTS)
    tables = {table.id: table for table in city_figures.tables(figures, t)}
    rows = {label: cells for label, cells in tables["hours-by-district"].rows}
    assert rows["Hörde"][1].value == 3.0 and rows["Hörde"][1].text == "3"
    assert rows["Eving"][1].value == 2.2
    months = {label: [c.value for c in cells] for label, cells in tables["hours-by-month"].rows}
    assert [3, 2.2] in months.values() and [3, 3.0] in months.values()
    places = await db.places.upsert(
        Place(
            source="t",
            source_id="1",
            name="Treff",
            category="library",
            lat=51.5,
            lon=7.4,
            stadtbezirk="Hörde",
        ),
        "test",
    )
    assert places
    figures = await city_figures.figures(db, Period.of_year(2025), NOW, districts=DISTRICTS)
    assert figures.places == {"Hörde": 1}


async def test_an_empty_database_has_figures_too(db: Database):
    figures = await city_figures.figures(db, Period.recent(NOW), NOW, districts=DISTRICTS)
    for lang in ("de", "ar"):
        t = translator(lang)
        for table in city_figures.tables(figures, t):
            svg = charts.svg(table.chart, table.id, table.title, "", rtl=t.rtl, empty="none")
            assert svg.startswith("<svg") and "none" in svg


async def test_the_picture_is_a_png_in_the_readers_language(db: Database):
    await _request(db, created=NOW - timedelta(days=3), state="matched", wait_minutes=30)
    for lang in ("de", "ar"):
        made = await picture(db, translator(lang), DISTRICTS, NOW, verified=False)
        assert made.content.startswith(b"\x89PNG") and made.mime_type == "image/png"
        assert made.width and made.height
    made = await picture(db, translator("de"), DISTRICTS, NOW, verified=False)
    assert "2025" in str(made.caption)


def test_formula_cells_are_neutralised():
    for dangerous in ("=cmd|' /C calc'!A0", "+41 79", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert neutralise(dangerous) == "'" + dangerous
    assert neutralise("Hörde") == "Hörde"
    assert neutralise("") == ""
    # Numbers we write stay numbers, also negative ones; the same text from a person is text.
    assert cell(-3) == "-3" and cell(-2.5, lambda v: str(v).replace(".", ",")) == "-2,5"
    assert cell("-3") == "'-3"
    assert cell(None) == ""


def test_csv_is_semicolons_with_a_bom():
    text = csv_text([["Stadtbezirk", "Anfragen"], ['=HYPERLINK("x")', 3], ["a;b", 1.5]])
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows == [["Stadtbezirk", "Anfragen"], ['\'=HYPERLINK("x")', "3"], ["a;b", "1.5"]]
