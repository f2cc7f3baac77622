"""The backlog in one number (issue 100, point 2): how far behind the city is, said the same
at the top of the desk's queue, /pending, the statistics (the desk's page and /stats) and
counted in the desk's 📥 badge and the browser's tab.

The backlog is every request a resident is waiting on before any volunteer is asked: those
waiting for review and those a posting limit holds back (handlers/helping/posting_limits.py
- a held request reaches review by itself, so a coordinator who counts only the queue
thinks the city is further ahead than it is). The line says the whole, then its parts:

  "📥 20 requests in the backlog · 5 wait for review, the oldest for 2 h · ⏸ 15 held until
  02:19 · ⚠️ 17 that nobody can take now · 📞 1 wants to talk now"

- held: until when the last of them is held (the latest ``held_until``; "until the limits
  allow" where none has a time);
- nobody can take now: of the waiting and the held ones, those the first wave's own
  candidate search finds nobody for (review_queue.hints: the same sentence the cards show);
  at most :data:`CHECKED` requests are searched, the oldest first;
- talk now and urgent: of those waiting for review, as the queue ranks them.

With nothing held the line starts as the queue always did ("📥 5 requests wait for
review, the oldest for 2 h"). No button data and no conversation states here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from db import Database
from db.request_states import REVIEW
from handlers.helping import pace
from handlers.helping.review import held_post, review_queue
from handlers.helping.review.review_pace import waited
from handlers.helping.vocabulary import TALK
from handlers.settings import HandlerSettings
from locales import Translator

# How many requests the "nobody can take now" count searches candidates for (the oldest).
CHECKED = 300


@dataclass(frozen=True)
class Backlog:
    """What residents wait on before anyone is asked, counted at one moment."""

    waiting: int
    held: int
    # The latest stored moment a held request waits until (None: none has a time).
    held_until: str | None
    nobody: int
    talk: int
    urgent: int
    # When the request waiting longest for review was asked (None: none waits).
    oldest: str | None

    @property
    def total(self) -> int:
        return self.waiting + self.held


async def total(db: Database) -> int:
    """The backlog's number alone (the badge on every desk page): two counts, no search."""
    count, _none = await review_queue.page(db, limit=0, offset=0)
    return count.total + len(await db.requests.held())


async def count(db: Database, settings: HandlerSettings, t: Translator, now: datetime) -> Backlog:
    """The backlog now, with the "nobody can take now" search."""
    waiting = sorted(await db.requests.in_state(REVIEW), key=lambda r: (r.created_at, r.id))
    held = await db.requests.held()
    searched = sorted([*waiting, *held], key=lambda r: (r.created_at, r.id))[:CHECKED]
    takes = await review_queue.hints(db, settings, t, searched, now)
    talk = [r for r in waiting if r.category == TALK]
    urgent = [r for r in waiting if r.category != TALK and pace.urgent(r)]
    return Backlog(
        waiting=len(waiting),
        held=len(held),
        held_until=held_post.last_until(held),
        nobody=sum(1 for someone, _hint in takes if not someone),
        talk=len(talk),
        urgent=len(urgent),
        oldest=waiting[0].created_at if waiting else None,
    )


def line(t: Translator, backlog: Backlog, now: datetime) -> Markup:
    """The backlog in one line; "" when nothing is in it."""
    if not backlog.total:
        return Markup("")
    parts: list[Markup] = []
    duration = waited(t, backlog.oldest, now) if backlog.oldest else ""
    if not backlog.held:
        parts.append(
            t.tn(
                "📥 {n} request waits for review, for {duration}",
                "📥 {n} requests wait for review, the oldest for {duration}",
                backlog.waiting,
                duration=duration,
            )
        )
    else:
        parts.append(
            t.tn(
                "📥 {n} request in the backlog",
                "📥 {n} requests in the backlog",
                backlog.total,
            )
        )
        if backlog.waiting:
            parts.append(
                t.tn(
                    "{n} waits for review, for {duration}",
                    "{n} wait for review, the oldest for {duration}",
                    backlog.waiting,
                    duration=duration,
                )
            )
        parts.append(held_post.heading(t, backlog.held, backlog.held_until))
    if backlog.nobody:
        parts.append(
            t.tn("⚠️ {n} that nobody can take now", "⚠️ {n} that nobody can take now", backlog.nobody)
        )
    if backlog.talk:
        parts.append(t.tn("📞 {n} wants to talk now", "📞 {n} want to talk now", backlog.talk))
    if backlog.urgent:
        parts.append(
            t.tn("⚡ {n} as soon as possible", "⚡ {n} as soon as possible", backlog.urgent)
        )
    return Markup(" · ").join(parts)


async def said(db: Database, settings: HandlerSettings, t: Translator, now: datetime) -> Markup:
    """The backlog line now ("" when nothing is in it)."""
    return line(t, await count(db, settings, t, now), now)
