"""Bar charts as inline SVG, drawn here rather than by matplotlib: a desk page has seven of
them and matplotlib takes some 50 ms for each, this a fraction of a millisecond; the text
stays text in the page's own fonts (the browser shapes Arabic), and the CSP's
``style-src 'self'`` is kept: colours come from classes in site.css.

Bars lie, one group per district, month or language: its name on a line of its own above
its bars (one per series), the value written at each bar's end. So the chart is narrow
(``WIDTH``, the width of a phone) and its text stays 14 px there, with room for any name
and for the value after the longest bar. A full bar is ``chart.scale`` where the figure has
one (shares: 100 %), else the largest value. In right-to-left pages the chart is mirrored:
names and bars start on the right, bars grow to the left. Each chart carries a title and a
description for screen readers; the table after it holds the same figures.
"""

from __future__ import annotations

import textwrap

from markupsafe import Markup, escape

from handlers.statistics.city_figures import Chart

WIDTH = 360  # a phone's width: the chart is never shrunk below its text's size
VALUE = 110  # room for the value after the longest bar
NAME = 20  # the line with a group's name
BAR = 14
GAP = 10
TOP = 4
# The "no figures" sentence: characters a line (14 px text across the chart) and the line
# height.
EMPTY_CHARS = 40
EMPTY_LINE = 20


def _row_height(series: int) -> int:
    return NAME + series * BAR + GAP


def svg(
    chart: Chart, chart_id: str, title: str, description: str, *, rtl: bool, empty: str
) -> Markup:
    count = max(1, len(chart.series))
    values = [v for s in chart.series for v in s.values if v is not None]
    peak = max(values, default=0) or 0
    full = chart.scale or peak
    # A share of 0 % is a figure, drawn as no bar with its value; counts of nothing are none.
    drawn = peak > 0 or (chart.scale is not None and bool(values))
    rows = len(chart.categories) if drawn else 1
    # One line per series: two long names side by side ran off the chart ("…die sie spreche").
    legend = 22 * count if count > 1 else 0
    # SVG text does not wrap: the "no figures" sentence is cut into lines that fit the width
    # (it ran past the chart's edge in German).
    empty_lines = [] if drawn else textwrap.wrap(empty, EMPTY_CHARS)
    body = max(rows * _row_height(count), EMPTY_LINE * len(empty_lines))
    height = TOP + legend + body + GAP
    area = WIDTH - VALUE
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
                f'<rect x="{x_of(0, 12):.1f}" y="{line + 3}" width="12" height="12" {fill}/>'
            )
            parts.append(text(x_of(18, 0), line + 13, series.name, True, "legend"))
        y += legend
    if not drawn:
        for number, words in enumerate(empty_lines):
            parts.append(text(x_of(8, 0), y + 14 + number * EMPTY_LINE, words, True, "empty"))
        parts.append("</svg>")
        return Markup("".join(parts))
    for row, category in enumerate(chart.categories):
        top = y + row * _row_height(count)
        parts.append(text(x_of(0, 0), top + 15, category, True, "label"))
        for index, series in enumerate(chart.series):
            value = series.values[row]
            length = 0.0 if value is None else min(max(0.0, value) / full, 1.0) * area
            bar_top = top + NAME + index * BAR
            fill = f'fill="url(#{escape(chart_id)}-hatch)"' if index % 2 else 'class="bar-0"'
            if length > 0:
                parts.append(
                    f'<rect x="{x_of(0, length):.1f}" y="{bar_top + 1}"'
                    f' width="{length:.1f}" height="{BAR - 2}" {fill}/>'
                )
            parts.append(
                text(x_of(length + 4, 0), bar_top + BAR - 2, series.texts[row], True, "value")
            )
    parts.append("</svg>")
    return Markup("".join(parts))
