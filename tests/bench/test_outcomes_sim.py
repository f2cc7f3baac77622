"""The outcomes bench's harness (bench/outcomes_sim.py) on a tiny city: it runs the
product's own code on its simulated clock and gives the same figures for the same seed.
Its goals are the bench's (bench/outcomes.py), never a test's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bench.outcomes_sim import BROADCAST, WAVES, Behaviour, Shape, make_city, simulate

TINY = Shape(volunteers=20, requests_per_day=8, days=1, tail_days=1)


def _figures(outcome):
    return (
        [(s.request_id, s.published, s.matched, s.offers, s.escalated) for s in outcome.stories],
        outcome.offers_per_volunteer,
        outcome.opened_after_taken,
        outcome.wasted_taps,
        outcome.messages,
    )


@pytest.mark.parametrize("rule", [BROADCAST, WAVES], ids=lambda r: r.name)
async def test_a_tiny_city_runs_a_day_and_a_seed_gives_the_same_figures(rule):
    first = await simulate(rule, TINY, seed=7)
    again = await simulate(rule, TINY, seed=7)
    assert _figures(first) == _figures(again)

    # Requests were published through the lifecycle and offered through the outbox.
    assert first.stories and all(s.request_id and s.published for s in first.stories)
    assert sum(first.offers_per_volunteer) > 0 and first.messages > 0
    # Matches came from volunteers pressing "I can help", after publishing.
    assert any(s.matched for s in first.stories)
    assert all(s.matched >= s.published for s in first.stories if s.matched)
    assert first.share(timedelta(hours=2)) <= first.share(timedelta(hours=24)) <= first.share(None)


def test_the_city_is_drawn_from_the_seed():
    one = make_city(TINY, 1, Behaviour())
    assert make_city(TINY, 1, Behaviour()) == one
    assert make_city(TINY, 2, Behaviour()) != one
    people, asks = one
    assert len(people) == TINY.volunteers
    assert all(a.district for a in asks)
