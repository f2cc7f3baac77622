"""Bar charts as inline SVG, drawn here rather than by matplotlib: a desk page has seven of
them and matplotlib takes some 50 ms for each, this a fraction of a millisecond; the text
stays text in the page's own fonts (the browser shapes Arabic), and the CSP's
``style-src 'self'`` is kept: colours come from classes in site.css.

Bars lie (one row per district, month or language, one bar per series, the value written
at its end), so that long names and phones need no rotated labels. In right-to-left pages
the chart is mirrored: names on the right, bars growing to the left. Each chart carries a
title and a description for screen readers; the table after it holds the same figures.
"""

from __future__ import annotations

import textwrap

from markupsafe import Markup, escape

from handlers.statistics import Chart

WIDTH = 640
LABEL = 190  # room for a district's name
VALUE = 110  # room for the value after the longest bar
BAR = 14
GAP = 8
TOP = 4
# The "no figures" sentence: characters a line (14 px text across the 640 wide chart) and
# the line height.
EMPTY_CHARS = 60
EMPTY_LINE = 20


def _row_height(series: int) -> int:
    return series * BAR + GAP


def svg(
    chart: Chart, chart_id: str, title: str, description: str, *, rtl: bool, empty: str
) -> Markup:
    count = max(1, len(chart.series))
    values = [v for s in chart.series for v in s.values if v is not None]
    peak = max(values, default=0) or 0
    rows = len(chart.categories) if peak > 0 else 1
    # One line per series: two long names side by side ran off the chart ("…die sie spreche").
    legend = 22 * count if count > 1 else 0
    # SVG text does not wrap: the "no figures" sentence is cut into lines that fit the width
    # (it ran past the chart's edge in German).
    empty_lines = textwrap.wrap(empty, EMPTY_CHARS) if peak <= 0 else []
    body = max(rows * _row_height(count), EMPTY_LINE * len(empty_lines))
    height = TOP + legend + body + GAP
    area = WIDTH - LABEL - VALUE
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}"'
        f' viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" direction="ltr"'
        f' role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
        f'<defs><pattern id="{escape(chart_id)}-hatch" width="6" height="6"'
        ' patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" class="bar-1"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern></defs>',
    ]

    def x_of(start: float, length: float) -> float:
        """Left edge of a span that starts ``start`` from the reading start."""
        return WIDTH - start - length if rtl else start

    def text(x: float, y: float, content: str, anchor_start: bool, css: str) -> str:
        # With direction="ltr" on the root, "start" is always the left edge.
        anchor = "start" if anchor_start != rtl else "end"
        return (
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{css}">'
            f"{escape(content)}</text>"
        )

    y = TOP
    if count > 1:
        for index, series in enumerate(chart.series):
            fill = f'fill="url(#{escape(chart_id)}-hatch)"' if index % 2 else 'class="bar-0"'
            line = y + 22 * index
            parts.append(
                f'<rect x="{x_of(LABEL, 12):.1f}" y="{line + 3}" width="12" height="12" {fill}/>'
            )
            parts.append(text(x_of(LABEL + 18, 0), line + 13, series.name, True, "legend"))
        y += legend
    if peak <= 0:
        for number, words in enumerate(empty_lines):
            parts.append(text(x_of(8, 0), y + 14 + number * EMPTY_LINE, words, True, "empty"))
        parts.append("</svg>")
        return Markup("".join(parts))
    for row, category in enumerate(chart.categories):
        top = y + row * _row_height(count)
        parts.append(text(x_of(LABEL - 8, 0), top + count * BAR / 2 + 4, category, False, "label"))
        for index, series in enumerate(chart.series):
            value = series.values[row]
            length = 0.0 if value is None else max(0.0, value) / peak * area
            bar_top = top + index * BAR
            fill = f'fill="url(#{escape(chart_id)}-hatch)"' if index % 2 else 'class="bar-0"'
            if length > 0:
                parts.append(
                    f'<rect x="{x_of(LABEL, length):.1f}" y="{bar_top + 1}"'
                    f' width="{length:.1f}" height="{BAR - 2}" {fill}/>'
                )
            parts.append(
                text(
                    x_of(LABEL + length + 4, 0),
                    bar_top + BAR - 3,
                    series.texts[row],
                    True,
                    "value",
                )
            )
    parts.append("</svg>")
    return Markup("".join(parts))
