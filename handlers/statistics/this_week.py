"""The statistics' headline: this week at a glance, and the one gap a coordinator should act
on (the desk's statistics page shows it first; bot/web/desk/stats.py).

The week is the last seven days up to now. Its figures:
- asked: requests sent in the week, and those a posting limit holds back (drafts never
  sent do not count);
- helped: requests a volunteer took in the week, whenever they were asked;
- waiting for review: requests a coordinator has not yet published or turned down, now;
- time to a helper: the median minutes from asking to a volunteer's acceptance of the
  requests asked in the week that found one (handlers/statistics/city_figures.py defines it);
- the language that waits longest: of the requests waiting now (in review, or published
  and nobody took them), by the requester's language (``city_figures.requester_language``),
  the language whose requests have waited longest on average.

The gap: the requester's language with the most requests waiting now that fewer than
``MIN_GROUP`` volunteers (not paused) speak. Nothing here tells about one or two people
(handlers/statistics/small_groups.py): a count under ``MIN_GROUP`` is hidden ("–"), and so
is a time or a language counted from fewer; the gap names a language only where at least
``MIN_GROUP`` requests wait in it. It says "no volunteer speaks it" where none does (a zero
names nobody: small_groups.py), and "fewer than three volunteers" for one or two.

The coordinators' weekly digest (:func:`digest`, every Monday morning to the backchannel,
bot/city_service.py): the week's headline and gap, then per requester's language over the
last four weeks the requests, the share matched within 24 hours and the volunteers who take
requests (handlers/statistics/language_gaps.py), with each short language's gap and the address
of its volunteer poster (``/poster/volunteer/<language>``, which carries the link to share).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup

from db import Database
from db.clock import to_text
from handlers.context import Backstage
from handlers.messages import Message
from handlers.messenger import backchannel_language
from handlers.settings import HandlerSettings
from handlers.statistics import language_gaps
from handlers.statistics.city_figures import (
    NO_WAIT,
    Wait,
    hidden_note,
    requester_language,
    waits_between,
)
from handlers.statistics.small_groups import MIN_GROUP, too_small
from locales import SUPPORTED_LANGUAGES, Formatted, Translator, first_upper

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Gap:
    """A language people wait in that (almost) no volunteer speaks."""

    language: str
    waiting: int
    # Nobody speaks it (said as a zero); False: one or two ("fewer than MIN_GROUP").
    nobody: bool


@dataclass(frozen=True)
class Slowest:
    """The language whose waiting requests have waited longest on average."""

    language: str
    waiting: int
    minutes: float


@dataclass(frozen=True)
class Week:
    asked: int
    helped: int
    in_review: int
    wait: Wait
    slowest: Slowest | None
    gap: Gap | None


def _by_language(rows: Sequence[tuple[str, int, float]]) -> dict[str, tuple[int, float]]:
    waiting: dict[str, tuple[int, float]] = {}
    for stored, count, minutes in rows:
        code = requester_language(stored)
        n, m = waiting.get(code, (0, 0.0))
        waiting[code] = (n + count, m + minutes)
    return waiting


def _slowest(waiting: dict[str, tuple[int, float]]) -> Slowest | None:
    # Only languages with enough waiting requests: an average of one or two is about them.
    shown = [
        Slowest(code, count, minutes / count)
        for code, (count, minutes) in waiting.items()
        if code and not too_small(count)
    ]
    return max(shown, key=lambda s: (s.minutes, s.language), default=None)


def _gap(waiting: dict[str, tuple[int, float]], spoken: dict[str, int]) -> Gap | None:
    gaps = [
        (count, code)
        for code, (count, _minutes) in waiting.items()
        if code and not too_small(count) and too_small(spoken.get(code, 0))
    ]
    if not gaps:
        return None
    count, code = max(gaps)
    nobody = spoken.get(code, 0) == 0
    return Gap(code, count, nobody)


async def week(db: Database, now: datetime, languages: Sequence[str] = SUPPORTED_LANGUAGES) -> Week:
    """The last seven days up to ``now``, and the gap now."""
    since = to_text(now - WEEK)
    asked, helped, in_review = await db.statistics.week(since)
    wait = (await waits_between(db, since, to_text(now))).get(None, NO_WAIT)
    waiting = _by_language(await db.statistics.waiting_by_languages(to_text(now)))
    spoken, _total = await db.statistics.volunteer_languages(languages)
    return Week(asked, helped, in_review, wait, _slowest(waiting), _gap(waiting, spoken))


def count_text(t: Translator, count: int) -> Formatted:
    """A headline count, or "–" where it is under ``MIN_GROUP`` (zero too, like the
    tables: a lone zero said aloud would make every "–" a one or a two)."""
    return Formatted("–") if too_small(count) else t.number(count)


def gap_sentence(t: Translator, gap: Gap) -> Markup:
    language = t.language(gap.language)
    if gap.nobody:
        return t.tn(
            "{count} request in {language} is waiting, and no volunteer speaks it.",
            "{count} requests in {language} are waiting, and no volunteer speaks it.",
            gap.waiting,
            count=t.number(gap.waiting),
            language=language,
        )
    return t.tn(
        "{count} request in {language} is waiting, and fewer than {least} volunteers speak it.",
        "{count} requests in {language} are waiting, and fewer than {least} volunteers speak it.",
        gap.waiting,
        count=t.number(gap.waiting),
        language=language,
        least=MIN_GROUP,
    )


def _headline_line(t: Translator, w: Week) -> Markup:
    wait = t.wait(round(w.wait.median)) if w.wait.median is not None else "–"
    return t.t(
        "Requests asked: {asked} · found a helper: {helped} · waiting for review: {review}"
        " · median time to a helper: {wait}",
        asked=count_text(t, w.asked),
        helped=count_text(t, w.helped),
        review=count_text(t, w.in_review),
        wait=wait,
    )


def _language_lines(
    t: Translator, rows: Sequence[language_gaps.Language], web_url: str
) -> list[Markup]:
    sl = language_gaps
    lines = [
        t.t("<b>Languages, the last four weeks</b>"),
        t.t("(requests · matched within 24 hours · volunteers who take requests)"),
    ]
    shown = [row for row in rows if not row.hidden and row.asked]
    for row in shown:
        lines.append(
            t.format(
                "{mark}{language}: {asked} · {share} · {volunteers}",
                mark="⚠️ " if row.short else "",
                # The name starts the line: "Українська", not "українська" (uk, ru, ro,
                # bg and pl write language names in lower case).
                language=first_upper(t.language(row.code)),
                asked=sl.count_text(t, row.asked, row.hidden),
                share=sl.share_text(t, row),
                volunteers=sl.speakers_text(t, row),
            )
        )
    if (fresh := sl.fresh_note(t, rows)) is not None:
        lines.append(fresh)
    if len(shown) < len(rows):
        # Nobody asked in them, or too few to show: alike, as the desk's "–" (a zero told
        # apart would make the others one or two).
        lines.append(t.t("The other languages: too few requests to show."))
    for row in sl.short(rows):
        lines.append(Markup(""))
        lines.append(t.t("⚠️ <b>{language} is short.</b>", language=t.language(row.code)))
        lines.extend(sl.reasons(t, row))
        if web_url:
            lines.append(
                t.t(
                    "🖨 The volunteer poster in {language}, with its link to share, for a"
                    " language café or a community group: {address}",
                    language=t.language(row.code),
                    address=f"{web_url}/poster/volunteer/{row.code}",
                )
            )
    lines.append(Markup(""))
    lines.append(sl.rule(t))
    # The "–" of the lines above (and of the headline), as the desk's statistics say it.
    lines.append(hidden_note(t))
    return lines


async def digest(db: Database, settings: HandlerSettings, now: datetime) -> int:
    """The coordinators' weekly digest to the backchannel; how many messages it queued."""
    bt = backchannel_language()
    this_week = await week(db, now)
    rows = await language_gaps.languages(db, now, verified=settings.require_verified_volunteers)
    lines = [bt.t("📊 <b>The week for the coordinators (the last 7 days)</b>")]
    lines.append(_headline_line(bt, this_week))
    if this_week.gap:
        lines.append(gap_sentence(bt, this_week.gap))
    lines.append(Markup(""))
    lines.extend(_language_lines(bt, rows, settings.web_url))
    text = Markup("\n").join(lines)
    scene = Backstage(db, settings)
    async with db.transaction():
        await scene.mail.to_backchannel(lambda t: Message(text), about=[])
    return scene.mail.queued
