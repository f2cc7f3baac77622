"""The pace of the waves follows urgency and the hour (issue 63, point 4): an "as soon as
possible" request is not asked about at the pace of one for next week, and a search that
starts in the evening does not wait for the next morning.

- **Urgent** (the request's when is "as soon as possible", ``when_kind`` ``asap``): its
  first ``urgent_waves`` waves are up to ``urgent_wave_max`` people, each followed by the
  next after ``urgent_wave_minutes`` without a taker.
- **Sized for takers**: a wave asks as many as its summed estimates need for about
  ``wave_takers`` expected takers, an urgent request's first waves ``urgent_wave_takers``
  (:func:`takers_in_wave`), within the bounds here.
- **Within the budget**: an urgent wave asks at most half the request's budget (a small
  city's is smaller, ``OfferRules.budget_for``), unless the usual wave is larger.
- **An evening search** (it started between ``evening_from`` and ``evening_until``,
  Europe/Berlin): its first wave is up to ``evening_wave_max`` people, the next after
  ``evening_wave_minutes``.
- **The evening clock**: the waits of an evening search and of an urgent request count in
  real minutes while the next wave still falls before ``evening_until`` that evening (not
  only in the daytime, which stops at ``day_end``); otherwise in the daytime, as every
  other wait (handlers/helping/daytime.py).
- **Who in the evening**: from ``evening_from`` on volunteers who said they take evening
  requests are asked first (:func:`evening`); outside the daytime (``day_end`` to
  ``day_start``) only they are asked (:func:`evening_only`) - a volunteer who chose "only
  in the daytime" is never asked then, and everyone's own quiet hours hold as always.

The larger of two paces wins (an urgent request in the evening: the larger first wave, the
shorter wait). Pure functions of the rules, the request and the time; ``waves`` calls them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from db.requests import HelpRequest
from handlers.helping.daytime import after_daytime
from handlers.settings import OfferRules
from locales import TIMEZONE

# The ``when_kind`` of an urgent request: "as soon as possible", or none given (the chat's
# default); the review queue puts them on top with the same rule (db ``review_queue``).
URGENT_WHEN = ("asap", "")


def urgent(request: HelpRequest) -> bool:
    """The requester asked for help as soon as possible."""
    return (request.when_kind or "asap") in URGENT_WHEN


def _hours(moment: datetime) -> float:
    local = moment.astimezone(TIMEZONE)
    return local.hour + local.minute / 60


def evening(rules: OfferRules, moment: datetime) -> bool:
    """``moment`` falls between ``evening_from`` and ``evening_until``."""
    return rules.evening_from <= _hours(moment) < rules.evening_until


def evening_only(rules: OfferRules, moment: datetime) -> bool:
    """Outside the daytime: only those who take evening requests are asked."""
    hours = _hours(moment)
    return hours >= rules.day_end or hours < rules.day_start


def most_in_wave(
    rules: OfferRules, request: HelpRequest, started: datetime, number: int, budget: int
) -> int:
    """The most people wave ``number`` (1 for the first) of a search started at
    ``started`` asks; an urgent wave takes at most half the request's ``budget``
    (``OfferRules.budget_for``), unless the usual wave is larger."""
    most = rules.most_in_wave(number)
    if urgent(request) and number <= rules.urgent_waves:
        # In a small city (a budget of 15) one urgent wave of 12 left three for every
        # later wave: fewer were matched within 24 hours (bench/outcomes.py, tuning seeds).
        most = max(most, min(rules.urgent_wave_max, budget // 2))
    if number == 1 and evening(rules, started):
        most = max(most, rules.evening_wave_max)
    return most


def takers_in_wave(rules: OfferRules, request: HelpRequest, number: int) -> float:
    """How many expected takers wave ``number`` is sized for (``ranking.wave_of``): an
    urgent request's first ``urgent_waves`` waves ``urgent_wave_takers``, every other wave
    ``wave_takers``."""
    if urgent(request) and number <= rules.urgent_waves:
        return rules.urgent_wave_takers
    return rules.wave_takers


def next_wave_at(
    rules: OfferRules, request: HelpRequest, started: datetime, now: datetime, number: int
) -> datetime:
    """When the wave after wave ``number``, sent ``now``, is followed without a taker."""
    wait = rules.minutes_after_wave(number)
    if urgent(request) and number <= rules.urgent_waves:
        wait = min(wait, rules.urgent_wave_minutes)
    if number == 1 and evening(rules, started):
        wait = min(wait, rules.evening_wave_minutes)
    if (urgent(request) or evening(rules, started)) and evening(rules, now):
        at = now + timedelta(minutes=wait)
        local = now.astimezone(TIMEZONE)
        ends = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
            hours=rules.evening_until
        )
        if at < ends:
            return at
    return after_daytime(now, wait, rules)
