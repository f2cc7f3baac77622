"""The statistics page's section "who is short of volunteers" (handlers/statistics/language_gaps.py
counts and judges): per requester's language over the last four weeks the requests, those
matched within 24 hours of asking (a bar on the whole 0-100 % scale and a table), and the
volunteers who speak it and take requests; and for each short language its gap, the
volunteer poster in that language (``/poster/volunteer/<language>``) and the link to share
in a language café or a community group (what the poster's code opens).

Shown on ``GET /desk/stats`` after the week's headline, whatever the period chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from bot.web import charts
from bot.web.public.posters import volunteer_link, volunteer_page
from bot.web.site import Site
from handlers.statistics import language_charts
from handlers.statistics import language_gaps as sl
from handlers.statistics.city_figures import Cell, hidden_note
from locales import Translator


@dataclass(frozen=True)
class Short:
    code: str
    language: str
    reasons: list[Markup]
    poster: str
    poster_label: Markup
    link: str


@dataclass(frozen=True)
class Section:
    rule: Markup
    note: Markup
    chart: Markup
    header: list[str]
    rows: list[tuple[str, list[Cell]]]
    short: list[Short]


def _cells(t: Translator, row: sl.Language) -> list[Cell]:
    # The count beside its share (which gives it anyway), where the requests are shown:
    # one column, so that the table fits a phone.
    matched = "–" if row.hidden else f"{t.number(row.matched)} · {sl.share_text(t, row)}"
    return [
        Cell(sl.count_text(t, row.asked, row.hidden)),
        Cell(matched),
        Cell(sl.speakers_text(t, row)),
    ]


def section(site: Site, rows: list[sl.Language], t: Translator) -> Section:
    table = [(t.language(row.code), _cells(t, row)) for row in rows]
    # The same chart as the chat's /stats picture draws.
    chart = language_charts.share_chart(t, rows)
    short = [
        Short(
            row.code,
            t.language(row.code),
            sl.reasons(t, row),
            volunteer_page(row.code),
            t.t("🖨 Volunteer poster in {language}", language=t.language(row.code)),
            volunteer_link(site, row.code),
        )
        for row in sl.short(rows)
    ]
    fresh = sl.fresh_note(t, rows)
    return Section(
        sl.rule(t),
        hidden_note(t) if fresh is None else fresh + Markup(" ") + hidden_note(t),
        charts.svg(
            chart,
            "chart-languages-served",
            t._("Matched within 24 hours of asking, by the requester's language"),
            t._("The table after this chart has the same figures."),
            rtl=t.rtl,
            empty=t._("No figures yet"),
        ),
        [
            t._("Language"),
            t._("Requests"),
            t._("Matched within 24 hours"),
            t._("Volunteers who take requests"),
        ],
        table,
        short,
    )
