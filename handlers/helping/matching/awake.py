"""Who could help now and who sleeps: the one rule every place that names who could help
says it by (issue 100, point 3).

A volunteer in her quiet hours (``matching.quiet_until``) is not one who could help now: an
offer to her waits in the outbox until they end (``offer_sending``), and such a waiting
offer is waiting, not asked. The places that say it read it here:

- the desk's roster and a volunteer's page (bot/web/desk/volunteers.py): :func:`status`,
  "🌙 quiet hours until 07:00 · 📨 2 offers waiting" instead of "▶️ active";
- the review queue's hints on the desk's cards and list, and the backlog's "nobody can take
  now" of the queue, /pending and the statistics (handlers/helping/review/review_queue.py,
  backlog.py): :func:`asleep` counts those of a search's candidates who sleep and when the
  first of them wakes, and :func:`hint` says it - "🌙 1 volunteer for 🛒 Shopping in
  Innenstadt-Nord, in quiet hours until 07:00" is a request nobody can take now;
- a published request's page, its history and /offer say the offers held for quiet hours
  by name (handlers/helping/matching/held_offers.py: the outbox is the owner of what is held there).

No button data and no conversation states here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from markupsafe import Markup

from db.volunteers import Volunteer
from handlers.helping.matching import who_may_help
from locales import Translator


def status(t: Translator, volunteer: Volunteer, now: datetime, waiting: int = 0) -> Markup:
    """Paused, asleep (her quiet hours now: offers wait until they end) or active; and the
    offers held for her quiet hours (``waiting``), which she has not been asked yet."""
    if volunteer.paused:
        said = t.t("⏸ paused")
    elif (until := who_may_help.quiet_until(volunteer, now)) is not None:
        said = t.t("🌙 quiet hours until {time}", time=t.time(until))
    else:
        said = t.t("▶️ active")
    if not waiting:
        return said
    held = t.tn("📨 {n} offer waiting", "📨 {n} offers waiting", waiting)
    return Markup(" · ").join([said, held])


def asleep(volunteers: Iterable[Volunteer], now: datetime) -> tuple[int, datetime | None]:
    """How many of ``volunteers`` are in their quiet hours at ``now``, and when the first of
    them wakes (None: nobody sleeps)."""
    ends = [
        until
        for until in (who_may_help.quiet_until(v, now) for v in volunteers)
        if until is not None
    ]
    return len(ends), min(ends, default=None)


def hint(
    t: Translator, kind: str, area: str | None, awake: int, sleeping: int, wakes: datetime
) -> tuple[bool, Markup]:
    """A hint's words for ``sleeping`` candidates in their quiet hours until ``wakes`` (the
    first of them), beside ``awake`` who could take it now (False: nobody can now)."""
    time = t.time(wakes)
    if awake:
        return True, t.tn(
            "🌙 {n} more in quiet hours until {time}",
            "🌙 {n} more in quiet hours until {time}",
            sleeping,
            time=time,
        )
    if area:
        return False, t.tn(
            "🌙 {n} volunteer for {kind} in {area}, in quiet hours until {time}",
            "🌙 {n} volunteers for {kind} in {area}, in quiet hours until {time}",
            sleeping,
            kind=kind,
            area=area,
            time=time,
        )
    return False, t.tn(
        "🌙 {n} volunteer for {kind}, in quiet hours until {time}",
        "🌙 {n} volunteers for {kind}, in quiet hours until {time}",
        sleeping,
        kind=kind,
        time=time,
    )
