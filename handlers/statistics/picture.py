"""The statistics as a picture for the chat (/stats in the backchannel): four of the desk's
charts (handlers/statistics/city_figures.py: the same figures, titles and labels) and, below
them, the languages' figures the desk shows under "who is short of volunteers" (the last four
weeks, handlers/statistics/language_gaps.py: per requester's language the share matched within
24 hours of asking, the requests and the volunteers who take requests, hidden where the desk
hides them) drawn with matplotlib into one PNG in the reader's language.

matplotlib's own DejaVu Sans covers Latin, Cyrillic, Arabic and Persian, and matplotlib
shapes Arabic script and orders right-to-left text itself (libraqm); in ar and fa the
charts are mirrored (bars grow to the left, months run from right to left). Months come
newest first, as on the desk, and shares are drawn on their whole 0-100 % scale. Drawing takes
a few hundred milliseconds, so it runs in a worker thread, and the same figures in the same
language are drawn once (a backchannel asking /stats twice gets the same picture).
"""

from __future__ import annotations

import asyncio
import io
import re
import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache

from markupsafe import Markup

from db import Database
from handlers.messages import Picture
from handlers.statistics import city_figures, language_charts, language_gaps
from handlers.statistics.city_figures import Chart, Period
from locales import N_, Translator, translator

FONT = "DejaVu Sans"
# Three rows of two panels: the period's four charts, then the languages' two.
WIDTH, HEIGHT, DPI = 10.0, 11.0, 100
ROWS = 3
LANGUAGES_SHARE = N_("Languages, last 4 weeks: matched within 24 hours of asking")
LANGUAGES_COUNTS = N_("Languages, last 4 weeks: requests and volunteers who take requests")
# A title longer than this many characters is wrapped (a panel is half the picture wide).
TITLE_WIDTH = 46
# Two series are told apart by hatching and the legend as well as by colour.
COLOURS = ("#0b5cad", "#d9822b")
HATCHES = ("", "//")


def _wrapped(title: str) -> str:
    """A long title on lines that a reader takes in: broken after its "…:" head first, and
    never between a number and the word after it ("24 | hours" reads as two figures)."""
    head, colon, rest = title.partition(": ")
    parts = [head + colon.rstrip(), rest] if colon and len(title) > TITLE_WIDTH else [title]
    joined = [re.sub(r"(\d) (?=\S)", "\\1\u00a0", part) for part in parts]
    return "\n".join(textwrap.fill(part, TITLE_WIDTH) for part in joined if part)


def _panel(ax, title: str, chart: Chart, lang: str, empty: str) -> None:
    rtl = translator(lang).rtl
    ax.set_title(
        _wrapped(title),
        fontsize=11,
        fontfamily=FONT,
        loc="right" if rtl else "left",
    )
    ax.tick_params(labelsize=8, labelfontfamily=FONT)
    for side in ("top", "right", "left") if not rtl else ("top", "left", "right"):
        ax.spines[side].set_visible(False)
    if not chart.categories or not any(v for s in chart.series for v in s.values if v):
        ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        return
    count = len(chart.series)
    width = 0.8 / count
    positions = range(len(chart.categories))
    for index, series in enumerate(chart.series):
        offset = (index - (count - 1) / 2) * width
        values = [v or 0 for v in series.values]
        spots = [p + offset for p in positions]
        draw = ax.bar if chart.columns else ax.barh
        bars = draw(
            spots,
            values,
            width,
            color=COLOURS[index % 2],
            hatch=HATCHES[index % 2],
            edgecolor="white",
            label=series.name,
        )
        if len(chart.categories) * count <= 16:
            ax.bar_label(bars, labels=list(series.texts), fontsize=7, padding=2)
    if chart.scale is not None:
        # Shares on their whole scale (0-100 %), set before a mirrored axis is inverted.
        (ax.set_ylim if chart.columns else ax.set_xlim)(0, chart.scale)
    if chart.columns:
        ax.set_xticks(list(positions), list(chart.categories), rotation=45, ha="right")
        if rtl:
            ax.invert_xaxis()
            ax.yaxis.tick_right()
    else:
        ax.set_yticks(list(positions), list(chart.categories))
        ax.invert_yaxis()
        if rtl:
            ax.invert_xaxis()
            ax.yaxis.tick_right()
    # The value axis in the reader's digits, like the figures on the bars.
    values = ax.yaxis if chart.columns else ax.xaxis
    values.set_major_formatter(lambda value, _position: translator(lang).number(value))
    if count > 1:
        ax.legend(fontsize=8, prop={"family": FONT, "size": 8})


@lru_cache(maxsize=32)
def _draw(title: str, panels: tuple[tuple[str, Chart], ...], lang: str, empty: str) -> bytes:
    # The object API without pyplot: no global figure state shared between threads.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    figure.suptitle(title, fontsize=14, fontfamily=FONT)
    axes = figure.subplots(ROWS, 2)
    for ax, (panel_title, chart) in zip(axes.flat, panels, strict=False):
        _panel(ax, panel_title, chart, lang, empty)
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


async def panels(
    db: Database,
    t: Translator,
    districts: Sequence[str],
    now: datetime,
    *,
    verified: bool,
) -> tuple[Period, tuple[tuple[str, Chart], ...]]:
    """The period, and each panel's title and chart in ``t``'s language: the period's
    ``PICTURE_TABLES``, then the languages' figures of the last four weeks as the desk shows
    them (``verified``: the city's ``require_verified_volunteers``, who counts as a volunteer
    who takes requests)."""
    period = Period.recent(now)
    figures = await city_figures.figures(db, period, now, districts=districts)
    tables = tuple(
        (table.chart_title, table.chart)
        for table in (city_figures.table(figures, t, name) for name in city_figures.PICTURE_TABLES)
    )
    rows = await language_gaps.languages(db, now, verified=verified)
    languages = (
        (t._(LANGUAGES_SHARE), language_charts.share_chart(t, rows)),
        (t._(LANGUAGES_COUNTS), language_charts.counts_chart(t, rows)),
    )
    return period, tables + languages


async def picture(
    db: Database,
    t: Translator,
    districts: Sequence[str],
    now: datetime | None = None,
    *,
    verified: bool,
) -> Picture:
    """The last twelve months' statistics and the last four weeks' languages as a PNG,
    labelled in ``t``'s language; ``districts``: the city's (city_figures.city_districts);
    ``verified``: the city's ``require_verified_volunteers``."""
    now = now or datetime.now(UTC)
    period, drawn = await panels(db, t, districts, now, verified=verified)
    label = city_figures.period_label(period, t)
    title = f"{t._(city_figures.STATS_TITLE)} · {label}"
    content = await asyncio.to_thread(_draw, title, drawn, t.lang, t._("No figures yet"))
    return Picture(
        content,
        caption=t.t("📊 Statistics, {period}", period=Markup.escape(label)),
        filename=f"statistics-{period.months[-1][0]}-{period.months[-1][1]:02d}.png",
        width=int(WIDTH * DPI),
        height=int(HEIGHT * DPI),
    )
