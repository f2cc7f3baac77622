"""The languages' figures as charts (handlers/statistics/language_gaps.py counts them): the
share matched within 24 hours of asking by the requester's language, on its whole 0-100 %
scale, and the requests and the volunteers who take requests by language. The desk's
statistics page draws the first (bot/web/desk/stats_languages.py), the chat's /stats picture
both (handlers/statistics/picture.py): the same figures, hidden where the desk hides them
("–", no bar)."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.statistics import language_gaps as sl
from handlers.statistics.city_figures import Chart, Series
from locales import Translator


def share_chart(t: Translator, rows: Sequence[sl.Language]) -> Chart:
    """Matched within 24 hours of asking, a bar per language (0-100)."""
    values = tuple(row.percent for row in rows)
    return Chart(
        tuple(t.language(row.code) for row in rows),
        (
            Series(
                t._("Matched within 24 hours"),
                values,
                tuple(sl.share_text(t, row) for row in rows),
            ),
        ),
        scale=100,
    )


def counts_chart(t: Translator, rows: Sequence[sl.Language]) -> Chart:
    """The requests and the volunteers who take requests, two bars per language."""
    # Hidden as the table hides them (language_gaps: too few, or a partition's giveaway).
    asked = tuple(None if row.hidden or sl.too_small(row.asked) else row.asked for row in rows)
    speakers = tuple(
        None if row.volunteers_hidden or sl.few(row.volunteers) else row.volunteers for row in rows
    )
    return Chart(
        tuple(t.language(row.code) for row in rows),
        (
            Series(
                t._("Requests"),
                asked,
                tuple(sl.count_text(t, row.asked, row.hidden) for row in rows),
            ),
            Series(
                t._("Volunteers who take requests"),
                speakers,
                tuple(sl.speakers_text(t, row) for row in rows),
            ),
        ),
    )
