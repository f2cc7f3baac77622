"""The desk's statistics: every figure of handlers/statistics/city_figures.py as a chart and
as a table, for a period, and each table as a CSV download.

Routes: ``GET /desk/stats`` (``?period=``: empty for the last twelve months, or a year such
as ``2025`` from the first request's year to this one; anything else is 400 with the form
and a message), ``GET /desk/stats/<table>.csv`` with the same ``period`` (tables:
``handlers.statistics.city_figures.TABLE_IDS``). Coordinators and admins only, like every desk page.

First the backlog in one line (handlers/helping/review/backlog.py: waiting for review, held back
and until when, how many nobody can take now), counted afresh; then the week's headline
(handlers/statistics/this_week.py: asked, helped, waiting for review, the median time to a
helper, the language that waits longest) and the one gap to act on ("3 requests in Arabic
are waiting, and no volunteer speaks it"), whatever the period; then
who is short of volunteers, per language over the last four weeks, with the volunteer
poster and link of each short language (bot/web/desk/stats_languages.py). Then
the panel of each metered budget the city's transports keep, as their
declarations show it (bot/transports/registry.py ``panels``: the month's texts where the
city sends them), read fresh each time.

Counting a period over 100,000 requests takes a few hundred milliseconds, and it holds the
one database connection the chat uses too; so a period's figures are kept for
``FRESH_FOR`` and the page says how old they are. Charts are SVG drawn in
``bot.web.charts`` (no script needed).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from aiohttp import web
from babel.numbers import format_decimal

from bot.transports import registry
from bot.web import charts
from bot.web.csv_export import csv_response
from bot.web.desk import stats_languages
from bot.web.desk.auth import desk_of, desk_page
from bot.web.i18n import translator_for
from bot.web.inputs import number
from bot.web.pages import render
from db.clock import local_month
from handlers.helping.render import someone
from handlers.helping.review import backlog
from handlers.statistics import city_figures, language_gaps, this_week
from handlers.statistics.city_figures import Figures, Period
from handlers.statistics.this_week import Week
from locales import Translator

FRESH_FOR = 60.0  # seconds
T = TypeVar("T")


@dataclass
class _Cache:
    figures: dict[Period, tuple[float, datetime, Figures]] = field(default_factory=dict)
    week: tuple[float, Week] | None = None
    languages: tuple[float, list[language_gaps.Language]] | None = None


CACHE = web.AppKey("stats_cache", _Cache)


class BadPeriod(ValueError):
    pass


async def _years(request: web.Request, now: datetime) -> list[int]:
    desk = desk_of(request)
    first = await desk.site.db.statistics.first_year()
    this_year = local_month(now)[0]
    return list(range(this_year, min(first or this_year, this_year) - 1, -1))


def _period(raw: str, years: list[int], now: datetime) -> Period:
    if raw in ("", "12m"):
        return Period.recent(now)
    year = number(raw, 1000, 9999)
    if year is not None and year in years:
        return Period.of_year(year)
    raise BadPeriod(raw)


async def _figures(request: web.Request, period: Period, now: datetime) -> tuple[Figures, datetime]:
    cache = request.app[CACHE]
    kept = cache.figures.get(period)
    if kept is not None and time.monotonic() - kept[0] < FRESH_FOR:
        return kept[2], kept[1]
    site = desk_of(request).site
    districts = city_figures.city_districts(site.settings)
    figures = await city_figures.figures(site.db, period, now, districts=districts)
    if len(cache.figures) > 32:
        cache.figures.clear()
    cache.figures[period] = (time.monotonic(), now, figures)
    return figures, now


async def _fresh(request: web.Request, name: str, count: Callable[[], Awaitable[T]]) -> T:
    """The cache's ``name`` (week, languages) if counted within ``FRESH_FOR``, else counted
    now and kept."""
    cache = request.app[CACHE]
    kept = getattr(cache, name)
    if kept is not None and time.monotonic() - kept[0] < FRESH_FOR:
        return kept[1]
    value = await count()
    setattr(cache, name, (time.monotonic(), value))
    return value


async def _week(request: web.Request, now: datetime) -> Week:
    db = desk_of(request).site.db
    return await _fresh(request, "week", lambda: this_week.week(db, now))


async def _languages(request: web.Request, now: datetime) -> list[language_gaps.Language]:
    site = desk_of(request).site
    verified = site.settings.require_verified_volunteers
    return await _fresh(
        request,
        "languages",
        lambda: language_gaps.languages(site.db, now, verified=verified),
    )


def _headline(week: Week, t: Translator) -> dict[str, object]:
    """The week's figures as the page shows them: (id, label, value, detail) each, and the
    gap's sentence (None: no gap)."""
    count = this_week.count_text
    wait = t.wait(round(week.wait.median)) if week.wait.median is not None else "–"
    slowest = week.slowest
    figures = [
        ("asked", t._("Requests asked"), count(t, week.asked), ""),
        ("helped", t._("Found a helper"), count(t, week.helped), ""),
        ("review", t._("Waiting for review"), count(t, week.in_review), ""),
        ("wait", t._("Median time to a helper"), wait, ""),
        (
            "slowest",
            t._("Waits longest"),
            t.language(slowest.language) if slowest else "–",
            t.t("{time} on average", time=t.wait(round(slowest.minutes))) if slowest else "",
        ),
    ]
    gap = this_week.gap_sentence(t, week.gap) if week.gap else None
    return {"figures": figures, "gap": gap}


