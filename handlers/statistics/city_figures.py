"""The statistics, computed once for the chat's /stats (text and picture) and the desk's
statistics page with its CSV exports: which figures there are, how each is defined, and how
its table and chart read in the reader's language. The counting happens in SQL
(db/statistics.py); nothing here is per person.

Definitions (the desk page states them too):
- A request counts in the month (Europe/Berlin) it was asked in; drafts never sent do not.
- Time to a helper: minutes from asking (the request sent, before the coordinators'
  review) to a volunteer's acceptance: the review's wait is part of it; median and 90th
  percentile by linear interpolation between the closest ranks (as a spreadsheet's
  PERCENTILE.INC), overall and per Stadtbezirk.
- Matched within 2 hours and within 24 hours: of the requests asked and not rejected, the
  share a volunteer took within ``WITHIN_HOURS`` of asking, per Stadtbezirk and month,
  beside the median time to a helper of that month and district (a request still waiting
  for review counts as not matched, as the requester feels it).
- Matched within 24 hours by the requester's language: the same share per language over
  the period - German for everyone who speaks it, else the first language they gave
  (issue 63: requesters without German were matched far less often).
- Unmet: a request that expired, or that was published more than ``UNMET_AFTER_DAYS`` days
  ago and still has no helper.
- Languages: how many requests asked for each language, against how many volunteers (not
  paused) speak it.
- Volunteer hours: the time volunteers reported for done requests, by the month the help
  was done in and by Stadtbezirk.
- No figure tells about one or two people: counts under ``MIN_GROUP``, zero included, and
  everything computed from them (hours, times, shares) are hidden ("–", empty in the CSV, no
  bar), and so is a further cell wherever a total would give a hidden one back
  (``handlers/statistics/small_groups.py``). Every table by district lists all of the city's
  districts (and "Unknown district" for requests outside them), and the languages table all
  the bot's languages, whatever they hold: a row that is there only when it has something
  would say "one or two" next to the rows left out.
- A share reads in whole percent (:func:`percent`), never "0 %" where some were and never
  "100 %" where not all were: read at a glance, those say none or all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from markupsafe import Markup

from db import Database
from db.clock import local_month, month_bounds, month_start, to_text
from db.statistics import Month
from handlers.places.gazetteer import load_gazetteer
from handlers.settings import HandlerSettings
from handlers.statistics.small_groups import (
    MIN_GROUP,
    few,
    protect,
    protect_partition,
    protect_volunteers,
    too_small,
)
from locales import N_, SUPPORTED_LANGUAGES, Formatted, Translator

UNMET_AFTER_DAYS = 3
MATCHED_WITHIN_HOURS = 24
# The tables "matched within": 2 hours and a day, counted from asking.
WITHIN_HOURS = (2, MATCHED_WITHIN_HOURS)
MEDIAN, P90 = (1, 2), (9, 10)
PERIOD_MONTHS = 12


@dataclass(frozen=True)
class Period:
    """Calendar months in Europe/Berlin: the last twelve up to the current one, or a year."""

    months: tuple[tuple[int, int], ...]
    year: int | None = None

    @classmethod
    def recent(cls, now: datetime, count: int = PERIOD_MONTHS) -> Period:
        year, month = local_month(now)
        index = year * 12 + month - 1
        return cls(tuple((i // 12, i % 12 + 1) for i in range(index - count + 1, index + 1)))

    @classmethod
    def of_year(cls, year: int) -> Period:
        return cls(tuple((year, month) for month in range(1, 13)), year)

    @property
    def bounds(self) -> list[Month]:
        return [(key(y, m), *month_bounds(y, m)) for y, m in self.months]

    @property
    def start(self) -> str:
        return month_bounds(*self.months[0])[0]

    @property
    def end(self) -> str:
        return month_bounds(*self.months[-1])[1]


def percent(part: int, whole: int) -> int:
    """``part`` of ``whole`` in whole percent, as the tables write it and the bars are
    drawn to: rounded, but 399 of 400 is 99, not 100, and 1 of 400 is 1, not 0."""
    if whole <= 0:
        return 0
    shown = round(100 * part / whole)
    if part < whole:
        shown = min(shown, 99)
    return max(shown, 1) if part > 0 else shown


def key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


@dataclass(frozen=True)
class Wait:
    """Time to a helper in minutes; ``None`` where the group is too small to show."""

    count: int
    median: float | None
    p90: float | None


NO_WAIT = Wait(0, None, None)


@dataclass(frozen=True)
class Figures:
    period: Period
    # Every row of a table by district, in order: the city's districts and "" (unknown).
    districts: tuple[str, ...]
    requests: dict[tuple[str, str], int]
    wait_all: Wait
    waits: dict[str, Wait]
    unmet: dict[str, tuple[int, int]]
    asked: dict[str, int]
    spoken: dict[str, int]
    requests_total: int
    volunteers_total: int
    hours_by_month: dict[str, tuple[int, int]]
    hours_by_district: dict[str, tuple[int, int]]
    places: dict[str, int]
    # (district, month): (asked at least MATCHED_WITHIN_HOURS ago, of those matched within
    # MATCHED_WITHIN_HOURS of asking), the same
    # within 2 hours, and the time to a helper of the month and district.
    within_day: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    within_two_hours: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    month_waits: dict[tuple[str, str], Wait] = field(default_factory=dict)
    # The requester's language (:func:`requester_language`): (published, published at least
    # MATCHED_WITHIN_HOURS ago, of those matched within MATCHED_WITHIN_HOURS), every
    # language of the bot.
    within_day_by_language: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    # The requests table's cells to hide, (district, month) with TOTAL for the totals:
    # worked out once, the unmet table shows the same district totals.
    requests_hidden: frozenset[tuple[str, str]] = frozenset()


def _interpolate(low: float, high: float, count: int, fraction: tuple[int, int]) -> float:
    numerator, denominator = fraction
    part = ((count - 1) * numerator % denominator) / denominator
    return low + (high - low) * part


def percentile(values: Sequence[float], fraction: tuple[int, int]) -> float:
    """The percentile of a sorted list the way ``wait_ranks`` picks it (for tests and
    small lists): linear interpolation between the closest ranks."""
    count = len(values)
    numerator, denominator = fraction
    low = (count - 1) * numerator // denominator
    high = low + ((count - 1) * numerator % denominator > 0)
    return _interpolate(values[low], values[high], count, fraction)


async def _waits(
    db: Database, start: str, end: str, districts: Sequence[str] | None = None
) -> dict[str | None, Wait]:
    ranks = await db.statistics.wait_ranks(start, end, (MEDIAN, P90), districts)
    waits: dict[str | None, Wait] = {}
    for district, (median, p90) in ranks.items():
        count = median.count
        shown = count >= MIN_GROUP
        waits[district] = Wait(
            count,
            _interpolate(median.low, median.high, count, MEDIAN) if shown else None,
            _interpolate(p90.low, p90.high, count, P90) if shown else None,
        )
    return waits


async def waits_between(db: Database, start: str, end: str) -> dict[str | None, Wait]:
    """Time to a helper of the requests asked in [start, end), all together under ``None``
    (the statistics' headline)."""
    return await _waits(db, start, end)


def city_districts(settings: HandlerSettings) -> tuple[str, ...]:
    """The city's Stadtbezirke, from its gazetteer: the rows of every table by district."""
    return tuple(area.name for area in load_gazetteer(settings.places_data_dir).bezirke)


async def figures(
    db: Database,
    period: Period,
    now: datetime | None = None,
    languages: Sequence[str] = SUPPORTED_LANGUAGES,
    *,
    districts: Sequence[str],
) -> Figures:
    """The period's figures; ``districts``: the city's (:func:`city_districts`). A request
    whose district is none of them counts as in an unknown district."""
    now = now or datetime.now(UTC)
    stats = db.statistics
    known = sorted(set(districts) - {""}, key=str.casefold)
    listed = (*known, "")

    def district_of(name: str) -> str:
        return name if name in known else ""

    open_before = to_text(now - timedelta(days=UNMET_AFTER_DAYS))
    requests: dict[tuple[str, str], int] = {}
    unmet: dict[str, tuple[int, int]] = {}
    for row in await stats.requests(period.bounds, open_before):
        district = district_of(row.district)
        requests[(district, row.month)] = requests.get((district, row.month), 0) + row.asked
        total, count = unmet.get(district, (0, 0))
        unmet[district] = (total + row.asked, count + row.unmet)
    counted = await stats.languages_asked(period.start, period.end)
    asked = {code: counted.get(code, 0) for code in languages}
    waits = await _waits(db, period.start, period.end, known)
    spoken, volunteers_total = await stats.volunteer_languages(languages)
    by_month: dict[str, tuple[int, int]] = {}
    by_district: dict[str, tuple[int, int]] = {}
    for district, month, done, minutes in await stats.hours(period.bounds):
        for group, name in ((by_month, month), (by_district, district_of(district))):
            n, m = group.get(name, (0, 0))
            group[name] = (n + done, m + minutes)
    within_two_hours: dict[tuple[str, str], tuple[int, int]] = {}
    within_day: dict[tuple[str, str], tuple[int, int]] = {}
    # A share "within N hours" counts only the requests decided (asked N hours ago or
    # more, db/statistics._decided): one asked an hour ago is not yet late.
    for district, month, decided in await stats.matched_within(
        period.bounds, WITHIN_HOURS, to_text(now)
    ):
        cell = (district_of(district), month)
        for shares, (count, matched) in zip((within_two_hours, within_day), decided, strict=True):
            n, m = shares.get(cell, (0, 0))
            shares[cell] = (n + count, m + matched)
    by_language = {code: (0, 0, 0) for code in languages}
    for stored, published, decided_count, took in await stats.matched_within_by_languages(
        period.start, period.end, MATCHED_WITHIN_HOURS, to_text(now)
    ):
        code = requester_language(stored)
        if code in by_language:
            n, d, m = by_language[code]
            by_language[code] = (n + published, d + decided_count, m + took)
    month_waits: dict[tuple[str, str], Wait] = {}
    for label, start, end in period.bounds:
        for where, wait in (await _waits(db, start, end, known)).items():
            if where is not None:
                month_waits[(where, label)] = wait
    return Figures(
        period=period,
        within_day=within_day,
        within_day_by_language=by_language,
        within_two_hours=within_two_hours,
        month_waits=month_waits,
        districts=listed,
        requests=requests,
        requests_hidden=_requests_hidden(requests, list(listed), [key(*m) for m in period.months]),
        wait_all=waits.pop(None, NO_WAIT),
        waits={k: v for k, v in waits.items() if k is not None},
        unmet=unmet,
        asked=asked,
        spoken=spoken,
        requests_total=sum(requests.values()),
        volunteers_total=volunteers_total,
        hours_by_month=by_month,
        hours_by_district=by_district,
        places=dict(await stats.places_by_district()),
    )


def requester_language(stored: str) -> str:
    """The language a request counts under by its stored list (';ar;de;'): German when
    the requester speaks it, else the first they gave ("" none)."""
    codes = [code for code in stored.split(";") if code]
    return "de" if "de" in codes else (codes[0] if codes else "")


# Requests without German in this many days, and no translation engine: doctor and the
# desk say so (volunteers who speak none of their languages cannot read them).
UNTRANSLATED_DAYS = 30


async def untranslated_requests(db: Database, translation: str, now: datetime) -> int:
    """How many requests of the last ``UNTRANSLATED_DAYS`` days came from people without
    German while no translation engine is set (``translation``: the engine's name, ""
    none); 0 with an engine."""
    if translation:
        return 0
    since = to_text(now - timedelta(days=UNTRANSLATED_DAYS))
    return await db.statistics.asked_without("de", since)


# What the chat's /stats shows besides the period's figures: all time, by state.
@dataclass(frozen=True)
class Summary:
    by_state: dict[str, int]
    median_minutes_to_match: float | None
    stadtbezirk: dict[str, dict[str, int]]
    category: dict[str, dict[str, int]]


async def summary(db: Database) -> Summary:
    """All requests ever: by state, the median time to a helper, and open, matched and done
    by district and by kind of help."""
    waits = await _waits(db, "", "~")
    overall = waits.get(None)
    return Summary(
        by_state=await db.statistics.states(),
        median_minutes_to_match=overall.median if overall else None,
        stadtbezirk=await db.statistics.active_by("stadtbezirk"),
        category=await db.statistics.active_by("category"),
    )


# --- How the figures read: tables (the accessible form, and the CSV) and charts --------


@dataclass(frozen=True)
class Cell:
    """What a table cell shows, and the number a CSV or a chart takes (None: nothing)."""

    text: str
    value: float | None = None


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Chart:
    """Bars: one per category and series; ``columns`` stand upright (months, newest first
    in reading order), otherwise they lie (districts, languages). ``scale``: the value a
    full bar stands for - 100 for shares in per cent, so that 6 % is drawn as 6 % and not
    as wide as the largest figure; None: the largest value (counts, hours)."""

    categories: tuple[str, ...]
    series: tuple[Series, ...]
    columns: bool = False
    scale: float | None = None


@dataclass
class Table:
    id: str
    title: str
    note: Markup
    header: list[str]
    rows: list[tuple[str, list[Cell]]]
    chart: Chart
    chart_title: str
    footer: list[tuple[str, list[Cell]]] = field(default_factory=list)
    # The CSV header, where a column's unit differs from the page (durations in hours).
    csv_header: list[str] | None = None


TABLE_IDS = (
    "requests",
    "time-to-helper",
    "matched-2h",
    "matched-24h",
    "matched-24h-language",
    "unmet",
    "languages",
    "hours-by-month",
    "hours-by-district",
    "places",
)


def _district(t: Translator, name: str) -> str:
    return name or t._("Unknown district")


def _districts(*keys: object) -> list[str]:
    names = {name for group in keys for name in group}  # type: ignore[attr-defined]
    return sorted(names, key=lambda n: (n == "", n.casefold()))


HIDDEN = Cell("–")


def _count(t: Translator, value: int) -> Cell:
    return Cell(str(t.number(value)), value)


def _share(t: Translator, part: int, whole: int) -> Cell:
    shown = percent(part, whole)
    return Cell(str(t.percent(shown / 100)), shown)


def _shown(cell: Cell, hidden: bool) -> Cell:
    return HIDDEN if hidden else cell


def _shown_row(cells: list[Cell], hidden: bool) -> list[Cell]:
    return [HIDDEN] * len(cells) if hidden else cells


def _in_words(t: Translator, value: int, hidden: bool) -> Formatted:
    """A count inside a sentence, or "–" where it is hidden."""
    return Formatted(HIDDEN.text) if hidden else t.number(value)


def _hours(t: Translator, minutes: int) -> Cell:
    hours = round(minutes / 60, 1)
    return Cell(str(t.number(hours)), hours)


def _duration(t: Translator, minutes: float | None) -> Cell:
    if minutes is None:
        return Cell("–")
    return Cell(str(t.wait(round(minutes))), round(minutes / 60, 1))


def _month_label(t: Translator, month: tuple[int, int]) -> str:
    return str(t.skeleton(month_start(*month), "yMMM"))


def _chart(
    categories: Sequence[str],
    *series: tuple[str, Sequence[Cell]],
    columns: bool = False,
    scale: float | None = None,
) -> Chart:
    return Chart(
        tuple(categories),
        tuple(
            Series(name, tuple(c.value for c in cells), tuple(c.text for c in cells))
            for name, cells in series
        ),
        columns,
        scale,
    )


def newest_first(period: Period) -> list[tuple[int, int]]:
    """The period's months as every table and chart lists them: the current month first,
    where a phone shows it without scrolling sideways or down."""
    return list(reversed(period.months))


def _requests_table(f: Figures, t: Translator) -> Table:
    months = [key(*m) for m in newest_first(f.period)]
    labels = [_month_label(t, m) for m in newest_first(f.period)]
    districts = f.districts
    hidden = f.requests_hidden
    rows = []
    for district in districts:
        counts = [f.requests.get((district, m), 0) for m in months]
        cells = [
            _shown(_count(t, c), (district, m) in hidden)
            for c, m in zip([*counts, sum(counts)], [*months, TOTAL], strict=True)
        ]
        rows.append((_district(t, district), cells))
    totals = [sum(f.requests.get((d, m), 0) for d in districts) for m in months]
    total_cells = [
        _shown(_count(t, c), (TOTAL, m) in hidden)
        for c, m in zip([*totals, sum(totals)], [*months, TOTAL], strict=True)
    ]
    return Table(
        "requests",
        t._("Requests per Stadtbezirk and month"),
        t.t("Requests counted in the month they were asked in (Berlin time).")
        + " "
        + hidden_note(t),
        [t._("Stadtbezirk"), *labels, t._("Total")],
        rows,
        _chart(labels, (t._("Requests"), total_cells[:-1]), columns=True),
        t._("Requests per month"),
        footer=[(t._("Total"), total_cells)],
    )


# The key of a row's or column's total in the requests table: no district's name (the
# unknown district is "") and no month's.
TOTAL = "\x00total"


def _requests_hidden(
    requests: dict[tuple[str, str], int], districts: list[str], months: list[str]
) -> frozenset[tuple[str, str]]:
    """The cells of the requests table to hide: inner cells, the districts' totals, the
    months' totals and the grand total, each row and column adding up to its total."""
    rows = [*districts, TOTAL]
    counts: dict[tuple[str, str], int] = {}
    for district in districts:
        for month in months:
            counts[(district, month)] = requests.get((district, month), 0)
        counts[(district, TOTAL)] = sum(counts[(district, m)] for m in months)
    for month in [*months, TOTAL]:
        counts[(TOTAL, month)] = sum(counts[(d, month)] for d in districts)
    lines = [([(r, m) for m in months], (r, TOTAL)) for r in rows]
    lines += [([(d, m) for d in districts], (TOTAL, m)) for m in [*months, TOTAL]]
    return frozenset(protect(counts, lines))


def _shares_hidden(
    shares: dict[tuple[str, str], tuple[int, int]], districts: list[str], months: list[str]
) -> frozenset[tuple[str, str]]:
    """The cells of a table "matched within" to hide, by the requests each share is counted
    from: a month's share over all districts, less the districts' shown, gives back the
    hidden ones' (3 of 3 in one district and 5 of 5 in all: the other two were matched), so
    each month's column is protected as a count's would be."""
    counts: dict[tuple[str, str], int] = {}
    for month in months:
        for district in districts:
            counts[(district, month)] = shares.get((district, month), (0, 0))[0]
        counts[(TOTAL, month)] = sum(counts[(d, month)] for d in districts)
    lines = [([(d, m) for d in districts], (TOTAL, m)) for m in months]
    return frozenset(protect(counts, lines))


def district_requests_hidden(f: Figures) -> set[str]:
    """Districts whose number of requests the statistics hide (the requests table's row
    totals; the unmet table shows the same numbers)."""
    return {d for d, m in f.requests_hidden if m == TOTAL and d != TOTAL}


# What a "–" is: a figure under MIN_GROUP, or one hidden with it so that a total cannot give
# it back (small_groups.protect_partition) - then it may stand for more than MIN_GROUP.
HIDDEN_NOTE = N_(
    "–: hidden, so that no figure is about one person: fewer than {n}, or a figure that "
    "would give such a one away."
)


def hidden_note(t: Translator) -> Markup:
    return t.t(HIDDEN_NOTE, n=MIN_GROUP)


def decided_note(t: Translator) -> Markup:
    """What a share "within N hours" leaves out (db/statistics._decided): a request younger
    than N hours is not late yet."""
    return t.t("A share counts only the requests for which that time has already passed.")


def _wait_table(f: Figures, t: Translator) -> Table:
    def cells(wait: Wait) -> list[Cell]:
        return [_count(t, wait.count), _duration(t, wait.median), _duration(t, wait.p90)]

    waits = {d: f.waits.get(d, NO_WAIT) for d in f.districts}
    hidden = protect_partition({d: wait.count for d, wait in waits.items()})
    rows = [(_district(t, d), _shown_row(cells(wait), d in hidden)) for d, wait in waits.items()]
    overall = _shown_row(cells(f.wait_all), too_small(f.wait_all.count))
    median, p90 = t._("Median"), t._("90th percentile")
    return Table(
        "time-to-helper",
        t._("Time to a helper"),
        t.t(
            "From asking (before the review) until a volunteer took the request. Districts"
            " with fewer than {n} matched requests show no times.",
            n=MIN_GROUP,
        )
        + " "
        + hidden_note(t),
        [t._("Stadtbezirk"), t._("Matched requests"), median, p90],
        rows,
        _chart(
            [label for label, _ in rows],
            (median, [c[1] for _, c in rows]),
            (p90, [c[2] for _, c in rows]),
        ),
        t._("Time to a helper in hours, per Stadtbezirk"),
        footer=[(t._("All districts"), overall)],
        csv_header=[
            t._("Stadtbezirk"),
            t._("Matched requests"),
            t.t("{figure} (hours)", figure=median),
            t.t("{figure} (hours)", figure=p90),
        ],
    )


def _within_table(
    f: Figures,
    t: Translator,
    shares: dict[tuple[str, str], tuple[int, int]],
    table_id: str,
    texts: tuple[str, Markup, str, str],
) -> Table:
    """A table "matched within": ``texts`` are its title, note, series and chart title."""
    title, note, series, chart_title = texts
    months = [key(*m) for m in newest_first(f.period)]
    labels = [_month_label(t, m) for m in newest_first(f.period)]
    rows = []
    totals: dict[str, tuple[int, int]] = {}
    hidden = _shares_hidden(shares, list(f.districts), months)
    for district in f.districts:
        cells = []
        for month in months:
            asked, matched = shares.get((district, month), (0, 0))
            n, m = totals.get(month, (0, 0))
            totals[month] = (n + asked, m + matched)
            if (district, month) in hidden:
                cells.append(HIDDEN)
                continue
            share = percent(matched, asked)
            wait = f.month_waits.get((district, month), NO_WAIT)
            text = str(t.percent(share / 100))
            if wait.median is not None:
                text += " · " + _duration(t, wait.median).text
            cells.append(Cell(text, share))
        rows.append((_district(t, district), cells))
    overall = [
        HIDDEN if (TOTAL, m) in hidden else _share(t, totals[m][1], totals[m][0]) for m in months
    ]
    return Table(
        table_id,
        title,
        note + " " + decided_note(t) + " " + hidden_note(t),
        [t._("Stadtbezirk"), *labels],
        rows,
        _chart(labels, (series, overall), columns=True, scale=100),
        chart_title,
        footer=[(t._("All districts"), overall)],
    )


def _within_two_hours_table(f: Figures, t: Translator) -> Table:
    return _within_table(
        f,
        t,
        f.within_two_hours,
        "matched-2h",
        (
            t._("Matched within 2 hours, per Stadtbezirk and month"),
            t.t(
                "Of the requests asked (not rejected), the share a volunteer took within"
                " 2 hours of asking, the review included, and the median time to a helper."
            ),
            t._("Matched within 2 hours"),
            t._("Matched within 2 hours, per month"),
        ),
    )


def _within_day_table(f: Figures, t: Translator) -> Table:
    return _within_table(
        f,
        t,
        f.within_day,
        "matched-24h",
        (
            t._("Matched within 24 hours, per Stadtbezirk and month"),
            t.t(
                "Of the requests asked (not rejected), the share a volunteer took within"
                " 24 hours of asking, the review included, and the median time to a helper."
            ),
            t._("Matched within 24 hours"),
            t._("Matched within 24 hours, per month"),
        ),
    )


def _within_day_language_table(f: Figures, t: Translator) -> Table:
    counts = f.within_day_by_language
    # A partition of the published requests (each counts under one language): no total
    # less the shown counts may give a hidden one back.
    hidden = protect_partition({code: published for code, (published, _, _) in counts.items()})
    rows = []
    for code, (published, decided, matched) in counts.items():
        share = HIDDEN if too_small(decided) else _share(t, matched, decided)
        cells = [_count(t, published), share]
        rows.append((t.language(code), _shown_row(cells, code in hidden)))
    within = t._("Matched within 24 hours")
    return Table(
        "matched-24h-language",
        t._("Matched within 24 hours, by the requester's language"),
        t.t(
            "Of the requests published in the period, the share a volunteer took within 24"
            " hours. German for everyone who speaks it, else the first language they gave."
        )
        + " "
        + decided_note(t)
        + " "
        + hidden_note(t),
        [t._("Language"), t._("Published"), within],
        rows,
        _chart([label for label, _ in rows], (within, [c[1] for _, c in rows]), scale=100),
        t._("Matched within 24 hours, by the requester's language"),
    )


def _unmet_table(f: Figures, t: Translator) -> Table:
    rows = []
    unmets = {d: f.unmet.get(d, (0, 0)) for d in f.districts}
    asked_hidden = district_requests_hidden(f)
    unmet_hidden = protect_partition({d: unmet for d, (_, unmet) in unmets.items()})
    for district, (total, unmet) in unmets.items():
        hide_unmet = district in unmet_hidden or district in asked_hidden
        rows.append(
            (
                _district(t, district),
                [
                    _shown(_count(t, total), district in asked_hidden),
                    _shown(_count(t, unmet), hide_unmet),
                    _shown(_share(t, unmet, total), hide_unmet),
                ],
            )
        )
    return Table(
        "unmet",
        t._("Unmet requests by Stadtbezirk"),
        t.t(
            "Unmet: expired, or published more than {days} days ago and still without a helper.",
            days=UNMET_AFTER_DAYS,
        )
        + " "
        + hidden_note(t),
        [t._("Stadtbezirk"), t._("Requests"), t._("Unmet"), t._("Share")],
        rows,
        _chart([label for label, _ in rows], (t._("Unmet"), [c[1] for _, c in rows])),
        t._("Unmet requests per Stadtbezirk"),
    )


def _languages_table(f: Figures, t: Translator) -> Table:
    codes = list(f.asked)  # every language, whether asked for or not
    spoken_by = {code: f.spoken.get(code, 0) for code in codes}
    # Not a partition (a request or a volunteer may name several languages), but many name
    # one: the totals in the note less the shown counts must not give a hidden one back,
    # as if they were. No volunteer is said as 0 (small_groups.protect_volunteers).
    asked_hidden = protect_partition({code: f.asked[code] for code in codes})
    spoken_hidden = protect_volunteers(spoken_by)

    def gap(code: str) -> int:
        """How many more requests than volunteers, where both are shown (0: not known
        or none: the order tells nothing a hidden count would)."""
        if code in asked_hidden or code in spoken_hidden:
            return 0
        return max(0, f.asked[code] - spoken_by[code])

    # Those lacking volunteers first, by the gap; the rest in the bot's order.
    codes.sort(key=lambda code: -gap(code))
    rows = [
        (
            t.language(code),
            [
                _shown(_count(t, f.asked[code]), code in asked_hidden),
                _shown(_count(t, spoken_by[code]), code in spoken_hidden),
            ],
        )
        for code in codes
    ]
    # The requests' total is the requests table's, hidden where it is hidden there.
    requests_total = _in_words(t, f.requests_total, (TOTAL, TOTAL) in f.requests_hidden)
    volunteers_total = _in_words(t, f.volunteers_total, few(f.volunteers_total))
    asked, spoken = t._("Requests asking for it"), t._("Volunteers who speak it")
    return Table(
        "languages",
        t._("Languages asked for and spoken"),
        t.t(
            "Of {requests} requests in the period and {volunteers} volunteers (not paused);"
            " a request or a volunteer may name several languages.",
            requests=requests_total,
            volunteers=volunteers_total,
        )
        + " "
        + hidden_note(t),
        [t._("Language"), asked, spoken],
        rows,
        _chart(
            [label for label, _ in rows],
            (asked, [c[0] for _, c in rows]),
            (spoken, [c[1] for _, c in rows]),
        ),
        t._("Languages: requests and volunteers"),
    )


def _hours_month_table(f: Figures, t: Translator) -> Table:
    rows = []
    hidden = protect_partition(
        {key(*m): f.hours_by_month.get(key(*m), (0, 0))[0] for m in f.period.months}
    )
    for month in newest_first(f.period):
        done, minutes = f.hours_by_month.get(key(*month), (0, 0))
        cells = [_count(t, done), _hours(t, minutes)]
        rows.append((_month_label(t, month), _shown_row(cells, key(*month) in hidden)))
    hours = t._("Hours")
    return Table(
        "hours-by-month",
        t._("Volunteer hours per month"),
        t.t("Time volunteers reported for done requests, in the month the help was done.")
        + " "
        + hidden_note(t),
        [t._("Month"), t._("Help done"), hours],
        rows,
        _chart([label for label, _ in rows], (hours, [c[1] for _, c in rows]), columns=True),
        t._("Volunteer hours per month"),
    )


def _hours_district_table(f: Figures, t: Translator) -> Table:
    rows = []
    hours = {d: f.hours_by_district.get(d, (0, 0)) for d in f.districts}
    hidden = protect_partition({d: done for d, (done, _) in hours.items()})
    for district, (done, minutes) in hours.items():
        cells = [_count(t, done), _hours(t, minutes)]
        rows.append((_district(t, district), _shown_row(cells, district in hidden)))
    label = t._("Hours")
    return Table(
        "hours-by-district",
        t._("Volunteer hours per Stadtbezirk"),
        hidden_note(t),
        [t._("Stadtbezirk"), t._("Help done"), label],
        rows,
        _chart([name for name, _ in rows], (label, [c[1] for _, c in rows])),
        t._("Volunteer hours per Stadtbezirk"),
    )


def _places_table(f: Figures, t: Translator) -> Table:
    rows = [(_district(t, d), [_count(t, f.places[d])]) for d in _districts(f.places)]
    label = t._("Places")
    return Table(
        "places",
        t._("Places per Stadtbezirk"),
        t.t("All encounter places on the map, whatever the period."),
        [t._("Stadtbezirk"), label],
        rows,
        _chart([name for name, _ in rows], (label, [c[0] for _, c in rows])),
        t._("Places per Stadtbezirk"),
    )


_TABLES = {
    "requests": _requests_table,
    "time-to-helper": _wait_table,
    "matched-2h": _within_two_hours_table,
    "matched-24h": _within_day_table,
    "matched-24h-language": _within_day_language_table,
    "unmet": _unmet_table,
    "languages": _languages_table,
    "hours-by-month": _hours_month_table,
    "hours-by-district": _hours_district_table,
    "places": _places_table,
}


def tables(f: Figures, t: Translator) -> list[Table]:
    """Every figure as a table with its chart, in the page's order."""
    return [_TABLES[name](f, t) for name in TABLE_IDS]


def table(f: Figures, t: Translator, name: str) -> Table:
    return _TABLES[name](f, t)


def period_label(period: Period, t: Translator) -> str:
    if period.year is not None:
        return t.digits(str(period.year))
    first, last = period.months[0], period.months[-1]
    return str(
        t.t(
            "{first} to {last}",
            first=Markup.escape(_month_label(t, first)),
            last=Markup.escape(_month_label(t, last)),
        )
    )


# The chat's picture shows these four (the desk shows all).
PICTURE_TABLES = ("requests", "unmet", "time-to-helper", "languages")
STATS_TITLE = N_("Statistics")
