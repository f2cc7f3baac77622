"""Who is short of volunteers: per requester's language, over the last four weeks, how many
requests came, how many a volunteer took within 24 hours of asking, and how many volunteers
who take requests now speak the language - and which languages are short, so that the desk
(bot/web/desk/stats.py) and the coordinators' weekly digest (handlers/statistics/this_week.py)
can hand out the volunteer poster in that language (bot/web/public/posters.py).

No ranking rule makes volunteers who speak Persian appear (issue 81): where few speak a
language, the help is people, found in a language café or a community group.

Definitions (the desk page and the digest say them):
- A request counts under its requester's language (``city_figures.requester_language``:
  German for everyone who speaks it, else the first language they gave), asked in the last
  ``WINDOW`` and not rejected (a turned-down request was never to be matched).
- Matched within 24 hours: a volunteer took it within ``MATCHED_WITHIN_HOURS`` of asking,
  the review's wait included (as the requester feels it), shown as a share of 0-100 % of
  the requests asked ``MATCHED_WITHIN_HOURS`` ago or more (db/statistics._decided): one
  asked this morning is not late yet, and counts in the share once its day has passed
  (:func:`fresh_note` says how many wait for that).
- Volunteers: not paused, and confirmed where the city offers requests only to confirmed
  volunteers (``require_verified_volunteers``) - the ones a request can reach now.
- Short, judged only for a language with at least ``MIN_GROUP`` requests:
  * too few speakers: fewer than ``FEWEST_SPEAKERS`` volunteers speak it, or fewer than
    one for each request a week in it (a volunteer takes about one a week); or
  * left behind: its share matched within 24 hours is ``BEHIND_POINTS`` percentage points
    or more below German's (German's share shown, from at least ``MIN_GROUP`` requests).
  German itself is judged by its speakers only. The gap to act on is the points below
  German, or the volunteers missing to reach the line.
- Nothing tells about one or two people (handlers/statistics/small_groups.py): a count under
  ``MIN_GROUP`` is "–", and so is a share counted from fewer; a short language's speakers
  are then "fewer than 3" - but no speaker at all is "0" (a zero names nobody).
- Order: German first, then the short ones by the volunteers missing (most first), then
  by the points below German, then the rest in the bot's order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from markupsafe import Markup

from db import Database
from db.clock import to_text
from handlers.statistics.city_figures import MATCHED_WITHIN_HOURS, percent, requester_language
from handlers.statistics.small_groups import (
    MIN_GROUP,
    few,
    protect_partition,
    protect_volunteers,
    too_small,
)
from locales import SUPPORTED_LANGUAGES, Translator

WINDOW = timedelta(days=28)
WEEKS = WINDOW / timedelta(days=7)
# Below this many speakers one volunteer's holiday leaves a language without anyone.
FEWEST_SPEAKERS = 5
# "Clearly below German": a gap of this many percentage points or more.
BEHIND_POINTS = 10
REFERENCE = "de"


@dataclass(frozen=True)
class Language:
    """One requester's language over the window; ``hidden``: its request counts are
    hidden (too few, or they would give a hidden one back)."""

    code: str
    asked: int
    matched: int
    volunteers: int
    hidden: bool = False
    volunteers_hidden: bool = False
    # Short: too few speakers (the volunteers missing to reach the line), and/or the
    # percentage points below German's share (None: not behind).
    missing: int = 0
    behind: int | None = None
    # The requests asked MATCHED_WITHIN_HOURS ago or more: the share's count (None: all).
    decided: int | None = None

    @property
    def counted(self) -> int:
        """The requests the share is counted from: those asked 24 hours ago or more."""
        return self.asked if self.decided is None else self.decided

    @property
    def share(self) -> float | None:
        """Matched within 24 hours, 0-1, of the requests asked 24 hours ago or more; None
        where hidden, or counted from too few (a share of one or two tells about them)."""
        if self.hidden or not self.counted or too_small(self.counted):
            return None
        return self.matched / self.counted

    @property
    def percent(self) -> int | None:
        """The share as it reads and is drawn, in whole percent (never 0 or 100 untruly:
        ``city_figures.percent``); None where hidden."""
        return None if self.share is None else percent(self.matched, self.counted)

    @property
    def short(self) -> bool:
        return self.missing > 0 or self.behind is not None


def needed(asked: int) -> int:
    """The volunteers a language needs for ``asked`` requests in the window: at least
    ``FEWEST_SPEAKERS``, and one for each request a week."""
    return max(FEWEST_SPEAKERS, math.ceil(asked / WEEKS))


def _judged(row: Language, reference: int | None) -> Language:
    if row.hidden:
        return row
    missing = max(0, needed(row.asked) - row.volunteers)
    behind = None
    shown = row.percent
    if row.code != REFERENCE and reference is not None and shown is not None:
        # The gap between the two shares as they read.
        points = reference - shown
        behind = points if points >= BEHIND_POINTS else None
    return replace(row, missing=missing, behind=behind)


async def languages(
    db: Database,
    now: datetime,
    *,
    verified: bool,
    codes: Sequence[str] = SUPPORTED_LANGUAGES,
) -> list[Language]:
    """Every language of the bot over the last ``WINDOW`` up to ``now``, in the order the
    module's docstring says; ``verified``: the city's
    ``require_verified_volunteers``."""
    counts = {code: (0, 0, 0) for code in codes}
    served = await db.statistics.languages_served(
        to_text(now - WINDOW), to_text(now), MATCHED_WITHIN_HOURS
    )
    for stored, asked, decided, matched in served:
        code = requester_language(stored)
        if code in counts:
            n, d, m = counts[code]
            counts[code] = (n + asked, d + decided, m + matched)
    speakers = await db.statistics.volunteers_taking(codes, verified)
    # Each request counts under one language: no total less the shown counts may give a
    # hidden one back. Speakers, as in the statistics' languages table, likewise.
    hidden = protect_partition({code: asked for code, (asked, _, _) in counts.items()})
    speakers_hidden = protect_volunteers(speakers)
    rows = [
        Language(code, n, m, speakers[code], code in hidden, code in speakers_hidden, decided=d)
        for code, (n, d, m) in counts.items()
    ]
    german = next((row for row in rows if row.code == REFERENCE), None)
    reference = german.percent if german else None
    judged = [_judged(row, reference) for row in rows]
    order = {code: i for i, code in enumerate(codes)}
    return sorted(
        judged,
        key=lambda r: (
            r.code != REFERENCE,
            not r.short,
            -r.missing,
            -(r.behind or 0),
            order[r.code],
        ),
    )


def short(rows: Sequence[Language]) -> list[Language]:
    return [row for row in rows if row.short]


def fresh(rows: Sequence[Language]) -> int:
    """The requests still in their first 24 hours: not in any share yet."""
    return sum(row.asked - row.counted for row in rows)


# --- How the figures read -------------------------------------------------------------


def count_text(t: Translator, count: int, hidden: bool) -> str:
    return "–" if hidden or too_small(count) else str(t.number(count))


def share_text(t: Translator, row: Language) -> str:
    shown = row.percent
    return "–" if shown is None else str(t.percent(shown / 100))


def speakers_text(t: Translator, row: Language) -> str:
    if few(row.volunteers):
        return str(t.t("fewer than {least}", least=MIN_GROUP))
    return "–" if row.volunteers_hidden else str(t.number(row.volunteers))


def reasons(t: Translator, row: Language) -> list[Markup]:
    """Why ``row`` is short, each with the gap to act on."""
    said = []
    if row.behind is not None:
        said.append(
            t.tn(
                "{points} percentage point below German within 24 hours.",
                "{points} percentage points below German within 24 hours.",
                row.behind,
                points=t.number(row.behind),
            )
        )
    if row.missing and not row.volunteers:
        said.append(
            t.tn(
                "No volunteer who takes requests speaks it: {needed} is needed.",
                "No volunteer who takes requests speaks it: {needed} are needed.",
                needed(row.asked),
                needed=t.number(needed(row.asked)),
            )
        )
    elif row.missing and (row.volunteers_hidden or few(row.volunteers)):
        # The missing number would give the hidden count back.
        said.append(
            t.t(
                "Fewer than {needed} volunteers who take requests speak it.",
                needed=t.number(needed(row.asked)),
            )
        )
    elif row.missing:
        said.append(
            t.tn(
                "{missing} more volunteer who speaks it is needed to reach {needed}.",
                "{missing} more volunteers who speak it are needed to reach {needed}.",
                row.missing,
                missing=t.number(row.missing),
                needed=t.number(needed(row.asked)),
            )
        )
    return said


def fresh_note(t: Translator, rows: Sequence[Language]) -> Markup | None:
    """How many requests the shares do not count yet (None: none), in the reader's words."""
    count = fresh(rows)
    if not count:
        return None
    if too_small(count):
        return t.t(
            "Fewer than {least} requests are still in their first 24 hours: they count in"
            " the share matched within 24 hours once those have passed.",
            least=MIN_GROUP,
        )
    return t.tn(
        "{count} request is still in its first 24 hours: it counts in the share matched"
        " within 24 hours once those have passed.",
        "{count} requests are still in their first 24 hours: they count in the share"
        " matched within 24 hours once those have passed.",
        count,
        count=t.number(count),
    )


def rule(t: Translator) -> Markup:
    """The definition of "short", as the page and the digest state it."""
    return t.t(
        "Short: a language with at least {least} requests in the last four weeks where"
        " fewer than {fewest} volunteers who take requests speak it, or fewer than one for"
        " each request a week, or whose share matched within 24 hours is {points}"
        " percentage points or more below German's.",
        least=MIN_GROUP,
        fewest=FEWEST_SPEAKERS,
        points=BEHIND_POINTS,
    )
