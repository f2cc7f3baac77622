"""The review queue on a busy day (issue 79, point 3): what waits, in which order, and whether
anyone could take each request - for the desk's queue (bot/web/desk/queue.py) and /pending
in the backchannel (handlers/helping/moderation.py).

- Order: a caller who wants to talk now (the kind ``talk``) on top, then the urgent ones
  (handlers/helping/pace.py ``URGENT_WHEN``), each oldest first (:func:`page`).
- Above it the backlog in one line (handlers/helping/review/backlog.py): what waits for review,
  what is held back, and how many of them nobody can take now - the first thing a
  coordinator reads.
- :func:`hints`, for a page (its reads done once for it): whether anyone could take each
  request if it were published now: the first wave's own candidate search
  (``ranking.candidates_of_page``, each the same as ``ranking.candidates`` alone, at the
  local reach, the talk shift for a talk request, the evening rules of this hour), never a
  second matcher. "2 volunteers
  for shopping in Hörde", "nobody speaks Persian" (the requester has no German, none of
  them shares a language, and no translation engine carries the talk), or nobody at all.
  Those in their quiet hours are counted apart, with when the first wakes (awake.py): "🌙 1
  volunteer for shopping in Hörde, in quiet hours until 07:00" is one nobody can take now.
  Counts only: a hint names no volunteer (nobody is asked before it is published; the
  request's page names those an offer waits for).

No button data and no conversation states here.
"""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup

from db import Database
from db.requests import HelpRequest, QueueCount
from handlers.helping import pace
from handlers.helping.matching import awake, hint_cache, ranking
from handlers.helping.render import category_label
from handlers.helping.review.review_pace import waited
from handlers.helping.vocabulary import TALK
from handlers.settings import HandlerSettings
from locales import Translator


async def page(db: Database, limit: int, offset: int) -> tuple[QueueCount, list[HelpRequest]]:
    """One page of the queue in its order, and how many wait."""
    return await db.requests.review_queue(TALK, pace.URGENT_WHEN, limit=limit, offset=offset)


def age(t: Translator, request: HelpRequest, now: datetime) -> Markup:
    """The age on a request's card: "⏳ waiting 2 h 10 min"."""
    return t.t("⏳ waiting {duration}", duration=waited(t, request.created_at, now))


async def hints(
    db: Database,
    settings: HandlerSettings,
    t: Translator,
    requests: list[HelpRequest],
    now: datetime,
    read_at: int | None = None,
) -> list[tuple[bool, Markup]]:
    """Whether someone could take each of a page's requests now (False: a warning), and the
    sentence that says so: their candidates are searched together
    (``ranking.candidates_of_page``: who offers each kind and the tables of offers and
    answers read once for the page, not once a card - with thousands of volunteers those
    reads were most of a page's time), and the counts kept while nothing they are worked
    out from changed (handlers/helping/matching/hint_cache.py; ``read_at``: its erasures mark
    taken before ``requests`` were read)."""
    searches = [_search(settings, request, now) for request in requests]
    found = await hint_cache.found(db, settings, searches, now, read_at)
    return [
        _sentence(settings, t, request, each) for request, each in zip(requests, found, strict=True)
    ]


def _search(settings: HandlerSettings, request: HelpRequest, now: datetime) -> ranking.Search:
    """The first wave's search if ``request`` were published now: the local reach, the talk
    shift for a talk request, the evening rules of this hour."""
    rules = settings.offer_rules
    talk = request.category == TALK
    return ranking.Search(
        request,
        ranking.LOCAL,
        talk=talk,
        evening=not talk and pace.evening(rules, now),
        evening_only=not talk and pace.evening_only(rules, now),
    )


def _sentence(
    settings: HandlerSettings,
    t: Translator,
    request: HelpRequest,
    found: hint_cache.Found,
) -> tuple[bool, Markup]:
    """Whether anyone of ``found`` could take ``request`` (False: a warning), and the sentence."""
    talk = request.category == TALK
    if talk and not found.count:
        return False, t.t("⚠️ Nobody who speaks their language is on a talk shift now.")
    if talk:
        return True, t.tn(
            "👥 {n} volunteer on a talk shift now",
            "👥 {n} volunteers on a talk shift now",
            found.count,
        )
    kind = category_label(t, request.category)
    area = request.stadtbezirk or request.area_name
    if not found.count:
        if area:
            return False, t.t("⚠️ No volunteer for {kind} in {area} now.", kind=kind, area=area)
        return False, t.t("⚠️ No volunteer for {kind} now.", kind=kind)
    if (
        ranking.without_german(request)
        and not settings.translation_rules.engine
        and not found.shares_language
    ):
        languages = t.list_of((t.language(code) for code in request.languages), "or")
        return False, t.t("⚠️ Nobody who could take it speaks {languages}.", languages=languages)
    sleeping = found.asleep
    if sleeping and found.wakes is not None and sleeping == found.count:
        # Each of them sleeps: nobody can take it now (awake.py).
        return awake.hint(t, kind, area, 0, sleeping, found.wakes)
    said = _volunteers(t, kind, area, found.count - sleeping)
    if sleeping and found.wakes is not None:
        _someone, more = awake.hint(t, kind, area, found.count - sleeping, sleeping, found.wakes)
        said = Markup(" · ").join([said, more])
    return True, said


def _volunteers(t: Translator, kind: str, area: str | None, n: int) -> Markup:
    """Those who could take it now: "👥 2 volunteers for 🛒 Shopping in Hörde"."""
    if area:
        return t.tn(
            "👥 {n} volunteer for {kind} in {area}",
            "👥 {n} volunteers for {kind} in {area}",
            n,
            kind=kind,
            area=area,
        )
    return t.tn("👥 {n} volunteer for {kind}", "👥 {n} volunteers for {kind}", n, kind=kind)