def _csv_number(t: Translator):
    # Latin digits and the locale's decimal sign, no grouping: what a spreadsheet in that
    # language reads as a number (a CSV file is data for a program, not a page: spreadsheets
    # do not read Persian digits as numbers).
    return lambda value: format_decimal(
        value, locale=t.locale, group_separator=False, numbering_system="latn"
    )


def _sections(figures: Figures, t: Translator) -> list[dict[str, object]]:
    """Each table with its chart."""
    sections: list[dict[str, object]] = []
    for table in city_figures.tables(figures, t):
        # A chart with no bars above a table with figures must not say "no figures yet":
        # its figures are hidden (fewer than three), and it says so.
        hidden = any(
            cell is city_figures.HIDDEN
            for _, cells in [*table.rows, *table.footer]
            for cell in cells
        )
        chart = charts.svg(
            table.chart,
            f"chart-{table.id}",
            table.chart_title,
            t._("The table after this chart has the same figures."),
            rtl=t.rtl,
            empty=str(city_figures.hidden_note(t)) if hidden else t._("No figures yet"),
        )
        sections.append({"table": table, "chart": chart})
    return sections


@desk_page
async def page(request: web.Request) -> web.Response:
    t = translator_for(request)
    now = datetime.now(UTC)
    years = await _years(request, now)
    raw = request.query.get("period", "")
    try:
        period = _period(raw, years, now)
    except BadPeriod:
        return render(
            request,
            "desk/stats.html",
            status=400,
            desk=desk_of(request),
            years=years,
            chosen=raw,
            error=t.t("Please choose the last twelve months or one of the years listed."),
            sections=[],
            period_label="",
            counted_at="",
            query="",
            notice=None,
            panels=[],
            headline=None,
            served=None,
            backlog_line=None,
        )
    figures, counted = await _figures(request, period, now)
    panels = await registry.panels(desk_of(request).site.budgets, t, someone)
    headline = _headline(await _week(request, now), t)
    site = desk_of(request).site
    served = stats_languages.section(site, await _languages(request, now), t)
    sections = _sections(figures, t)
    return render(
        request,
        "desk/stats.html",
        desk=desk_of(request),
        years=years,
        chosen=raw if period.year else "",
        error=None,
        sections=sections,
        period_label=city_figures.period_label(period, t),
        counted_at=t.time(counted),
        query=f"?period={period.year}" if period.year else "",
        notice=None,
        panels=panels,
        headline=headline,
        served=served,
        # The backlog now, in one line at the top (never from the cache: it is the moment's).
        backlog_line=await backlog.said(site.db, site.settings, t, now),
    )


@desk_page
async def download(request: web.Request) -> web.StreamResponse:
    name = request.match_info["table"]
    if name not in city_figures.TABLE_IDS:
        raise web.HTTPNotFound()
    t = translator_for(request)
    now = datetime.now(UTC)
    try:
        period = _period(request.query.get("period", ""), await _years(request, now), now)
    except BadPeriod:
        raise web.HTTPBadRequest(
            text=str(t.t("Please choose the last twelve months or one of the years listed."))
        ) from None
    figures, _counted = await _figures(request, period, now)
    table = city_figures.table(figures, t, name)
    rows: list[list[str | float | None]] = [list(table.csv_header or table.header)]
    for label, cells in [*table.rows, *table.footer]:
        rows.append([label, *(cell.value for cell in cells)])
    suffix = str(period.year) if period.year else "12-months"
    return csv_response(f"{name}-{suffix}.csv", rows, _csv_number(t))


def add_routes(app: web.Application) -> None:
    app[CACHE] = _Cache()
    app.router.add_get("/desk/stats", page)
    app.router.add_get(r"/desk/stats/{table:[a-z0-9-]+}.csv", download)
